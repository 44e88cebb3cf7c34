#!/usr/bin/python3
# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
# LICENSE file found in the top-level directory of this distribution.
"""Choosing the threshold (BENCHMARKS.md, "Choosing the threshold"): per category and seed, `unislad synth
--seed S` writes the training, calibration and evaluation images (20 good, 20 logical and 20 structural
test images), and `unislad synth --seed S+1000` a second, independent labelled set of the same category
(its test images: 20 good, 5 logical, 5 structural: a few labelled anomalies, and enough good images
for fpr=0.05 to allow one). The model is fitted
on the first set's train/good with its validation/good; `unislad threshold --rule f1` and `--rule
fpr=0.05` choose a threshold on the second set; `unislad detect` then judges the first set's test
images (which no rule has seen) by the automatic threshold and by each chosen one (a rule that cannot
be met on the labelled set leaves the automatic one, and is listed). Prints one line per category, seed
and rule (good images flagged, logical and structural anomalies caught, the threshold), then the sums
per category and rule.

  /usr/bin/python3 scripts/bench_threshold.py [--exe build/samples/unislad] [--work /tmp/unislad-threshold]
      [--seeds 0 1 2] [--categories juice_bottle pin_grid ...]   (UNISLAD_MODEL_DIR: where the backbones are)"""
import argparse
import csv
import os
import shutil
import subprocess
import sys

RULES = ["automatic", "f1", "fpr=0.05"]


def run(cmd, may_fail=None):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        if may_fail and may_fail in p.stdout:
            return None
        sys.exit("failed (%d): %s\n%s" % (p.returncode, " ".join(cmd), p.stdout))
    return p.stdout


def gather(category_dir, kinds, dest):
    """Copies the test images of the given kinds into one folder (the labelled folder of a rule)."""
    os.makedirs(dest, exist_ok=True)
    for kind in kinds:
        folder = os.path.join(category_dir, "test", kind)
        for name in sorted(os.listdir(folder)):
            shutil.copy(os.path.join(folder, name), os.path.join(dest, kind + "_" + name))
    return dest


def verdicts(exe, model, folder, out):
    run([exe, "detect", "--model", model, "--input", folder, "--out", out, "--quiet"])
    with open(os.path.join(out, "scores.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    return sum(r["verdict"] == "anomaly" for r in rows), len(rows), float(rows[0]["threshold"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--exe", default="build/samples/unislad")
    ap.add_argument("--work", default="/tmp/unislad-threshold")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--categories", nargs="+", default=["juice_bottle", "pin_grid", "kit_tray"])
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    totals = {}
    print("category seed rule: good flagged, logical caught, structural caught (evaluation set); threshold")
    for category in a.categories:
        for seed in a.seeds:
            work = os.path.join(a.work, "%s_%d" % (category, seed))
            run([a.exe, "synth", "--out", os.path.join(work, "eval"), "--categories", category, "--seed", str(seed),
                 "--train", "60", "--validation", "20", "--test-good", "20", "--test-logical", "20",
                 "--test-structural", "20", "--quiet"])
            run([a.exe, "synth", "--out", os.path.join(work, "labelled"), "--categories", category, "--seed",
                 str(seed + 1000), "--train", "1", "--validation", "0", "--test-good", "20", "--test-logical", "5",
                 "--test-structural", "5", "--quiet"])
            data, labelled = os.path.join(work, "eval", category), os.path.join(work, "labelled", category)
            bad = gather(labelled, ["logical_anomalies", "structural_anomalies"], os.path.join(work, "labelled_bad"))
            model = os.path.join(work, "automatic.unislad")
            run([a.exe, "fit", "--train", os.path.join(data, "train", "good"), "--calib",
                 os.path.join(data, "validation", "good"), "--model", model, "--quiet"])
            for rule in RULES:
                m = model
                if rule != "automatic":
                    m = os.path.join(work, rule.replace("=", "_") + ".unislad")
                    shutil.copy(model, m)
                    # A rule that cannot be met on the labelled set leaves the model as it was: counted
                    # with the automatic threshold, and marked.
                    if run([a.exe, "threshold", "--model", m, "--good", os.path.join(labelled, "test", "good"),
                            "--bad", bad, "--rule", rule, "--quiet"], may_fail="cannot be met") is None:
                        unmet = totals.setdefault("unmet", [])
                        unmet.append("%s %d %s" % (category, seed, rule))
                row = []
                for kind in ["good", "logical_anomalies", "structural_anomalies"]:
                    flagged, n, threshold = verdicts(a.exe, m, os.path.join(data, "test", kind),
                                                     os.path.join(work, "det_%s_%s" % (rule, kind)))
                    row.append((flagged, n))
                t = totals.setdefault((category, rule), [[0, 0], [0, 0], [0, 0]])
                for i, (f, n) in enumerate(row):
                    t[i][0] += f
                    t[i][1] += n
                print("%s %d %s: %d/%d good flagged, %d/%d logical, %d/%d structural; threshold %.4g"
                      % (category, seed, rule, row[0][0], row[0][1], row[1][0], row[1][1], row[2][0], row[2][1],
                         threshold), flush=True)
    print("\nsums over the seeds:")
    unmet = totals.pop("unmet", [])
    for (category, rule), t in totals.items():
        print("%s %s: %d/%d good flagged, %d/%d logical caught, %d/%d structural caught"
              % (category, rule, t[0][0], t[0][1], t[1][0], t[1][1], t[2][0], t[2][1]))
    for u in unmet:
        print("%s: the rule cannot be met on the labelled set (the automatic threshold stays)" % u)


if __name__ == "__main__":
    main()
