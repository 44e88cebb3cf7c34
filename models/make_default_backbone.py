#!/usr/bin/python3
# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the LICENSE file
# found in the top-level directory of this distribution.
"""Builds the offline default backbones from the ImageNet weights bundled in the npm package nsfwjs (MIT).

nsfwjs@4.3.0 ships Keras models whose frozen layers keep the stock Keras-applications ImageNet weights:
MobileNetV2 (224x224) through block_10, InceptionV3 (299x299) through mixed5. This script fetches the package
with `npm pack`, checks its SHA-256, decodes the base64 weight shards (uint8 per tensor: value = min + q*scale),
and writes ONNX graphs built directly with onnx.helper from the Keras layer list, with Keras semantics
(ZeroPadding2D folded into the next convolution, TF "same" padding, BatchNorm epsilon from the config, ReLU6 as
Clip at opset 10), plus a manifest YAML (readable by cv::FileStorage) per model.

Outputs go to --out, else $UNISLAD_MODEL_DIR, else ${XDG_CACHE_HOME:-~/.cache}/unislad/models. Nothing is
written into the source tree. Reruns skip models whose files exist and match the hashes in their manifests.

  /usr/bin/python3 models/make_default_backbone.py                 # mobilenet_v2_imagenet.{onnx,yml}
  /usr/bin/python3 models/make_default_backbone.py --model all     # also inception_v3_imagenet.{onnx,yml}
  /usr/bin/python3 models/make_default_backbone.py --with-head     # also ..._with_head.onnx (exactness test)

Needs python3-onnx, python3-numpy, Node.js and npm (or --package with the tarball already downloaded).
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

import numpy as np

try:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError:  # pragma: no cover
    sys.exit("make_default_backbone: python module 'onnx' missing (apt-get install python3-onnx; "
             "use /usr/bin/python3)")

HERE = os.path.dirname(os.path.abspath(__file__))
NSFWJS_VERSION = "4.3.0"
# SHA-256 of `npm pack nsfwjs@4.3.0` (nsfwjs-4.3.0.tgz) as observed from registry.npmjs.org.
NSFWJS_SHA256 = "4496790efc9bdc6f3e85a826a8e482c1fa1e9db4b3d18c095e98cc0c73cfb12f"
OPSET = 10
# OpenCV 4.6 decides AveragePool's count_include_pad from the producer name ("pytorch" -> include padding);
# Keras/TF "same" average pooling excludes the padding, so the producer must not be "pytorch".
PRODUCER = "unislad-keras-to-onnx"
PRODUCER_VERSION = "1"
# Bump when the graphs or manifests change: outputs written by another version are rebuilt.
GENERATOR = "make_default_backbone 1"

# Per model: package sub-directory, output stem, input size, taps (Keras layer, role, pure ImageNet, used by
# the default role assignment), the
# classifier output of the package's 5-class head, and the last layer that is still stock ImageNet.
MODELS = {
    "mobilenet_v2": dict(
        src="mobilenet_v2", stem="mobilenet_v2_imagenet", size=224,
        taps=[("block_2_add", "local", True, True),
              ("block_5_add", "local", True, True),
              ("block_9_add", "global", True, True),
              ("block_10_project_BN", "global", True, False),
              ("block_12_add", "global", False, False),
              ("block_16_project_BN", "global", False, False),
              ("out_relu_pool", "class", False, True)],
        pooled={"out_relu_pool": "out_relu"},
        head="dense_3", last_imagenet="block_10_project_BN",
        roles_note="roles are a default to be tuned by measurement: taps with default 1 are used (local = "
                   "block_2_add + block_5_add, global tokens = block_9_add, class = out_relu_pool); the others "
                   "are candidates for their role. imagenet 0 = fine-tuned by nsfwjs, not stock ImageNet."),
    "inception_v3": dict(
        src="inception_v3", stem="inception_v3_imagenet", size=299,
        taps=[("mixed2", "local", True, False),
              ("mixed5", "global", True, True)],
        pooled={}, head=None, last_imagenet="mixed5",
        roles_note="candidate global branch: mixed5 (17x17x768, like the token grid of ViT-B/16 at 224); "
                   "mixed2 (35x35x288) a candidate local tap; roles to be tuned by measurement."),
}


def default_out_dir():
    if os.environ.get("UNISLAD_MODEL_DIR"):
        return os.environ["UNISLAD_MODEL_DIR"]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "unislad", "models")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def log(msg):
    print("make_default_backbone: " + msg, flush=True)


# ------------------------------------------------------------------------------------------------ fetching
def fetch_package(out_dir, package_arg):
    """Returns the path of a verified nsfwjs tarball: --package, else <out>/src/ (cached), else npm pack."""
    if package_arg:
        path = package_arg
    else:
        src_dir = os.path.join(out_dir, "src")
        os.makedirs(src_dir, exist_ok=True)
        path = os.path.join(src_dir, "nsfwjs-%s.tgz" % NSFWJS_VERSION)
        if not os.path.exists(path) or sha256_file(path) != NSFWJS_SHA256:
            if not shutil.which("npm"):
                sys.exit("make_default_backbone: 'npm' not found; install Node.js (https://nodejs.org, or "
                         "Debian's nodejs + npm), or pass --package nsfwjs-%s.tgz" % NSFWJS_VERSION)
            log("npm pack nsfwjs@%s" % NSFWJS_VERSION)
            with tempfile.TemporaryDirectory() as tmp:
                r = subprocess.run(["npm", "pack", "nsfwjs@" + NSFWJS_VERSION, "--silent"], cwd=tmp,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                got = os.path.join(tmp, "nsfwjs-%s.tgz" % NSFWJS_VERSION)
                if r.returncode != 0 or not os.path.exists(got):
                    sys.exit("make_default_backbone: npm pack nsfwjs@%s failed (rc %d): %s"
                             % (NSFWJS_VERSION, r.returncode, r.stderr.strip()[-2000:]))
                shutil.move(got, path)
    digest = sha256_file(path)
    if digest != NSFWJS_SHA256:
        sys.exit("make_default_backbone: %s has SHA-256 %s, expected %s" % (path, digest, NSFWJS_SHA256))
    return path


def extract_model(tgz, src, work):
    """Unpacks dist/models/<src>/ and converts it with nsfwjs_extract.js to model.json + weights.bin."""
    prefix = "package/dist/models/%s/" % src
    with tarfile.open(tgz, "r:gz") as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(prefix) and m.isfile()
                   and "/" not in m.name[len(prefix):]]
        if not members:
            sys.exit("make_default_backbone: %s has no %s" % (tgz, prefix))
        for m in members:
            data = tar.extractfile(m).read()
            dst = os.path.join(work, "pkg", src, os.path.basename(m.name))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "wb") as f:
                f.write(data)
    # dist/models/package.json marks the bundles as CommonJS for require().
    with open(os.path.join(work, "pkg", "package.json"), "w") as f:
        f.write('{"type": "commonjs"}\n')
    if not shutil.which("node"):
        sys.exit("make_default_backbone: 'node' not found; install Node.js (https://nodejs.org)")
    out = os.path.join(work, src)
    subprocess.run(["node", os.path.join(HERE, "nsfwjs_extract.js"), os.path.join(work, "pkg", src), out],
                   check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "model.json")) as f:
        model = json.load(f)
    with open(os.path.join(out, "weights.bin"), "rb") as f:
        data = f.read()
    return model, data


def dequantize(manifest, data):
    """Decodes the weights exactly as tfjs does: w = float32(q * scale + min) for uint8/uint16."""
    weights, pos = {}, 0
    for spec in manifest[0]["weights"]:
        n = int(np.prod(spec["shape"])) if spec["shape"] else 1
        q = spec.get("quantization")
        if q:
            dt = {"uint8": np.uint8, "uint16": np.uint16}[q["dtype"]]
            raw = np.frombuffer(data, dt, n, pos)
            pos += n * raw.itemsize
            w = (raw.astype(np.float64) * q["scale"] + q["min"]).astype(np.float32)
        else:
            assert spec["dtype"] == "float32", spec
            w = np.frombuffer(data, np.float32, n, pos).copy()
            pos += 4 * n
        weights[spec["name"]] = w.reshape(spec["shape"])
    if pos != len(data):
        sys.exit("make_default_backbone: weight data has %d bytes, the manifest describes %d" % (len(data), pos))
    return weights


# ------------------------------------------------------------------------------------------------ graph
def tf_same_pads(size, k, s, d=1):
    """TensorFlow 'same' padding for one axis: (before, after), the extra pixel after."""
    ke = (k - 1) * d + 1
    out = -(-size // s)
    total = max((out - 1) * s + ke - size, 0)
    return total // 2, total - total // 2


class GraphBuilder:
    """Translates a Keras functional layer list to ONNX nodes, tracking NCHW shapes (batch excluded)."""

    def __init__(self, layers, weights, size):
        self.layers = {l["name"]: l for l in layers}
        self.order = [l["name"] for l in layers]
        self.w = weights
        self.size = size
        self.nodes, self.inits = [], []
        self.tensors = {}   # keras layer -> (onnx tensor, shape (C,H,W) or (C,), pending pads or None)

    def inputs_of(self, layer):
        nodes = layer["inbound_nodes"]
        if not nodes:
            return []
        assert len(nodes) == 1, layer["name"]
        return [i[0] for i in nodes[0]]

    def needed(self, outputs):
        seen, stack = set(), list(outputs)
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            stack.extend(self.inputs_of(self.layers[n]))
        return seen

    def init(self, name, arr):
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(self, op, inputs, output, **attrs):
        self.nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    def take(self, name, allow_pad=False):
        t, shape, pads = self.tensors[name]
        if pads is not None and not allow_pad:
            # A ZeroPadding2D whose consumer cannot absorb it: emit it (opset 10 Pad, constant attribute).
            t = self.node("Pad", [t], name + "_explicit", mode="constant",
                          pads=[0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3]], value=0.0)
            shape = (shape[0], shape[1] + pads[0] + pads[2], shape[2] + pads[1] + pads[3])
            pads = None
        return t, shape, pads

    def activation(self, name, t, act):
        if act in (None, "linear"):
            return t
        if act == "relu":
            return self.node("Relu", [t], name + "_relu")
        if act == "softmax":
            return self.node("Softmax", [t], name + "_softmax", axis=1)
        raise NotImplementedError("activation " + act)

    def conv(self, l, name, depthwise):
        cfg = l["config"]
        t, (c, h, w), pre = self.take(self.inputs_of(l)[0], allow_pad=True)
        kh, kw = cfg["kernel_size"]
        sh, sw = cfg["strides"]
        dh, dw = cfg["dilation_rate"]
        pre = pre or (0, 0, 0, 0)          # top, left, bottom, right
        hp, wp = h + pre[0] + pre[2], w + pre[1] + pre[3]
        if cfg["padding"] == "same":
            ph, pw = tf_same_pads(hp, kh, sh, dh), tf_same_pads(wp, kw, sw, dw)
        else:
            assert cfg["padding"] == "valid", cfg["padding"]
            ph, pw = (0, 0), (0, 0)
        pads = [pre[0] + ph[0], pre[1] + pw[0], pre[2] + ph[1], pre[3] + pw[1]]
        if depthwise:
            k = self.w[name + "/depthwise_kernel"]                       # kh, kw, C, M
            m = cfg["depth_multiplier"]
            kernel = k.transpose(2, 3, 0, 1).reshape(c * m, 1, kh, kw)
            group, cout = c, c * m
        else:
            k = self.w[name + "/kernel"]                                 # kh, kw, Cin, Cout
            kernel = k.transpose(3, 2, 0, 1)
            group, cout = 1, cfg["filters"]
        ins = [t, self.init(name + "/W", kernel)]
        if cfg["use_bias"]:
            ins.append(self.init(name + "/B", self.w[name + "/bias"]))
        out = name if cfg["activation"] in (None, "linear") else name + "_conv"
        self.node("Conv", ins, out, kernel_shape=[kh, kw], strides=[sh, sw], dilations=[dh, dw], pads=pads,
                  group=group)
        ho = (h + pads[0] + pads[2] - ((kh - 1) * dh + 1)) // sh + 1
        wo = (w + pads[1] + pads[3] - ((kw - 1) * dw + 1)) // sw + 1
        if out != name:
            assert cfg["activation"] == "relu"
            self.node("Relu", [out], name)
        return name, (cout, ho, wo)

    def pool(self, l, name, op):
        cfg = l["config"]
        t, (c, h, w), _ = self.take(self.inputs_of(l)[0])
        kh, kw = cfg["pool_size"]
        sh, sw = cfg["strides"] or cfg["pool_size"]
        if cfg["padding"] == "same":
            ph, pw = tf_same_pads(h, kh, sh), tf_same_pads(w, kw, sw)
        else:
            ph, pw = (0, 0), (0, 0)
        pads = [ph[0], pw[0], ph[1], pw[1]]
        attrs = dict(kernel_shape=[kh, kw], strides=[sh, sw], pads=pads)
        if op == "AveragePool":
            attrs["count_include_pad"] = 0
        self.node(op, [t], name, **attrs)
        return name, (c, (h + ph[0] + ph[1] - kh) // sh + 1, (w + pw[0] + pw[1] - kw) // sw + 1)

    def add_layer(self, name):
        l = self.layers[name]
        cls, cfg = l["class_name"], l["config"]
        if cls == "InputLayer":
            shape = cfg["batch_input_shape"]
            assert shape[1:] == [self.size, self.size, 3], shape
            self.tensors[name] = ("input", (3, self.size, self.size), None)
            return
        ins = self.inputs_of(l)
        if cls == "ZeroPadding2D":
            (top, bottom), (left, right) = cfg["padding"]
            src, shape, _ = self.take(ins[0])
            self.tensors[name] = (src, shape, (top, left, bottom, right))
            return
        if cls in ("Dropout",) or (cls == "Activation" and cfg["activation"] == "linear"):
            self.tensors[name] = self.take(ins[0])
            return
        if cls == "Conv2D":
            out, shape = self.conv(l, name, depthwise=False)
        elif cls == "DepthwiseConv2D":
            out, shape = self.conv(l, name, depthwise=True)
        elif cls == "BatchNormalization":
            t, shape, _ = self.take(ins[0])
            assert cfg["axis"] in (-1, 3, [3], [-1]), cfg["axis"]
            c = shape[0]
            g = self.w[name + "/gamma"] if cfg["scale"] else np.ones(c, np.float32)
            b = self.w[name + "/beta"] if cfg["center"] else np.zeros(c, np.float32)
            out = self.node("BatchNormalization",
                            [t, self.init(name + "/gamma", g), self.init(name + "/beta", b),
                             self.init(name + "/moving_mean", self.w[name + "/moving_mean"]),
                             self.init(name + "/moving_variance", self.w[name + "/moving_variance"])],
                            name, epsilon=float(cfg["epsilon"]))
        elif cls == "ReLU":
            t, shape, _ = self.take(ins[0])
            assert not cfg.get("negative_slope") and not cfg.get("threshold"), cfg
            if cfg.get("max_value") is not None:
                out = self.node("Clip", [t], name, min=0.0, max=float(cfg["max_value"]))
            else:
                out = self.node("Relu", [t], name)
        elif cls == "Activation":
            t, shape, _ = self.take(ins[0])
            out = self.activation(name, t, cfg["activation"])
            if out != name:   # name the tensor after the layer
                self.nodes[-1].output[0] = name
                self.nodes[-1].name = name
                out = name
        elif cls == "Add":
            ts = [self.take(i) for i in ins]
            shape = ts[0][1]
            acc = ts[0][0]
            for k, (t, s, _) in enumerate(ts[1:]):
                assert s == shape, (name, s, shape)
                acc = self.node("Add", [acc, t], name if k == len(ts) - 2 else "%s_%d" % (name, k))
            out = acc
        elif cls == "Concatenate":
            assert cfg["axis"] in (-1, 3), cfg["axis"]
            ts = [self.take(i) for i in ins]
            out = self.node("Concat", [t for t, _, _ in ts], name, axis=1)
            shape = (sum(s[0] for _, s, _ in ts),) + ts[0][1][1:]
        elif cls == "MaxPooling2D":
            out, shape = self.pool(l, name, "MaxPool")
        elif cls == "AveragePooling2D":
            out, shape = self.pool(l, name, "AveragePool")
        elif cls == "Flatten":
            t, shape, _ = self.take(ins[0])
            if len(shape) == 3 and shape[1:] != (1, 1):   # Keras flattens NHWC
                t = self.node("Transpose", [t], name + "_nhwc", perm=[0, 2, 3, 1])
            out = self.node("Flatten", [t], name, axis=1)
            shape = (int(np.prod(shape)),)
        elif cls == "Dense":
            t, shape, _ = self.take(ins[0])
            assert len(shape) == 1, (name, shape)
            k = self.w[name + "/kernel"]                                  # in, out
            bias = self.w[name + "/bias"] if cfg["use_bias"] else np.zeros(k.shape[1], np.float32)
            act = cfg["activation"]
            gemm = name if act in (None, "linear") else name + "_linear"
            self.node("Gemm", [t, self.init(name + "/W", k.T), self.init(name + "/B", bias)], gemm, transB=1)
            out = gemm
            if gemm != name:
                out = self.activation(name, gemm, act)
                self.nodes[-1].output[0] = name
                self.nodes[-1].name = name
                out = name
            shape = (k.shape[1],)
        else:
            raise NotImplementedError("Keras layer class %s (%s)" % (cls, name))
        self.tensors[name] = (out, tuple(shape), None)

    def build(self, outputs, pooled, graph_name):
        """outputs: tensor names (Keras layers, or keys of `pooled` = GlobalAveragePool of a layer)."""
        keras_outputs = [pooled.get(o, o) for o in outputs]
        need = self.needed(keras_outputs)
        for n in self.order:
            if n in need:
                self.add_layer(n)
        outs = []
        for o in outputs:
            if o in pooled:
                t, (c, _, _), _ = self.take(pooled[o])
                self.node("GlobalAveragePool", [t], o)
                shape = (c, 1, 1)
                self.tensors[o] = (o, shape, None)
            t, shape, _ = self.take(o)
            assert t == o, (t, o)
            outs.append(helper.make_tensor_value_info(o, TensorProto.FLOAT, ["N"] + list(shape)))
        inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, self.size, self.size])
        graph = helper.make_graph(self.nodes, graph_name, [inp], outs, self.inits)
        model = helper.make_model(graph, producer_name=PRODUCER, producer_version=PRODUCER_VERSION,
                                  opset_imports=[helper.make_opsetid("", OPSET)])
        model.ir_version = 5
        onnx.checker.check_model(model)
        return model, {o: self.tensors[o][1] for o in outputs}


# ------------------------------------------------------------------------------------------------ manifest
def write_manifest(path, fields):
    """Minimal YAML writer for cv::FileStorage (%YAML:1.0, flow sequences, quoted strings)."""
    def scalar(v):
        if isinstance(v, bool):
            return "1" if v else "0"
        if isinstance(v, (int, np.integer)):
            return str(int(v))
        if isinstance(v, float):
            s = "%.9g" % v
            return s if any(c in s for c in ".en") else s + ".0"
        return '"%s"' % str(v).replace('"', "'")

    def seq(vs):
        return "[ " + ", ".join(scalar(v) for v in vs) + " ]"

    def emit(obj, indent):
        pad = "   " * indent
        lines = []
        for k, v in obj.items():
            if isinstance(v, dict):
                lines.append("%s%s:" % (pad, k))
                lines += emit(v, indent + 1)
            elif isinstance(v, list) and v and isinstance(v[0], dict):
                lines.append("%s%s:" % (pad, k))
                for item in v:
                    sub = emit(item, 0)
                    lines += [pad + "   - " + sub[0]] + [pad + "     " + x for x in sub[1:]]
            elif isinstance(v, (list, tuple)):
                lines.append("%s%s: %s" % (pad, k, seq(v)))
            else:
                lines.append("%s%s: %s" % (pad, k, scalar(v)))
        return lines

    with open(path, "w") as f:
        f.write("%YAML:1.0\n---\n")
        f.write("\n".join(emit(fields, 0)) + "\n")


def read_manifest_field(path, key):
    """Top-level scalar of a manifest written by write_manifest, or None."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return line.split(":", 1)[1].strip().strip('"')
    except OSError:
        pass
    return None


