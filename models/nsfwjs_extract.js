// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the LICENSE file
// found in the top-level directory of this distribution.
//
// Turns one model of an unpacked nsfwjs package (dist/models/<name>/model.min.js + group1-shard*.min.js, UMD
// bundles holding the Keras topology and the base64 weight shards) into the plain TensorFlow.js layers format:
// model.json (modelTopology + weightsManifest pointing at weights.bin) and weights.bin (the shards' bytes,
// concatenated in order, still uint8-quantised as the manifest says). Needs only Node.js.
//
//   node nsfwjs_extract.js <package>/dist/models/mobilenet_v2 <out_dir>
'use strict';
const fs = require('fs');
const path = require('path');

function loadBundle(file) {
  // The bundles are browserify UMD modules exporting one value.
  return require(path.resolve(file));
}

function extract(modelDir, outDir) {
  const model = loadBundle(path.join(modelDir, 'model.min.js'));
  if (!model || !model.modelTopology || !model.weightsManifest) {
    throw new Error(`${modelDir}/model.min.js: expected {modelTopology, weightsManifest}`);
  }
  const buffers = [];
  const weights = [];
  for (const group of model.weightsManifest) {
    for (const p of group.paths) {
      const shardFile = path.join(modelDir, p.replace(/\.bin$/, '') + '.min.js');
      const b64 = loadBundle(shardFile);
      if (typeof b64 !== 'string') throw new Error(`${shardFile}: expected a base64 string`);
      buffers.push(Buffer.from(b64, 'base64'));
    }
    weights.push(...group.weights);
  }
  fs.mkdirSync(outDir, { recursive: true });
  const data = Buffer.concat(buffers);
  fs.writeFileSync(path.join(outDir, 'weights.bin'), data);
  const json = {
    format: 'layers-model',
    modelTopology: model.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights }],
  };
  fs.writeFileSync(path.join(outDir, 'model.json'), JSON.stringify(json));
  return data.length;
}

module.exports = { extract };

if (require.main === module) {
  if (process.argv.length !== 4) {
    console.error('usage: node nsfwjs_extract.js <nsfwjs>/dist/models/<name> <out_dir>');
    process.exit(2);
  }
  const n = extract(process.argv[2], process.argv[3]);
  console.log(`nsfwjs_extract: ${process.argv[2]} -> ${process.argv[3]} (${n} weight bytes)`);
}
