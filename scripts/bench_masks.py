#!/usr/bin/python3
# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
# LICENSE file found in the top-level directory of this distribution.
"""Defect masks at the pixel threshold (BENCHMARKS.md, "Defect masks"): per category and seed,
`unislad synth` writes 20 training, 10 validation (the calibration images), 20 good, 20 logical and 20
structural test images; `unislad fit` (default backbone) and `unislad detect --masks` on every test
folder; each predicted mask (anomaly map > the model's pixel threshold) against the ground truth.

Per defect type (test folder), pooled over its images: pixel precision, recall, F1 and IoU; "found":
the share of its images where a predicted region touches the ground truth; for the good images, the
share with any region and the mean share of their pixels flagged. One line per category, seed and
type, then the means per type over categories and seeds.

  /usr/bin/python3 scripts/bench_masks.py [--exe build/samples/unislad] [--work /tmp/unislad-masks]
      [--seeds 0 1] [--categories ...]        (UNISLAD_MODEL_DIR: where the backbones are)
Needs numpy and OpenCV's Python module (Debian: python3-numpy python3-opencv)."""
import argparse
import collections
import glob
import json
import os
import shutil
import subprocess
import sys

import cv2
import numpy as np

CATEGORIES = ["juice_bottle", "metal_nut", "screw_bag"]


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        sys.exit("failed (%d): %s\n%s" % (p.returncode, " ".join(cmd), p.stdout))
    return p.stdout


def truth(root, folder, stem, shape):
    """The ground truth of test image `stem` of `folder`, either layout (MVTec LOCO: a folder of masks per
    image; MVTec AD: <stem>_mask.png); all zero when there is none."""
    files = glob.glob(os.path.join(root, "ground_truth", folder, stem, "*.png"))
    files += glob.glob(os.path.join(root, "ground_truth", folder, stem + "_mask.png"))
    mask = np.zeros(shape, bool)
    for f in files:
        mask |= cv2.imread(f, cv2.IMREAD_GRAYSCALE) > 0
    return mask


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--exe", default="build/samples/unislad")
    ap.add_argument("--work", default="/tmp/unislad-masks")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--categories", nargs="+", default=CATEGORIES)
    a = ap.parse_args()
    totals = collections.defaultdict(list)
    print("category        seed  type                    images  precision  recall     F1    IoU  found  "
          "(good: with a region, pixels flagged)")
    for seed in a.seeds:
        data = os.path.join(a.work, "s%d" % seed)
        shutil.rmtree(data, ignore_errors=True)
        run([a.exe, "synth", "--out", data, "--categories", ",".join(a.categories), "--train", "20",
             "--validation", "10", "--test-good", "20", "--test-logical", "20", "--test-structural", "20",
             "--seed", str(seed), "-q"])
        for cat in a.categories:
            root = os.path.join(data, cat)
            model = os.path.join(root, "model.unislad")
            calib = os.path.join(root, "validation", "good")
            fit = [a.exe, "fit", "--train", os.path.join(root, "train", "good"), "--model", model, "-q"]
            run(fit + (["--calib", calib] if os.path.isdir(calib) else []))
            folders = sorted(d for d in os.listdir(os.path.join(root, "test")))
            for folder in folders:
                out = os.path.join(root, "out", folder)
                run([a.exe, "detect", "--model", model, "--input", os.path.join(root, "test", folder), "--out", out,
                     "--masks", "-q"])
                with open(os.path.join(out, "results.json"), encoding="utf-8") as f:
                    results = json.load(f)
                tp = fp = fn = 0
                found = with_region = 0
                flagged = []
                for image in results["images"]:
                    pred = cv2.imread(os.path.join(out, image["mask"]), cv2.IMREAD_GRAYSCALE) > 0
                    stem = os.path.splitext(os.path.basename(image["path"]))[0]
                    gt = truth(root, folder, stem, pred.shape)
                    tp += int((pred & gt).sum())
                    fp += int((pred & ~gt).sum())
                    fn += int((~pred & gt).sum())
                    found += bool((pred & gt).any())
                    with_region += bool(image["regions"])
                    flagged.append(pred.mean())
                n = len(results["images"])
                if folder == "good":
                    row = (100.0 * with_region / n, 100.0 * np.mean(flagged))
                    print("%-15s %4d  %-22s %7d  good: %5.1f %% with a region, %.3f %% of pixels flagged" %
                          (cat, seed, folder, n, row[0], row[1]))
                    totals["good"].append(row)
                    continue
                precision = tp / max(1, tp + fp)
                recall = tp / max(1, tp + fn)
                f1 = 2 * tp / max(1, 2 * tp + fp + fn)
                iou = tp / max(1, tp + fp + fn)
                kind = folder if folder in ("logical_anomalies", "structural_anomalies") else "structural: " + folder
                print("%-15s %4d  %-22s %7d  %9.3f  %6.3f  %6.3f %6.3f  %4.0f %%" %
                      (cat, seed, kind[:22], n, precision, recall, f1, iou, 100.0 * found / n))
                totals["logical" if folder == "logical_anomalies" else "structural"].append(
                    (precision, recall, f1, iou, 100.0 * found / n))
    print("\nmeans over categories and seeds:")
    for kind in ("structural", "logical"):
        if totals[kind]:
            m = np.mean(totals[kind], axis=0)
            print("  %-10s precision %.3f, recall %.3f, F1 %.3f, IoU %.3f, found in %.0f %% of the images" %
                  (kind, m[0], m[1], m[2], m[3], m[4]))
    if totals["good"]:
        m = np.mean(totals["good"], axis=0)
        print("  good       %.1f %% of the images with a region, %.3f %% of the pixels flagged" % (m[0], m[1]))


if __name__ == "__main__":
    main()
