#!/usr/bin/python3
# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
# LICENSE file found in the top-level directory of this distribution.
"""LOCO-style accuracy over several seeds, per score component, and rules for combining the two
calibrated level scores (BENCHMARKS.md, "LOCO-style accuracy over three seeds"). Per seed S,
`unislad synth --seed S` writes the five MVTec LOCO AD style categories (100 training, 20 validation,
40 good, 40 logical and 40 structural test images, 256 px) and `unislad eval --seed S --report` scores
them; this script then reads every category's scores.csv and prints, as means over the seeds, the
I-AUROC (logical / structural per category, their means, the weakest category) of

  * the fused score as the detector computes it (Eq. 21 on the calibrated levels, w = 0.6),
  * other rules over the same two calibrated level scores (patch_score, image_score of scores.csv): their
    maximum, log-sum-exp, log-sum-exp with the weights, the mean of the weighted sum and the maximum,
  * each level alone and each raw component (AUROC does not change under the calibration's affine maps).

  /usr/bin/python3 scripts/bench_level_rules.py [--exe build/samples/unislad] [--work /tmp/unislad-levels]
      [--seeds 0 1 2] [--skip-eval] [--eval-args '...']   (UNISLAD_MODEL_DIR: where the backbones are)"""
import argparse
import csv
import glob
import math
import os
import subprocess

import numpy as np

CATEGORIES = "cable_connectors,juice_bottle,kit_tray,pin_grid,screw_bag"
W = 0.6
RULES = {
    "weighted sum (the detector's)": lambda p, i: W * p + (1 - W) * i,
    "maximum": lambda p, i: max(p, i),
    "log-sum-exp": lambda p, i: float(np.logaddexp(p, i)),
    "log-sum-exp, weighted": lambda p, i: float(np.logaddexp(math.log(W) + p, math.log(1 - W) + i)),
    "(weighted sum + maximum) / 2": lambda p, i: 0.5 * (W * p + (1 - W) * i) + 0.5 * max(p, i),
    "patch level alone": lambda p, i: p,
    "image level alone": lambda p, i: i,
}
COMPONENTS = ["patch_local", "patch_global", "image_local", "image_global", "image_class"]


def auroc(neg, pos):
    """Mann-Whitney U / (n m), ties one half."""
    neg, pos = np.asarray(neg), np.asarray(pos)
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return 100.0 * wins / (len(pos) * len(neg))


def run(cmd):
    subprocess.run(cmd, check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exe", default="build/samples/unislad")
    ap.add_argument("--work", default="/tmp/unislad-levels")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--skip-eval", action="store_true", help="reuse the reports already in --work")
    ap.add_argument("--eval-args", default="", help="more options for eval, one string (e.g. a second backbone: "
                    "'--global-manifest M --class-tap mixed5')")
    a = ap.parse_args()
    if not a.skip_eval:
        for s in a.seeds:
            data, report = os.path.join(a.work, "data%d" % s), os.path.join(a.work, "report%d" % s)
            run([a.exe, "synth", "--quiet", "--out", data, "--categories", CATEGORIES, "--train", "100",
                 "--validation", "20", "--test-good", "40", "--test-logical", "40", "--test-structural", "40",
                 "--seed", str(s)] + a.eval_args.split())
            run([a.exe, "eval", "--data", data, "--categories", "all", "--report", report, "--no-pixel", "--quiet",
                 "--seed", str(s)] + a.eval_args.split())
    res = {}   # name -> (category, kind) -> [AUROC per seed]
    for s in a.seeds:
        for f in sorted(glob.glob(os.path.join(a.work, "report%d" % s, "*", "scores.csv"))):
            cat = f.split(os.sep)[-2]
            rows = list(csv.DictReader(open(f)))
            scorers = [(n, lambda r, rule=rule: rule(float(r["patch_score"]), float(r["image_score"])))
                       for n, rule in RULES.items()]
            scorers += [(c, lambda r, c=c: float(r[c])) for c in COMPONENTS]
            for name, score in scorers:
                good = [score(r) for r in rows if r["kind"] == "good"]
                for kind in ("logical", "structural"):
                    pos = [score(r) for r in rows if r["kind"] == kind]
                    res.setdefault(name, {}).setdefault((cat, kind), []).append(auroc(good, pos))
    cats = sorted({c for c, _ in next(iter(res.values()))})
    print("I-AUROC (%%), means over seeds %s: logical/structural per category; then logical, structural, mean, "
          "weakest category" % a.seeds)
    print("| score | " + " | ".join(cats) + " | logical | structural | mean | weakest |")
    print("|---" * (len(cats) + 5) + "|")
    for name in res:
        cells, lo, st, per = [], [], [], []
        for c in cats:
            l, s_ = np.mean(res[name][(c, "logical")]), np.mean(res[name][(c, "structural")])
            cells.append("%.1f / %.1f" % (l, s_))
            lo.append(l)
            st.append(s_)
            per.append((l + s_) / 2)
        print("| %s | %s | %.1f | %.1f | %.1f | %.1f |" % (name, " | ".join(cells), np.mean(lo), np.mean(st),
                                                           (np.mean(lo) + np.mean(st)) / 2, min(per)))
    seed_means = [np.mean([np.mean([res[next(iter(RULES))][(c, k)][i] for k in ("logical", "structural")])
                           for c in cats]) for i in range(len(a.seeds))]
    print("the detector's mean per seed: " + ", ".join("%.1f" % m for m in seed_means))


if __name__ == "__main__":
    main()
