#!/usr/bin/python3
# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
# LICENSE file found in the top-level directory of this distribution.
"""Regions of interest (BENCHMARKS.md, "Regions of interest"): per category and seed, `unislad synth`
writes 20 training and 20 good, 20 logical and 20 structural test images; a mask is drawn around the
part (where the median training image differs from the background, grown by 12 px and filled: what a
user would draw), and the good test images are also copied into new surroundings (a brighter, warmer
table outside the mask, objects lying beside the part). A model without the mask and one fitted with
`fit --roi` are both run (`unislad detect`) on the good, moved, logical and structural images.
Prints one line per category and seed (false alarms on the moved good images at the automatic
threshold, I-AUROC of logical and structural anomalies against the good images, and against the moved
ones), then the means.

  /usr/bin/python3 scripts/bench_roi.py [--exe build/samples/unislad] [--work /tmp/unislad-roi]
      [--seeds 0 1 2] [--categories ...]        (UNISLAD_MODEL_DIR: where the backbones are)
Needs numpy and OpenCV's Python module (Debian: python3-numpy python3-opencv)."""
import argparse
import json
import os
import shutil
import subprocess
import sys

import cv2
import numpy as np

# Categories with a part on a background (woven_texture is texture everywhere: no region to draw).
CATEGORIES = ["cable_connectors", "juice_bottle", "kit_tray", "metal_nut", "pin_grid", "screw_bag"]


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        sys.exit("failed (%d): %s\n%s" % (p.returncode, " ".join(cmd), p.stdout))
    return p.stdout


