// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the LICENSE file
// found in the top-level directory of this distribution.
//
// Reference run of an original nsfwjs Keras model with TensorFlow.js (pure JS CPU backend). The model is read
// straight from the installed nsfwjs package (node_modules/nsfwjs/dist/models/<name>), weights dequantised by
// tfjs itself, so this path shares no code with the ONNX converter.
//
//   node tfjs_reference.js <name> <input.f32> <N,H,W,C> <layer1,layer2,...> <out_dir>
//
// input.f32: raw little-endian float32 NHWC, already normalised. Writes <out_dir>/<layer>.f32 (NHWC or N×units)
// and <out_dir>/outputs.json (layer -> shape).
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

async function main() {
  const [name, inputFile, shapeArg, layersArg, outDir] = process.argv.slice(2);
  if (!outDir) {
    console.error('usage: node tfjs_reference.js <name> <input.f32> <N,H,W,C> <layers> <out_dir>');
    process.exit(2);
  }
  await tf.setBackend('cpu');
  const dir = path.join(__dirname, '..', 'node_modules', 'nsfwjs', 'dist', 'models', name);
  const bundle = require(path.join(dir, 'model.min.js'));
  const shards = [];
  const specs = [];
  for (const group of bundle.weightsManifest) {
    for (const p of group.paths) {
      shards.push(Buffer.from(require(path.join(dir, p.replace(/\.bin$/, '') + '.min.js')), 'base64'));
    }
    specs.push(...group.weights);
  }
  const all = Buffer.concat(shards);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: bundle.modelTopology, weightSpecs: specs, weightData }));

  const shape = shapeArg.split(',').map(Number);
  const raw = fs.readFileSync(inputFile);
  const x = tf.tensor4d(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4), shape);
  const layers = layersArg.split(',');
  const probe = tf.model({ inputs: model.inputs, outputs: layers.map((l) => model.getLayer(l).output) });
  let ys = probe.predict(x);
  if (!Array.isArray(ys)) ys = [ys];
  fs.mkdirSync(outDir, { recursive: true });
  const meta = {};
  for (let i = 0; i < layers.length; ++i) {
    const data = ys[i].dataSync();
    fs.writeFileSync(path.join(outDir, layers[i] + '.f32'), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    meta[layers[i]] = ys[i].shape;
  }
  fs.writeFileSync(path.join(outDir, 'outputs.json'), JSON.stringify(meta));
  console.log(`tfjs_reference: ${name} tfjs ${tf.version.tfjs} backend ${tf.getBackend()}, ${layers.length} outputs`);
}

main().catch((e) => { console.error(e); process.exit(1); });
