# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
# LICENSE file found in the top-level directory of this distribution.
"""Bad-input corpus, ONNX graphs: networks that import but do not fit their manifest.

  onnx_lacks_outputs  the tiny backbone's graph without the tensor "deep" the manifest names
  onnx_fixed_input    a graph exported for 32 x 32 (a fully connected layer on the flattened map),
                      behind a manifest that says 16 x 16
  onnx_external_data  the tiny backbone's graph with its weights in an external data file beside it
                      (OpenCV 4.6's importer reads them as empty tensors: refused before it runs)

Each gets a manifest (without a hash, so that the graph itself is checked) and a line in
cases_onnx.tsv (the columns of make_bad_corpus.cpp). Needs numpy and onnx (python3-onnx);
without onnx it writes an empty index and says so.

Run: /usr/bin/python3 tests/reliability/make_bad_onnx.py <corpus dir>
"""
import os
import sys

import numpy as np


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    index = open(os.path.join(out, "cases_onnx.tsv"), "w")
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        print("make_bad_onnx: python3-onnx not installed: ONNX graph cases skipped")
        return 0
    rng = np.random.default_rng(1)
    w = numpy_helper.from_array(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), "w")
    b = numpy_helper.from_array(np.zeros(4, np.float32), "b")
    w2 = numpy_helper.from_array(rng.standard_normal((6, 4, 3, 3)).astype(np.float32), "w2")
    b2 = numpy_helper.from_array(np.zeros(6, np.float32), "b2")

    def save(name, nodes, size, outputs, inits, external=False):
        graph = helper.make_graph(
            nodes, name, [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, size, size])],
            [helper.make_tensor_value_info(o, TensorProto.FLOAT, ["batch", "features"]) for o in outputs], inits)
        model = helper.make_model(graph, producer_name="unislad-test", opset_imports=[helper.make_opsetid("", 11)])
        onnx.checker.check_model(model)
        if external:
            onnx.save_model(model, os.path.join(out, name + ".onnx"), save_as_external_data=True,
                            all_tensors_to_one_file=True, location=name + ".data", size_threshold=0)
        else:
            onnx.save(model, os.path.join(out, name + ".onnx"))
        with open(os.path.join(out, name + ".yml"), "w") as f:
            f.write("%%YAML:1.0\n---\nmodel: \"%s.onnx\"\n"
                    "input:\n   width: 16\n   height: 16\n   channel_order: \"RGB\"\n"
                    "   scale: 1.0\n   mean: [ 127.5, 127.5, 127.5 ]\n   std: [ 127.5, 127.5, 127.5 ]\n"
                    "taps:\n"
                    "   - { name: \"map\", shape: [ 4, 16, 16 ], role: \"local\", default: 1 }\n"
                    "   - { name: \"deep\", shape: [ 6, 8, 8 ], role: \"global\", default: 1 }\n"
                    "   - { name: \"vec\", shape: [ 4 ], role: \"class\", default: 1 }\n" % name)

    conv = [helper.make_node("Conv", ["input", "w", "b"], ["conv"], pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
            helper.make_node("Relu", ["conv"], ["map"])]
    # No "deep": the second convolution's output is called something else.
    save("onnx_lacks_outputs", conv + [
        helper.make_node("Conv", ["map", "w2", "b2"], ["deeper"], pads=[1, 1, 1, 1], kernel_shape=[3, 3], strides=[2, 2]),
        helper.make_node("GlobalAveragePool", ["map"], ["pool"]),
        helper.make_node("Flatten", ["pool"], ["vec"], axis=1)], 16, ["map", "deeper", "vec"], [w, b, w2, b2])
    index.write("onnx_lacks_outputs\tmanifest\tonnx_lacks_outputs.yml\terror\texpected an output named 'deep'\tmanifest\n")
    # Made for 32 x 32: the class vector is a fully connected layer on the flattened 4 x 32 x 32 map.
    fc = numpy_helper.from_array(rng.standard_normal((4 * 32 * 32, 4)).astype(np.float32) * 0.01, "fc")
    save("onnx_fixed_input", conv + [
        helper.make_node("Conv", ["map", "w2", "b2"], ["deep"], pads=[1, 1, 1, 1], kernel_shape=[3, 3], strides=[2, 2]),
        helper.make_node("Flatten", ["map"], ["flat"], axis=1),
        helper.make_node("MatMul", ["flat", "fc"], ["vec"])], 32, ["map", "deep", "vec"], [w, b, w2, b2, fc])
    index.write("onnx_fixed_input\tmanifest\tonnx_fixed_input.yml\terror\ttest forward pass at 16x16\tmanifest\n")
    tiny = [helper.make_node("Conv", ["map", "w2", "b2"], ["deep"], pads=[1, 1, 1, 1], kernel_shape=[3, 3], strides=[2, 2]),
            helper.make_node("GlobalAveragePool", ["map"], ["pool"]),
            helper.make_node("Flatten", ["pool"], ["vec"], axis=1)]
    save("onnx_external_data", conv + tiny, 16, ["map", "deep", "vec"], [w, b, w2, b2], external=True)
    index.write("onnx_external_data\tmanifest\tonnx_external_data.yml\terror\tkeeps tensors in external data files\tmanifest\n")
    print("make_bad_onnx: wrote 3 ONNX cases to %s" % out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