def part_mask(train_dir):
    """Where the part is: where the median training image differs from its border's median colour (Otsu's
    threshold on that distance), grown by 15 px and filled (its convex hull): what a user would draw."""
    images = np.stack([cv2.imread(os.path.join(train_dir, f)).astype(np.float32) for f in sorted(os.listdir(train_dir))])
    median = cv2.GaussianBlur(np.median(images, axis=0), (0, 0), 2)
    h, w = median.shape[:2]
    border = np.concatenate([median[:8].reshape(-1, 3), median[-8:].reshape(-1, 3),
                             median[:, :8].reshape(-1, 3), median[:, -8:].reshape(-1, 3)])
    distance = np.linalg.norm(median - np.median(border, axis=0), axis=2)
    level = cv2.normalize(distance, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    _, part = cv2.threshold(level, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    part = cv2.morphologyEx(part, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    part = cv2.dilate(part, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (31, 31)))
    contours, _ = cv2.findContours(part, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    mask = np.zeros((h, w), np.uint8)
    cv2.drawContours(mask, [cv2.convexHull(np.vstack(contours))], -1, 255, -1)
    return mask


def new_surroundings(image, mask, rng):
    """The same part on a changed table: brighter and warmer outside the mask, with objects beside the part."""
    outside = cv2.erode((mask == 0).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    out = image.astype(np.int16)
    out[outside] += np.array([10, 25, 45], np.int16)
    out = np.clip(out, 0, 255).astype(np.uint8)
    ys, xs = np.nonzero(outside)
    for _ in range(4):   # a screw, a cable end, a label lying beside the part
        k = int(rng.integers(0, len(xs)))
        colour = tuple(int(c) for c in rng.integers(150, 256, 3))
        blob = np.zeros(mask.shape, np.uint8)
        cv2.circle(blob, (int(xs[k]), int(ys[k])), int(rng.integers(4, 10)), 255, -1)
        out[(blob > 0) & outside] = colour
    return out


def auroc(good, bad):
    g = np.array(good)[:, None]
    b = np.array(bad)[None, :]
    return float(np.mean((b > g) + 0.5 * (b == g)))


def scores(exe, model, folders, out):
    """Scores of the images of some folders, and how many the model flags."""
    images = []
    for i, folder in enumerate(folders):
        o = "%s_%d" % (out, i)
        run([exe, "detect", "--model", model, "--input", folder, "--out", o, "-q"])
        with open(os.path.join(o, "results.json")) as f:
            images += json.load(f)["images"]
    return [r["score"] for r in images], sum(1 for r in images if r["is_anomaly"])


def test_folders(root):
    """good, logical and structural test folders: MVTec LOCO AD's, or in the MVTec AD layout every
    defect type's folder counted as structural."""
    test = os.path.join(root, "test")
    kinds = {"logical": [], "structural": []}
    for name in sorted(os.listdir(test)):
        if name == "good":
            continue
        kinds["logical" if name == "logical_anomalies" else "structural"].append(os.path.join(test, name))
    return kinds


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--exe", default="build/samples/unislad")
    ap.add_argument("--work", default="/tmp/unislad-roi")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--categories", nargs="+", default=CATEGORIES)
    a = ap.parse_args()
    rows = []
    print("category          seed  false alarms moved (whole / roi)  logical good|moved (whole / roi)  "
          "structural good|moved (whole / roi)  roi share")
    for seed in a.seeds:
        data = os.path.join(a.work, "s%d" % seed)
        shutil.rmtree(data, ignore_errors=True)
        run([a.exe, "synth", "--out", data, "--categories", ",".join(a.categories), "--train", "20",
             "--validation", "0", "--test-good", "20", "--test-logical", "20", "--test-structural", "20",
             "--seed", str(seed), "-q"])
        for cat in a.categories:
            root = os.path.join(data, cat)
            work = os.path.join(root, "bench")
            os.makedirs(work)
            train = os.path.join(root, "train", "good")
            mask = part_mask(train)
            roi = os.path.join(work, "roi.png")
            cv2.imwrite(roi, mask)
            rng = np.random.default_rng(seed)
            good = os.path.join(root, "test", "good")
            moved = os.path.join(work, "moved")
            os.makedirs(moved)
            for name in sorted(os.listdir(good)):
                cv2.imwrite(os.path.join(moved, name), new_surroundings(cv2.imread(os.path.join(good, name)), mask, rng))
            row = {"category": cat, "seed": seed, "share": float(np.mean(mask > 0))}
            for label, extra in (("whole", []), ("roi", ["--roi", roi])):
                model = os.path.join(work, label + ".unislad")
                run([a.exe, "fit", "--train", train, "--model", model, "-q"] + extra)
                s = {}
                kinds = test_folders(root)
                for kind, folders in (("good", [good]), ("moved", [moved]), ("logical", kinds["logical"]),
                                      ("structural", kinds["structural"])):
                    if not folders:   # an MVTec AD style category: no logical anomalies
                        continue
                    s[kind], flagged = scores(a.exe, model, folders, os.path.join(work, label + "_" + kind))
                    if kind == "moved":
                        row[label + "_false"] = flagged
                for kind in ("logical", "structural"):
                    if kind in s:
                        row["%s_%s_good" % (label, kind)] = auroc(s["good"], s[kind])
                        row["%s_%s_moved" % (label, kind)] = auroc(s["moved"], s[kind])
            rows.append(row)
            def cell(kind):
                if "whole_%s_good" % kind not in row:   # no such anomalies in the category
                    return "%24s" % "-"
                return "%5.1f|%4.1f / %5.1f|%4.1f" % tuple(100 * row["%s_%s_%s" % (label, kind, against)]
                                                         for label in ("whole", "roi") for against in ("good", "moved"))
            print("%-17s %4d  %10d / %-2d of 20  %28s  %30s  %8.0f %%" % (
                cat, seed, row["whole_false"], row["roi_false"], cell("logical"), cell("structural"),
                100 * row["share"]), flush=True)
    mean = lambda k: float(np.mean([r[k] for r in rows if k in r]))
    print("mean over %d runs: false alarms on moved good images %.1f (whole) / %.1f (roi) of 20" %
          (len(rows), mean("whole_false"), mean("roi_false")))
    for kind in ("logical", "structural"):
        print("  %s I-AUROC against good: %.1f (whole) / %.1f (roi); against moved good: %.1f (whole) / %.1f (roi)" % (
            kind, 100 * mean("whole_%s_good" % kind), 100 * mean("roi_%s_good" % kind),
            100 * mean("whole_%s_moved" % kind), 100 * mean("roi_%s_moved" % kind)))
    with open(os.path.join(a.work, "results.json"), "w") as f:
        json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