def manifest_fields(key, spec, onnx_name, digest, shapes):
    taps = []
    for name, role, pure, default in spec["taps"]:
        taps.append({"name": name, "shape": list(shapes[name]), "tensor": list(shapes[name]), "layout": "NCHW",
                     "role": role, "imagenet": bool(pure), "default": bool(default)})
    return {
        "format": 1,
        "generator": GENERATOR,
        "model": onnx_name,
        "sha256": digest,
        "architecture": {"mobilenet_v2": "MobileNetV2 (alpha 1.0)", "inception_v3": "InceptionV3"}[key],
        "source": "npm nsfwjs@%s dist/models/%s (sha256 of the tarball %s)" % (NSFWJS_VERSION, spec["src"],
                                                                              NSFWJS_SHA256),
        "license": "graph: nsfwjs MIT; ImageNet weights: Keras applications (Apache-2.0), ImageNet terms",
        "weights": "Keras-applications ImageNet weights, uint8-quantised by tfjs, frozen through %s; "
                   "later layers fine-tuned by nsfwjs on its own 5-class task" % spec["last_imagenet"],
        "input": {
            "name": "input",
            "layout": "NCHW",
            "batch": "any",
            "width": spec["size"],
            "height": spec["size"],
            "channels": 3,
            "channel_order": "RGB",
            "resize": "bilinear to width x height",
            "scale": 1.0,
            "mean": [127.5, 127.5, 127.5],
            "std": [127.5, 127.5, 127.5],
            "normalisation": "blob = (x * scale - mean) / std per channel, x in [0, 255] (Keras x/127.5 - 1); "
                             "done outside the graph",
        },
        "taps": taps,
        "roles_note": spec["roles_note"],
    }


