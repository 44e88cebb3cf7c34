#!/usr/bin/env python3
# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
# LICENSE file found in the top-level directory of this distribution.
"""`unislad fit --roi` on the default backbone: a synthetic set whose surroundings change outside the
region of interest at test time (objects beside the part, a brighter table). Without the mask, the
good parts in new surroundings are false alarms; with it, none is, the structural anomalies on the
part are still found, and the anomaly maps are 0 outside the region.

Usage: check_cli_roi.py --exe build/samples/unislad --work DIR   (UNISLAD_MODEL_DIR set)
Prints "roi check: OK" and exits 0 when every check holds."""
import argparse
import json
import os
import shutil
import subprocess
import sys

import cv2
import numpy as np


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        sys.exit("failed (%d): %s\n%s" % (p.returncode, " ".join(cmd), p.stdout))
    return p.stdout


def new_surroundings(image, rng):
    """The same part on a changed table: a brighter, warmer background and objects beside the part."""
    out = image.astype(np.int16)
    h, w = out.shape[:2]
    side = np.zeros((h, w), np.uint8)
    side[:, : w * 22 // 100] = 1
    side[:, w * 78 // 100:] = 1
    out[side > 0] += np.array([10, 25, 45], np.int16)
    out = np.clip(out, 0, 255).astype(np.uint8)
    for _ in range(3):   # a cable, a screw, a label lying beside the part
        x = int(rng.integers(0, w * 18 // 100)) if rng.random() < 0.5 else int(rng.integers(w * 82 // 100, w))
        y = int(rng.integers(10, h - 10))
        colour = tuple(int(c) for c in rng.integers(150, 256, 3))
        cv2.circle(out, (x, y), int(rng.integers(5, 12)), colour, -1)
    cv2.line(out, (int(w * 0.05), 0), (int(w * 0.12), h), (230, 230, 230), 4)
    return out


def flagged(results):
    return sum(1 for r in results if r["is_anomaly"])


def auroc(good, bad):
    """P(score of an anomaly > score of a good image), ties counting 1/2."""
    g = np.array([r["score"] for r in good])[:, None]
    b = np.array([r["score"] for r in bad])[None, :]
    return float(np.mean((b > g) + 0.5 * (b == g)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exe", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    data = os.path.join(a.work, "data")
    run([a.exe, "synth", "--out", data, "--categories", "juice_bottle", "--train", "20", "--validation", "0",
         "--test-good", "15", "--test-logical", "0", "--test-structural", "15", "--seed", "4", "-q"])
    cat = os.path.join(data, "juice_bottle")
    train = os.path.join(cat, "train", "good")
    size = cv2.imread(os.path.join(train, "000.png")).shape[:2]

    # The region: the middle of the image, where the part stands, white on black.
    roi = np.zeros(size, np.uint8)
    roi[:, size[1] * 25 // 100: size[1] * 75 // 100] = 255
    roi_path = os.path.join(a.work, "roi.png")
    cv2.imwrite(roi_path, roi)

    rng = np.random.default_rng(7)
    moved = os.path.join(a.work, "moved")
    os.makedirs(moved)
    good = os.path.join(cat, "test", "good")
    for name in sorted(os.listdir(good)):
        cv2.imwrite(os.path.join(moved, name), new_surroundings(cv2.imread(os.path.join(good, name)), rng))
    structural = os.path.join(cat, "test", "structural_anomalies")

    def fit_and_detect(label, extra):
        model = os.path.join(a.work, label + ".unislad")
        out = run([a.exe, "fit", "--train", train, "--model", model, "-q"] + extra)
        res = {}
        for name, folder in (("good", good), ("moved", moved), ("structural", structural)):
            o = os.path.join(a.work, label + "_" + name)
            run([a.exe, "detect", "--model", model, "--input", folder, "--out", o, "--heatmaps", "-q"])
            with open(os.path.join(o, "results.json")) as f:
                res[name] = json.load(f)["images"]
        return out, res, o

    _, without, _ = fit_and_detect("whole", [])
    fit_out, masked, heatmap_dir = fit_and_detect("roi", ["--roi", roi_path])
    fw, fm = flagged(without["moved"]), flagged(masked["moved"])
    sw, sm = flagged(without["structural"]), flagged(masked["structural"])
    n = len(without["moved"])
    print("good parts in new surroundings flagged: %d of %d without the region, %d with it" % (fw, n, fm))
    print("structural anomalies flagged: %d of %d without, %d with" % (sw, len(without["structural"]), sm))
    base = auroc(without["good"], without["structural"])
    kept = auroc(masked["moved"], masked["structural"])
    print("I-AUROC, structural against good: %.3f without the region (good parts as fitted), %.3f with it "
          "(good parts in new surroundings)" % (base, kept))
    ok = True
    if "region of interest" not in fit_out:
        print("fit does not report the region:", fit_out)
        ok = False
    if fw < n * 2 // 3:
        print("expected most good parts in new surroundings to be false alarms without the region")
        ok = False
    if fm > 1:
        print("expected at most 1 false alarm with the region")
        ok = False
    if kept < base - 0.1:
        print("expected the region to keep the anomalies on the part apart from the good parts")
        ok = False
    # --append keeps the region: adding the moved good images changes nothing outside it.
    err = subprocess.run([a.exe, "fit", "--append", moved, "--model", os.path.join(a.work, "roi.unislad"),
                          "--roi", roi_path, "-q"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if err.returncode != 2 or "--roi" not in err.stdout:
        print("fit --append --roi should be a usage error naming --roi:", err.returncode, err.stdout)
        ok = False
    # A mask of another shape than the images is refused, naming the image.
    wrong = os.path.join(a.work, "wrong.png")
    cv2.imwrite(wrong, np.full((size[0], size[1] * 2), 255, np.uint8))
    err = subprocess.run([a.exe, "fit", "--train", train, "--model", os.path.join(a.work, "wrong.unislad"),
                          "--roi", wrong, "-q"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if err.returncode == 0 or "aspect ratio" not in err.stdout:
        print("a mask of another shape should be refused:", err.returncode, err.stdout)
        ok = False
    print("roi check: OK" if ok else "roi check: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
