# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
# LICENSE file found in the top-level directory of this distribution.
"""Reference features for DualFeatureExtractor, computed in Python.

The network runs in OpenCV-Python's dnn (the default backbone) or in torch (the paper's backbones,
rebuilt by models/export_torchvision.py from the same seed); the local features come from PatchCore's
own aggregation code path in torch (modules/unislad/test/fixtures/local_aggregation.py). The C++ test
(test_model_features.cpp) extracts features from the same images and compares.

  features_reference.py --manifest M.yml [--global-manifest G.yml] --out ref.yml.gz
                        [--local-taps a,b] [--global-taps c] [--class-tap d]
                        [--grid K] [--pretrain 1024] [--target 1024] [--runner cv2|torch]
"""
import argparse
import os
import sys

import cv2
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "modules", "unislad", "test", "fixtures"))
from local_aggregation import patchcore_embed  # noqa: E402


def test_images():
    """Deterministic 8-bit BGR images: a gradient with shapes, noise, and a non-square photo-like one
    (the last one is resized by the preprocessing)."""
    rng = np.random.default_rng(5)
    a = np.zeros((224, 224, 3), np.uint8)
    a[..., 0] = np.linspace(0, 255, 224)[None, :]
    a[..., 1] = np.linspace(255, 0, 224)[:, None]
    cv2.circle(a, (80, 90), 40, (20, 200, 240), -1)
    cv2.rectangle(a, (120, 130), (200, 190), (250, 30, 60), -1)
    b = rng.integers(0, 256, (224, 224, 3), dtype=np.uint8)
    c = cv2.GaussianBlur(rng.integers(0, 256, (300, 400, 3), dtype=np.uint8), (0, 0), 5)
    cv2.line(c, (10, 20), (390, 280), (0, 0, 0), 3)
    return [a, b, c]


class Manifest:
    def __init__(self, path):
        fs = cv2.FileStorage(path, cv2.FILE_STORAGE_READ)
        if not fs.isOpened():
            sys.exit("features_reference: cannot read manifest " + path)
        self.path = path
        self.model = os.path.join(os.path.dirname(path), fs.getNode("model").string())
        inp = fs.getNode("input")
        self.width = int(inp.getNode("width").real())
        self.height = int(inp.getNode("height").real())
        self.rgb = inp.getNode("channel_order").string() != "BGR"
        self.scale = inp.getNode("scale").real()
        self.mean = [inp.getNode("mean").at(i).real() for i in range(3)]
        self.std = [inp.getNode("std").at(i).real() for i in range(3)]
        self.taps = {}
        node = fs.getNode("taps")
        for i in range(node.size()):
            t = node.at(i)
            # `tensor` (when present) is the output's per-image shape, which the data layout follows
            key = "tensor" if not t.getNode("tensor").empty() else "shape"
            shape = [int(t.getNode(key).at(j).real()) for j in range(t.getNode(key).size())]
            self.taps[t.getNode("name").string()] = dict(
                shape=shape, role=t.getNode("role").string(), default=int(t.getNode("default").real()) != 0)

    def defaults(self, role):
        return [n for n, t in self.taps.items() if t["role"] == role and t["default"]]

    def blob(self, images):
        """The library's preprocessing: INTER_AREA when shrinking, INTER_LINEAR when enlarging, then
        (v * scale - mean) / std in the network's channel order."""
        planes = []
        for img in images:
            if img.shape[:2] != (self.height, self.width):
                shrink = img.shape[1] > self.width or img.shape[0] > self.height
                img = cv2.resize(img, (self.width, self.height),
                                 interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
            x = img.astype(np.float64)
            if self.rgb:
                x = x[..., ::-1]
            x = (x * self.scale - np.array(self.mean)) / np.array(self.std)
            planes.append(x.transpose(2, 0, 1))
        return np.stack(planes).astype(np.float32)


def run_cv2(manifest, names, blob):
    net = cv2.dnn.readNetFromONNX(manifest.model)
    net.setInput(blob)
    outs = net.forward(names)
    return {n: np.asarray(o).reshape((blob.shape[0],) + tuple(manifest.taps[n]["shape"])) for n, o in zip(names, outs)}


def run_torch(manifest, names, blob):
    sys.path.insert(0, os.path.join(HERE, "..", "..", "models"))
    import export_torchvision  # noqa: E402
    outs = export_torchvision.reference_outputs(manifest.path, torch.from_numpy(blob), names)
    return {n: outs[n].detach().numpy().reshape((blob.shape[0],) + tuple(manifest.taps[n]["shape"])) for n in names}


def tokens_of(x, shape):
    """One row per grid cell: maps (C, H, W) -> (H*W, C); tokens (T, D) lose a leading class token."""
    n = x.shape[0]
    if len(shape) == 3:
        return x.reshape(n, shape[0], -1).transpose(0, 2, 1)
    t = shape[0]
    side = int(round(np.sqrt(t)))
    return x[:, 1:, :] if side * side != t else x


def class_of(x, shape):
    n = x.shape[0]
    if len(shape) == 3:
        return x.reshape(n, shape[0], -1).mean(axis=2)
    if len(shape) == 2:
        return x[:, 0, :]
    return x.reshape(n, -1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--global-manifest")
    ap.add_argument("--local-taps")
    ap.add_argument("--global-taps")
    ap.add_argument("--class-tap")
    ap.add_argument("--grid", type=int, default=0)
    ap.add_argument("--pretrain", type=int, default=1024)
    ap.add_argument("--target", type=int, default=1024)
    ap.add_argument("--runner", choices=["cv2", "torch"], default="cv2")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    run = run_cv2 if args.runner == "cv2" else run_torch
    lm = Manifest(args.manifest)
    gm = Manifest(args.global_manifest) if args.global_manifest else lm
    local_taps = args.local_taps.split(",") if args.local_taps else lm.defaults("local")
    global_taps = args.global_taps.split(",") if args.global_taps else gm.defaults("global")
    class_tap = args.class_tap or gm.defaults("class")[0]
    images = test_images()

    lo = run(lm, local_taps, lm.blob(images))
    go = run(gm, list(dict.fromkeys(global_taps + [class_tap])), gm.blob(images))
    local = patchcore_embed([torch.from_numpy(lo[n]) for n in local_taps], 3, args.pretrain, args.target,
                            args.grid or None).numpy()
    glob = np.concatenate([tokens_of(go[n], gm.taps[n]["shape"]) for n in global_taps], axis=2)
    glob = glob.reshape(-1, glob.shape[-1])
    cls = class_of(go[class_tap], gm.taps[class_tap]["shape"])

    fs = cv2.FileStorage(args.out, cv2.FILE_STORAGE_WRITE)
    for i, img in enumerate(images):
        fs.write("image%d" % i, img)
    fs.write("num_images", len(images))
    fs.write("local", local.astype(np.float32))
    fs.write("global", glob.astype(np.float32))
    fs.write("cls", cls.astype(np.float32))
    fs.release()
    print("features_reference: %s local %s global %s class %s -> %s" % (
        args.runner, local.shape, glob.shape, cls.shape, args.out))


if __name__ == "__main__":
    main()
