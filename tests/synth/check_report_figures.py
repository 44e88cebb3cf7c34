#!/usr/bin/env python3
# The figures of `unislad eval --report` against their definitions, recomputed here from each category's
# metrics.json and the test folders: the average row of the index page (every column averaged over the
# categories that have it, the image count summed), and the figures marked "read with care" (an AUROC below
# 50 %, or an image AUROC from fewer than 10 images on a side), in metrics.json, on the pages and in eval's
# printed notes. A copy of a category with its good and logical test images swapped makes a below-chance
# AUROC certain: swapping the two classes turns an AUROC a into 1 - a.
#   check_report_figures.py EXE MANIFEST WORK
import csv
import json
import os
import re
import shutil
import subprocess
import sys

exe, manifest, work = sys.argv[1:4]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)


def run(*args):
    p = subprocess.run([exe, *args], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{' '.join(args)} exited with {p.returncode}:\n{p.stdout}{p.stderr}")
    return p.stdout


def fail(why):
    sys.exit("FAIL: " + why)


data = os.path.join(work, "data")
run("synth", "--out", data, "--categories", "juice_bottle,pin_grid", "--train", "8", "--validation", "3",
    "--test-good", "10", "--test-logical", "10", "--test-structural", "4", "--size", "64", "--quiet")
# The swapped copy: test/good <-> test/logical_anomalies; without masks (they belonged to the anomalies).
swapped = os.path.join(work, "swapped", "juice_bottle")
shutil.copytree(os.path.join(data, "juice_bottle"), swapped)
shutil.rmtree(os.path.join(swapped, "ground_truth"))
test = os.path.join(swapped, "test")
os.rename(os.path.join(test, "good"), os.path.join(test, "tmp"))
os.rename(os.path.join(test, "logical_anomalies"), os.path.join(test, "good"))
os.rename(os.path.join(test, "tmp"), os.path.join(test, "logical_anomalies"))

report = os.path.join(work, "report")
out_all = run("eval", "--data", data, "--categories", "all", "--manifest", manifest, "--report", report, "--quiet")
report_swapped = os.path.join(work, "report_swapped")
out_swapped = run("eval", "--data", swapped, "--manifest", manifest, "--no-pixel", "--report", report_swapped, "--quiet")

COLUMNS = [("image_auroc/logical", "I-AUROC logical"), ("image_auroc/structural", "I-AUROC structural"),
           ("image_auroc/mean", "I-AUROC mean"), ("image_auroc/all", "I-AUROC all"), ("pixel_auroc", "P-AUROC"),
           ("aupro_0.3", "AUPRO (0.3)"), ("f1_max", "F1-max")]
RANKS = {"image_auroc/logical", "image_auroc/structural", "image_auroc/mean", "image_auroc/all", "pixel_auroc"}


def value(metrics, key):
    v = metrics
    for part in key.split("/"):
        v = v[part]
    return v


def count(folder):
    return len([f for f in os.listdir(folder) if f.endswith(".png")])


def expected_caveats(metrics, category_dir):
    """The caveats' metric keys and the 'up to X points' of each count caveat, by the documented rule."""
    test_dir = os.path.join(category_dir, "test")
    good = count(os.path.join(test_dir, "good"))
    groups = {"image_auroc/logical": count(os.path.join(test_dir, "logical_anomalies")),
              "image_auroc/structural": count(os.path.join(test_dir, "structural_anomalies"))}
    expected = {}
    for key, _ in COLUMNS:
        v = value(metrics, key)
        if v is None:
            continue
        if key in RANKS and v < 0.5:
            expected[key] = "below"
        elif key in groups and 0 < min(good, groups[key]) < 10:
            expected[key] = "%.1f" % (100.0 / min(good, groups[key]))
    for defect, v in metrics["image_auroc_per_defect"].items():
        key = "image_auroc_per_defect/" + defect
        if v is None:
            continue
        if v < 0.5:
            expected[key] = "below"
        elif 0 < min(good, count(os.path.join(test_dir, defect))) < 10:
            expected[key] = "%.1f" % (100.0 / min(good, count(os.path.join(test_dir, defect))))
    return expected


def check_caveats(metrics, category_dir, html, printed, where):
    expected = expected_caveats(metrics, category_dir)
    got = {c["metric"]: c for c in metrics["caveats"]}
    if set(got) != set(expected):
        fail(f"{where}: metrics.json caveats {sorted(got)}, expected {sorted(expected)}")
    for key, what in expected.items():
        why = got[key]["why"]
        if what == "below" and "below 50 %" not in why:
            fail(f"{where}: {key}: '{why}' does not say below chance")
        if what != "below" and f"up to {what} points" not in why:
            fail(f"{where}: {key}: '{why}' does not say 'up to {what} points'")
        figure = (metrics["image_auroc_per_defect"][key.split("/", 1)[1]] if key.startswith("image_auroc_per_defect/")
                  else value(metrics, key))
        if abs(got[key]["value"] - figure) > 1e-6:
            fail(f"{where}: {key}: caveat value {got[key]['value']}, the figure is {figure}")
        if why not in printed:
            fail(f"{where}: eval did not print the note '{why}'")
    # Marked cells on the page: one per caveat (summary and per-defect tables), none elsewhere.
    marked = len(re.findall(r'<td class="caveat"', html))
    if marked != len(expected):
        fail(f"{where}: {marked} marked cells on the page, expected {len(expected)}")
    return expected


def row_cells(html, name):
    m = re.search(r"<tr[^>]*><td>" + re.escape(name) + r"</td>(.*?)</tr>", html)
    if not m:
        fail(f"no row '{name}' in the index page")
    return [re.sub(r"<[^>]+>", "", c).replace("!", "").strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", m.group(1))]


index = open(os.path.join(report, "index.html")).read()
metrics = {}
for cat in ("juice_bottle", "pin_grid"):
    metrics[cat] = json.load(open(os.path.join(report, cat, "metrics.json")))
    page = open(os.path.join(report, cat, "index.html")).read()
    check_caveats(metrics[cat], os.path.join(data, cat), page, out_all, cat)

# The average row: every column, each the mean over the categories that have it; the image count the total.
avg = row_cells(index, "average")
if len(avg) != len(COLUMNS) + 1:
    fail(f"the average row has {len(avg)} cells, expected {len(COLUMNS) + 1}: {avg}")
for (key, label), cell in zip(COLUMNS, avg):
    vals = [value(metrics[c], key) for c in metrics if value(metrics[c], key) is not None]
    want = "%.1f" % (100 * sum(vals) / len(vals)) if vals else "\u2013"
    if cell.replace("&ndash;", "\u2013") != want:
        fail(f"average {label}: '{cell}', expected {want}")
total = sum(count(os.path.join(data, c, "test", g)) for c in metrics
            for g in ("good", "logical_anomalies", "structural_anomalies"))
if avg[-1] != str(total):
    fail(f"average test images '{avg[-1]}', expected {total}")

# The swapped copy: the logical AUROC turns into one minus the original's, so one of the two is below chance.
swapped_metrics = json.load(open(os.path.join(report_swapped, "juice_bottle", "metrics.json")))
a = metrics["juice_bottle"]["image_auroc"]["logical"]
b = swapped_metrics["image_auroc"]["logical"]
if abs(a + b - 1) > 1e-6:
    fail(f"logical AUROC {a} and, swapped, {b}: expected them to add up to 1")
if a == 0.5:
    fail("logical AUROC exactly 0.5: the swap cannot make a below-chance case")
page = open(os.path.join(report_swapped, "juice_bottle", "index.html")).read()
expected = check_caveats(swapped_metrics, swapped, page, out_swapped, "swapped juice_bottle")
below = [k for k, v in list(expected_caveats(metrics["juice_bottle"], os.path.join(data, "juice_bottle")).items())
         + list(expected.items()) if v == "below" and k == "image_auroc/logical"]
if len(below) != 1:
    fail(f"expected the logical AUROC below chance in exactly one of the two runs, found {len(below)}")


def mann_whitney(neg, pos):
    """AUROC by counting pairs (ties count one half), independent of the library's metrics."""
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


# Per component: every I-AUROC of component_image_auroc recomputed from its scores.csv column; the
# fused score's equals the headline figures; the page has the table.
for cat in metrics:
    comps = metrics[cat]["component_image_auroc"]
    if "score" not in comps or len(comps) < 3:
        fail(f"{cat}: component_image_auroc has {sorted(comps)}")
    for k in ("logical", "structural", "mean"):
        if abs(comps["score"][k] - metrics[cat]["image_auroc"][k]) > 1e-9:
            fail(f"{cat}: component 'score' {k} {comps['score'][k]}, image_auroc {metrics[cat]['image_auroc'][k]}")
    rows = list(csv.DictReader(open(os.path.join(report, cat, "scores.csv"))))
    good = [r for r in rows if r["kind"] == "good"]
    for name, c in comps.items():
        for kind in ("logical", "structural"):
            pos = [float(r[name]) for r in rows if r["kind"] == kind]
            want = mann_whitney([float(r[name]) for r in good], pos)
            if abs(c[kind] - want) > 1e-4:
                fail(f"{cat}: component {name} {kind}: {c[kind]}, scores.csv gives {want}")
        for defect, v in c["per_defect"].items():
            want = mann_whitney([float(r[name]) for r in good], [float(r[name]) for r in rows if r["defect"] == defect])
            if abs(v - want) > 1e-4:
                fail(f"{cat}: component {name} {defect}: {v}, scores.csv gives {want}")
    if "<h2>Per component</h2>" not in open(os.path.join(report, cat, "index.html")).read():
        fail(f"{cat}: no per-component table on the page")

print(f"ok: logical AUROC {a:.3f} / swapped {b:.3f}; caveats juice_bottle "
      f"{[c['metric'] for c in metrics['juice_bottle']['caveats']]}, pin_grid {[c['metric'] for c in metrics['pin_grid']['caveats']]},"
      f" swapped {[c['metric'] for c in swapped_metrics['caveats']]}; average row {avg}")
