#!/usr/bin/python3
# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the LICENSE file
# found in the top-level directory of this distribution.
"""Checks the torchvision exports (random weights, seeded): torch vs OpenCV dnn, every output, batch 8 and
batch 1; for ViT-B/16 also the rewritten module vs torchvision's own modules. Exits non-zero on failure.

  /usr/bin/python3 models/test/check_torchvision.py [--quick] [--out DIR]

Default cases: Wide-ResNet-50-2 -> layer3; ViT-B/16 -> block 9; -> block 12; -> block 12 + final LayerNorm.
--quick: Wide-ResNet and ViT block 9 only. Needs python3-torch, python3-torchvision, python3-onnx,
python3-opencv, and libopenblas0-pthread (torch on the reference BLAS takes ~10 s an image).
"""

import argparse
import os
import sys
import time

import cv2
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import export_torchvision as etv  # noqa: E402
from check_default_backbone import read_manifest  # noqa: E402

REL_TOL = 1e-4       # max |diff| / max |reference|
REWRITE_TOL = 1e-4   # rewritten ViT vs torchvision's modules, relative
N_BATCH = 8
N_SINGLE = 2         # images also run one at a time through OpenCV
SEED = 0


def rel_err(ref, got):
    ref = np.asarray(ref, np.float64)
    got = np.asarray(got, np.float64).reshape(ref.shape)
    d = float(np.abs(ref - got).max())
    return d, d / max(float(np.abs(ref).max()), 1e-12)


def check_case(out_dir, arch, block=12, final_norm=False):
    label = arch if arch != "vit_b_16" else "vit_b_16 block %d%s" % (block, " + final LN" if final_norm else "")
    ok = True
    t0 = time.time()
    onnx_path = etv.export(arch, "none", SEED, out_dir, False, block, final_norm)
    t_export = time.time() - t0
    man = read_manifest(os.path.splitext(onnx_path)[0] + ".yml")
    module, original, taps, _, size = etv.build(arch, "none", SEED, block, final_norm)
    names = [t[0] for t in taps]

    rng = np.random.default_rng(7)
    images = rng.integers(0, 256, (N_BATCH, size, size, 3), dtype=np.uint8)
    images[0] = np.linspace(0, 255, size, dtype=np.uint8)[None, :, None]      # a gradient, for variety
    x = ((images.astype(np.float32) * np.float32(man["scale"]) - np.float32(man["mean"]))
         / np.float32(man["std"])).astype(np.float32)
    blob = np.ascontiguousarray(x.transpose(0, 3, 1, 2))

    t0 = time.time()
    with torch.no_grad():
        ref = [o.numpy() for o in module(torch.from_numpy(blob))]
        t_torch = time.time() - t0
        if arch == "vit_b_16":
            orig = [o.numpy() for o in etv.vit_reference(original, torch.from_numpy(blob[:2]), block, final_norm)]
    print("%s: export (or up-to-date check) %.1f s; torch batch %d %.0f ms/image"
          % (label, t_export, N_BATCH, 1000 * t_torch / N_BATCH))
    if arch == "vit_b_16":
        for n, a, b in zip(names, orig, ref):
            d, r = rel_err(a, b[:2])
            good = r <= REWRITE_TOL
            ok &= good
            print("  %-4s rewrite vs torchvision modules %-7s max abs %.2e rel %.2e" % ("ok" if good else "FAIL",
                                                                                      n, d, r))

    net = cv2.dnn.readNetFromONNX(onnx_path)
    net.setInput(blob)
    t0 = time.time()
    got = net.forward(names)
    t_cv8 = time.time() - t0
    for n, a, b, t in zip(names, ref, got, taps):
        d, r = rel_err(a, b)
        want = (N_BATCH,) + tuple(t[2])
        # OpenCV 4.6 returns ViT's class token as (N, 1, 768), like torch here.
        good = r <= REL_TOL and tuple(b.shape) == want
        ok &= good
        print("  %-4s OpenCV batch %d %-7s %-18s max abs %.2e rel %.2e"
              % ("ok" if good else "FAIL", N_BATCH, n, tuple(b.shape), d, r))
    t_cv1 = 0.0
    for i in range(N_SINGLE):
        net.setInput(blob[i:i + 1])
        t0 = time.time()
        got1 = net.forward(names)
        t_cv1 += time.time() - t0
        for n, a, b in zip(names, ref, got1):
            d, r = rel_err(a[i:i + 1], b)
            good = r <= REL_TOL
            ok &= good
            if not good or i == 0:
                print("  %-4s OpenCV batch 1 %-7s (image %d) max abs %.2e rel %.2e"
                      % ("ok" if good else "FAIL", n, i, d, r))
    print("  OpenCV %.0f ms/image at batch %d, %.0f ms/image at batch 1"
          % (1000 * t_cv8 / N_BATCH, N_BATCH, 1000 * t_cv1 / N_SINGLE))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="Wide-ResNet and ViT block 9 only")
    ap.add_argument("--out", help="model directory (default as export_torchvision.py)")
    args = ap.parse_args()
    out_dir = os.path.abspath(args.out or etv.default_out_dir())
    os.makedirs(out_dir, exist_ok=True)
    cases = [("wide_resnet50_2", 12, False), ("vit_b_16", 9, False)]
    if not args.quick:
        cases += [("vit_b_16", 12, False), ("vit_b_16", 12, True)]
    ok = True
    t0 = time.time()
    for arch, block, final_norm in cases:
        ok &= check_case(out_dir, arch, block, final_norm)
    print("check_torchvision: %s (%.0f s)" % ("PASSED" if ok else "FAILED", time.time() - t0))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
