#!/usr/bin/python3
# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the LICENSE file
# found in the top-level directory of this distribution.
"""Proves the nsfwjs -> ONNX conversion exact: the original Keras model run by TensorFlow.js (CPU backend)
against the converted ONNX run by OpenCV's dnn module, on generated images, for every tap and (MobileNetV2)
for the package's 5-class probabilities through <stem>_with_head.onnx. Also checks batch 8 == batch 1 in OpenCV
and that the manifest is readable by cv::FileStorage. Exits non-zero on failure.

  /usr/bin/python3 models/test/check_default_backbone.py [--model mobilenet_v2|inception_v3|all] [--out DIR]

Needs models/node_modules (npm ci in models/), python3-opencv, python3-onnx, python3-numpy.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS_DIR = os.path.dirname(HERE)
sys.path.insert(0, MODELS_DIR)
import make_default_backbone as mdb  # noqa: E402

PROB_ABS_TOL = 1e-4   # probabilities, absolute
TAP_REL_TOL = 1e-4    # taps: max |diff| / max |reference|
BATCH_REL_TOL = 1e-5  # OpenCV batch 8 vs batch 1
# Images run through tfjs (pure JS, slow: InceptionV3 takes ~6 s an image on 2 cores); OpenCV runs 8.
REF_IMAGES = {"mobilenet_v2": 8, "inception_v3": 3}


def make_images(size, n):
    """n RGB uint8 images: a gradient, a shapes image, then uniform noise (seeded)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / (size - 1)
    grad = np.stack([xx * 255, yy * 255, (1 - xx) * 127 + yy * 128], -1).astype(np.uint8)
    shapes = np.full((size, size, 3), (40, 90, 160), np.uint8)
    s = size / 224.0
    cv2.circle(shapes, (int(70 * s), int(80 * s)), int(40 * s), (250, 220, 30), -1)
    cv2.rectangle(shapes, (int(120 * s), int(30 * s)), (int(200 * s), int(120 * s)), (200, 30, 40), -1)
    cv2.line(shapes, (int(10 * s), int(200 * s)), (int(210 * s), int(150 * s)), (255, 255, 255), max(1, int(6 * s)))
    cv2.ellipse(shapes, (int(150 * s), int(180 * s)), (int(50 * s), int(25 * s)), 30, 0, 360, (20, 200, 60), -1)
    images = [grad, shapes]
    rng = np.random.default_rng(12345)
    while len(images) < n:
        images.append(rng.integers(0, 256, (size, size, 3), dtype=np.uint8))
    return np.stack(images[:n])


def read_manifest(path):
    fs = cv2.FileStorage(path, cv2.FILE_STORAGE_READ)
    if not fs.isOpened():
        raise RuntimeError("cannot open manifest " + path)
    inp = fs.getNode("input")
    m = {
        "model": fs.getNode("model").string(),
        "sha256": fs.getNode("sha256").string(),
        "width": int(inp.getNode("width").real()),
        "height": int(inp.getNode("height").real()),
        "channel_order": inp.getNode("channel_order").string(),
        "scale": inp.getNode("scale").real(),
        "mean": [inp.getNode("mean").at(i).real() for i in range(3)],
        "std": [inp.getNode("std").at(i).real() for i in range(3)],
        "taps": [],
    }
    taps = fs.getNode("taps")
    for i in range(taps.size()):
        t = taps.at(i)
        m["taps"].append({"name": t.getNode("name").string(),
                          "shape": tuple(int(t.getNode("shape").at(k).real()) for k in range(3)),
                          "role": t.getNode("role").string(),
                          "imagenet": int(t.getNode("imagenet").real())})
    return m


def run_tfjs(name, x_nhwc, layers, work):
    inp = os.path.join(work, "input.f32")
    x_nhwc.astype("<f4").tofile(inp)
    out = os.path.join(work, "tfjs_" + name)
    subprocess.run(["node", os.path.join(HERE, "tfjs_reference.js"), name, inp,
                    ",".join(map(str, x_nhwc.shape)), ",".join(layers), out], check=True, cwd=MODELS_DIR)
    with open(os.path.join(out, "outputs.json")) as f:
        shapes = json.load(f)
    return {l: np.fromfile(os.path.join(out, l + ".f32"), "<f4").reshape(shapes[l]) for l in layers}


def to_nchw(a):
    return a.transpose(0, 3, 1, 2) if a.ndim == 4 else a


def cv_forward(path, blob, names):
    net = cv2.dnn.readNetFromONNX(path)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    net.setInput(blob)
    t0 = time.time()
    outs = net.forward(names)
    return dict(zip(names, outs)), time.time() - t0


def errors(ref, got):
    got = np.asarray(got).reshape(ref.shape)
    d = float(np.abs(ref - got).max())
    return d, d / max(float(np.abs(ref).max()), 1e-12)


def mutated(src, dst, kind):
    """A deliberately wrong copy of a converted graph: the check must notice these classic mistakes."""
    import onnx
    m = onnx.load(src)
    for node in m.graph.node:
        if kind == "eps" and node.op_type == "BatchNormalization":
            for a in node.attribute:
                if a.name == "epsilon":
                    a.f = 1e-5
        if kind == "pads" and node.op_type == "Conv":
            for a in node.attribute:
                if a.name == "pads" and list(a.ints) == [0, 0, 1, 1]:
                    a.ints[:] = [1, 1, 1, 1]   # symmetric instead of Keras' ZeroPadding2D((0,1),(0,1))
    if kind == "producer":
        m.producer_name = "pytorch"    # OpenCV 4.6 then counts the padding in AveragePool
    onnx.save(m, dst)
    return dst


