#!/usr/bin/python3
# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
# LICENSE file found in the top-level directory of this distribution.
"""Candidate rules for the pixel threshold (BENCHMARKS.md, "Defect masks"), on the data sets that
scripts/bench_masks.py wrote (its --work folder): per category and seed, a detector fitted through the
Python module (Params.defaults(), the validation images as calibration images), the anomaly maps of
its calibration images, and each rule's threshold from them; every test image's mask at each threshold
against the ground truth (pooled pixel F1 of the anomalous images, share of good images with a flagged
pixel, share of anomalous images where the mask touches the ground truth). Categories without
validation images are skipped (their calibration images are a hold-out inside fit). The library's own rule (getPixelThreshold) is the first line; "best F1" is the threshold of the
best pooled F1 over all anomalous images, an oracle that needs the test's ground truth.

  PYTHONPATH=build/python UNISLAD_MODEL_DIR=/tmp/unislad-models /usr/bin/python3 scripts/bench_pixel_rules.py \\
      [--work /tmp/unislad-masks] [--seeds 0 1] [--categories ...]"""
import argparse
import glob
import os

import cv2
import numpy as np
import unislad

CATEGORIES = ["juice_bottle", "screw_bag"]


def images(folder):
    return [cv2.imread(f, cv2.IMREAD_UNCHANGED) for f in sorted(glob.glob(os.path.join(folder, "*.png")))]


def truth(root, folder, path, shape):
    stem = os.path.splitext(os.path.basename(path))[0]
    files = glob.glob(os.path.join(root, "ground_truth", folder, stem, "*.png"))
    files += glob.glob(os.path.join(root, "ground_truth", folder, stem + "_mask.png"))
    mask = np.zeros(shape, bool)
    for f in files:
        mask |= cv2.imread(f, cv2.IMREAD_GRAYSCALE) > 0
    return mask


def rule(peaks, q, margin):
    return float(np.quantile(peaks, q) + margin * np.std(peaks, ddof=1))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default="/tmp/unislad-masks")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--categories", nargs="+", default=CATEGORIES)
    a = ap.parse_args()
    names = ["library: q .99 of peaks + 0.5 std", "q .99 of peaks + 0.5 std (maps)", "max of peaks", "median of peaks",
             "q .9 of peaks", "q .999 of pixels", "q .9999 of pixels", "best F1 (oracle)"]
    sums = {n: [] for n in names}
    for seed in a.seeds:
        for cat in a.categories:
            root = os.path.join(a.work, "s%d" % seed, cat)
            if not glob.glob(os.path.join(root, "validation", "good", "*.png")):
                print("%-13s %d  no validation images (the calibration is a hold-out of the training images): skipped"
                      % (cat, seed))
                continue
            det = unislad.UniSLAD.create(unislad.Params.defaults())
            det.fit(images(os.path.join(root, "train", "good")), images(os.path.join(root, "validation", "good")))
            cal = [det.detect(img).anomalyMap for img in images(os.path.join(root, "validation", "good"))]
            peaks = np.array([m.max() for m in cal])
            pixels = np.concatenate([m.ravel() for m in cal])
            thresholds = {names[0]: det.getPixelThreshold(), names[1]: rule(peaks, 0.99, 0.5),
                          names[2]: float(peaks.max()), names[3]: float(np.median(peaks)),
                          names[4]: float(np.quantile(peaks, 0.9)), names[5]: float(np.quantile(pixels, 0.999)),
                          names[6]: float(np.quantile(pixels, 0.9999))}
            good, bad = [], []
            for folder in sorted(os.listdir(os.path.join(root, "test"))):
                paths = sorted(glob.glob(os.path.join(root, "test", folder, "*.png")))
                for p in paths:
                    m = det.detect(cv2.imread(p, cv2.IMREAD_UNCHANGED)).anomalyMap
                    (good if folder == "good" else bad).append((m, truth(root, folder, p, m.shape)))
            values = np.concatenate([m.ravel() for m, _ in bad])
            labels = np.concatenate([g.ravel() for _, g in bad])
            grid = np.quantile(values, np.linspace(0.5, 0.9999, 200))

            def f1(t):
                pred = values > t
                tp = int((pred & labels).sum())
                return 2 * tp / max(1, 2 * tp + int((pred & ~labels).sum()) + int((~pred & labels).sum()))
            thresholds[names[7]] = float(max(grid, key=f1))
            for n in names:
                t = thresholds[n]
                g = 100.0 * np.mean([(m > t).any() for m, _ in good])
                found = 100.0 * np.mean([((m > t) & gt).any() for m, gt in bad])
                sums[n].append((f1(t), g, found))
                print("%-13s %d  %-36s t %7.3f  F1 %.3f  good with a region %5.1f %%, defect found %5.1f %%" %
                      (cat, seed, n, t, f1(t), g, found))
    print("\nmeans over categories and seeds:")
    for n in names:
        m = np.mean(sums[n], axis=0)
        print("  %-36s F1 %.3f, good images with a region %5.1f %%, anomalous with the defect found %5.1f %%" %
              (n, m[0], m[1], m[2]))


if __name__ == "__main__":
    main()
