#!/usr/bin/env python3
# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
# LICENSE file found in the top-level directory of this distribution.
"""Helpers of check_cli_threshold.cmake: a brute-force choice of the decision threshold from detect's
scores.csv, written independently of the library's sweep, and checks of detect's verdicts.

  threshold_reference.py verdicts CSV THRESHOLD     every row: verdict is "anomaly" exactly when its
                                                    score > THRESHOLD (and its normalized_score > 1),
                                                    and its threshold column is it
  threshold_reference.py choice RULE GOOD_CSV BAD_CSV RESULTS_JSON
                                                    the threshold of RESULTS_JSON (detect with the model
                                                    `unislad threshold --rule RULE` wrote) equals the
                                                    brute-force choice from the scores of GOOD_CSV and
                                                    BAD_CSV, and its threshold_rule says RULE
Exits with 1 and a message on stderr when a check fails."""
import csv
import json
import struct
import sys


def fail(message):
    sys.stderr.write("threshold_reference.py: " + message + "\n")
    sys.exit(1)


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def scores(path):
    with open(path, newline="") as f:
        return [f32(float(row["score"])) for row in csv.DictReader(f)]


def verdicts(path, threshold):
    t = f32(float(threshold))
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        fail(path + ": no rows")
    for row in rows:
        s = f32(float(row["score"]))
        expected = "anomaly" if s > t else "good"
        if row["verdict"] != expected or f32(float(row["threshold"])) != t:
            fail("%s: %s: score %r, threshold column %s, verdict %s; expected %s at threshold %r"
                 % (path, row["path"], s, row["threshold"], row["verdict"], expected, t))
        # The normalised score: above 1 exactly for the anomalous images (but at float rounding distance).
        n = float(row["normalized_score"])
        if (n > 1) != (s > t) and abs(n - 1) > 1e-5:
            fail("%s: %s: normalized_score %r but score %r against threshold %r" % (path, row["path"], n, s, t))
    print("%s: %d verdicts follow threshold %r" % (path, len(rows), t))


def brute_force(rule, good, bad):
    """The outcome (flagged good, caught anomalous) the rule chooses, over every threshold that changes
    one: each score (flagging the scores above it) and one below them all, tried from the highest down."""
    everything = sorted(set(good + bad), reverse=True)
    cuts = everything + [None]   # None: below every score, flags all
    def outcome(cut):
        above = (lambda s: True) if cut is None else (lambda s: s > cut)
        return sum(map(above, good)), sum(map(above, bad))
    outcomes = [(cut, outcome(cut)) for cut in cuts]
    if rule == "f1":
        best = None
        for cut, (fp, tp) in outcomes:   # highest first: a tie keeps the higher threshold
            f1 = 2.0 * tp / (tp + fp + len(bad))
            if best is None or f1 > best[0] + 1e-12:
                best = (f1, cut, fp, tp)
        return best[1], best[2], best[3]
    share = float(rule.split("=", 1)[1])
    allowed = [(cut, fp, tp) for cut, (fp, tp) in outcomes if fp <= share * len(good) + 1e-9]
    return allowed[-1]   # the lowest threshold allowed


def choice(rule, good_csv, bad_csv, results_json):
    good, bad = scores(good_csv), scores(bad_csv)
    cut, fp, tp = brute_force(rule, good, bad)
    everything = sorted(set(good + bad))
    # The threshold halfway between the highest score left below and the lowest flagged one.
    flagged = [s for s in everything if cut is None or s > cut]
    kept = [s for s in everything if not (cut is None or s > cut)]
    if kept and flagged:
        lo, hi = kept[-1], flagged[0]
        expected = f32((lo + hi) / 2)
        if not expected < hi:
            expected = lo
    elif not kept:   # everything flagged: below the lowest by half the lowest gap
        gap = everything[1] - everything[0] if len(everything) > 1 else 2.0
        expected = f32(everything[0] - gap / 2)
    else:
        expected = everything[-1]
    with open(results_json) as f:
        results = json.load(f)
    got = f32(results["threshold"])
    if got != expected:
        fail("%s: threshold %r; brute force (%s: %d of %d good flagged, %d of %d anomalous caught) gives %r"
             % (results_json, got, rule, fp, len(good), tp, len(bad), expected))
    name = results["threshold_rule"]["name"]
    want = "f1" if rule == "f1" else "fpr=%g" % float(rule.split("=", 1)[1])
    if name != want:
        fail("%s: threshold_rule name %r, expected %r" % (results_json, name, want))
    print("%s: threshold %r = brute force (%s: %d of %d good flagged, %d of %d anomalous caught)"
          % (results_json, got, rule, fp, len(good), tp, len(bad)))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "verdicts":
        verdicts(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 6 and sys.argv[1] == "choice":
        choice(*sys.argv[2:])
    else:
        fail(__doc__)