def check_model(key, out_dir, work):
    spec = mdb.MODELS[key]
    ok = True
    stem = spec["stem"]
    man = read_manifest(os.path.join(out_dir, stem + ".yml"))
    onnx_path = os.path.join(out_dir, man["model"])
    if mdb.sha256_file(onnx_path) != man["sha256"]:
        print("FAIL %s: sha256 differs from the manifest" % onnx_path)
        return False
    assert man["channel_order"] == "RGB" and man["width"] == spec["size"] == man["height"], man
    taps = [t["name"] for t in man["taps"]]
    n_batch = 8
    images = make_images(spec["size"], n_batch)
    # Normalisation exactly as the manifest says: blob = (x * scale - mean) / std per channel (RGB order).
    x = ((images.astype(np.float32) * np.float32(man["scale"]) - np.float32(man["mean"]))
         / np.float32(man["std"])).astype(np.float32)
    blob = np.ascontiguousarray(x.transpose(0, 3, 1, 2))

    tf_layers = [spec["pooled"].get(t, t) for t in taps]
    tf_layers = ["average_pooling2d_1" if t == "out_relu" else t for t in tf_layers]
    if spec["head"]:
        tf_layers.append(spec["head"])
    t0 = time.time()
    n_ref = REF_IMAGES[key]
    ref = run_tfjs(spec["src"], x[:n_ref], tf_layers, work)
    print("%s: tfjs reference, batch %d: %.1f s" % (key, n_ref, time.time() - t0))
    ref_taps = {t: to_nchw(ref[l]) for t, l in zip(taps, tf_layers)}

    # 1. shipped graph, batch 8, every tap vs tfjs
    got8, dt8 = cv_forward(onnx_path, blob, taps)
    print("%s: OpenCV batch %d forward %.0f ms/image" % (key, n_batch, 1000 * dt8 / n_batch))
    for t in taps:
        shape = tuple(got8[t].shape)
        want = (n_batch,) + next(m["shape"] for m in man["taps"] if m["name"] == t)
        d, r = errors(ref_taps[t], got8[t][:n_ref])
        good = shape == want and r <= TAP_REL_TOL
        ok &= good
        print("  %-4s tap %-22s %-18s max abs %.2e  rel %.2e" % ("ok" if good else "FAIL", t, shape, d, r))

    # 2. batch 1 == batch 8 in OpenCV
    worst, dt1 = 0.0, 0.0
    for i in range(n_batch):
        got1, dt = cv_forward(onnx_path, blob[i:i + 1], taps)
        dt1 += dt
        for t in taps:
            worst = max(worst, errors(got1[t].reshape(got8[t][i:i + 1].shape), got8[t][i:i + 1])[1])
    good = worst <= BATCH_REL_TOL
    ok &= good
    print("  %-4s OpenCV batch 8 vs batch 1: max rel %.2e (batch 1 forward %.0f ms/image)"
          % ("ok" if good else "FAIL", worst, 1000 * dt1 / n_batch))

    # 3. with the package's head: probabilities vs tfjs
    if spec["head"]:
        head_path = os.path.join(out_dir, stem + "_with_head.onnx")
        goth, _ = cv_forward(head_path, blob[:n_ref], taps + [spec["head"]])
        d, _ = errors(ref[spec["head"]], goth[spec["head"]])
        good = d <= PROB_ABS_TOL
        ok &= good
        print("  %-4s probabilities (%s, 5 classes) max abs %.2e; tfjs argmax %s, OpenCV argmax %s"
              % ("ok" if good else "FAIL", spec["head"], d, ref[spec["head"]].argmax(1).tolist(),
                 goth[spec["head"]].reshape(n_ref, -1).argmax(1).tolist()))
        for t in taps:
            d, r = errors(ref_taps[t], goth[t])
            good = r <= TAP_REL_TOL
            ok &= good
            if not good:
                print("  FAIL with-head tap %s max abs %.2e rel %.2e" % (t, d, r))
        # 4. the check is sensitive: the two easy conversion mistakes must fail it loudly
        for kind, what in (("pads", "symmetric stride-2 padding"), ("eps", "BatchNorm epsilon 1e-5")):
            bad, _ = cv_forward(mutated(head_path, os.path.join(work, kind + ".onnx"), kind), blob[:n_ref],
                                [spec["head"]])
            d, _ = errors(ref[spec["head"]], bad[spec["head"]])
            good = d > 100 * PROB_ABS_TOL
            ok &= good
            print("  %-4s negative control (%s): probabilities off by %.2e" % ("ok" if good else "FAIL", what, d))
    else:
        bad, _ = cv_forward(mutated(onnx_path, os.path.join(work, "producer.onnx"), "producer"), blob[:n_ref],
                            taps)
        r = max(errors(ref_taps[t], bad[t])[1] for t in taps)
        good = r > 100 * TAP_REL_TOL
        ok &= good
        print("  %-4s negative control (producer 'pytorch': AveragePool counts padding): taps off by rel %.2e"
              % ("ok" if good else "FAIL", r))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", choices=["mobilenet_v2", "inception_v3", "all"], default="all")
    ap.add_argument("--out", help="model directory (default as make_default_backbone.py)")
    args = ap.parse_args()
    out_dir = os.path.abspath(args.out or mdb.default_out_dir())
    keys = list(mdb.MODELS) if args.model == "all" else [args.model]
    ok = True
    for key in keys:
        t0 = time.time()
        mdb.main(["--out", out_dir, "--model", key, "--with-head"])
        print("%s: conversion (or up-to-date check) %.1f s" % (key, time.time() - t0))
        with tempfile.TemporaryDirectory() as work:
            ok &= check_model(key, out_dir, work)
    print("check_default_backbone: %s" % ("PASSED" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