# ------------------------------------------------------------------------------------------------ main
def outputs_for(spec, with_head):
    outs = [t[0] for t in spec["taps"]]
    if with_head:
        outs.append(spec["head"])
    return outs


def up_to_date(out_dir, spec, with_head):
    paths = [(os.path.join(out_dir, spec["stem"] + ".onnx"), os.path.join(out_dir, spec["stem"] + ".yml"))]
    if with_head and spec["head"]:
        paths.append((os.path.join(out_dir, spec["stem"] + "_with_head.onnx"),
                      os.path.join(out_dir, spec["stem"] + "_with_head.yml")))
    for model_path, yml in paths:
        if (not os.path.exists(model_path) or read_manifest_field(yml, "generator") != GENERATOR
                or read_manifest_field(yml, "sha256") != sha256_file(model_path)):
            return False
    return True


def convert(key, out_dir, tgz, with_head, work):
    spec = MODELS[key]
    keras, data = extract_model(tgz, spec["src"], work)
    weights = dequantize(keras["weightsManifest"], data)
    layers = keras["modelTopology"]["model_config"]["config"]["layers"]
    variants = [(spec["stem"], False)]
    if with_head and spec["head"]:
        variants.append((spec["stem"] + "_with_head", True))
    for stem, head in variants:
        gb = GraphBuilder(layers, weights, spec["size"])
        model, shapes = gb.build(outputs_for(spec, head), spec["pooled"], stem)
        onnx_path = os.path.join(out_dir, stem + ".onnx")
        tmp = onnx_path + ".tmp"
        onnx.save(model, tmp)
        os.replace(tmp, onnx_path)
        digest = sha256_file(onnx_path)
        fields = manifest_fields(key, spec, stem + ".onnx", digest, shapes)
        if head:
            fields["head"] = {"name": spec["head"], "classes": ["Drawing", "Hentai", "Neutral", "Porn", "Sexy"],
                              "note": "nsfwjs' own 5-class softmax, kept only to prove the conversion exact"}
        write_manifest(os.path.join(out_dir, stem + ".yml"), fields)
        log("wrote %s (%d nodes, sha256 %s)" % (onnx_path, len(model.graph.node), digest))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", help="output directory (default $UNISLAD_MODEL_DIR or "
                                  "${XDG_CACHE_HOME:-~/.cache}/unislad/models)")
    ap.add_argument("--model", choices=["mobilenet_v2", "inception_v3", "all"], default="mobilenet_v2")
    ap.add_argument("--with-head", action="store_true",
                    help="also write <stem>_with_head.onnx with nsfwjs' 5-class head (for the exactness test)")
    ap.add_argument("--package", help="use this nsfwjs-%s.tgz instead of `npm pack` (hash still checked)"
                    % NSFWJS_VERSION)
    ap.add_argument("--force", action="store_true", help="rebuild even if the outputs are up to date")
    args = ap.parse_args(argv)

    out_dir = os.path.abspath(args.out or default_out_dir())
    os.makedirs(out_dir, exist_ok=True)
    keys = list(MODELS) if args.model == "all" else [args.model]
    todo = [k for k in keys if args.force or not up_to_date(out_dir, MODELS[k], args.with_head)]
    for k in keys:
        if k not in todo:
            log("%s up to date in %s" % (MODELS[k]["stem"], out_dir))
    if not todo:
        return 0
    tgz = fetch_package(out_dir, args.package)
    with tempfile.TemporaryDirectory() as work:
        for k in todo:
            convert(k, out_dir, tgz, args.with_head, work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
