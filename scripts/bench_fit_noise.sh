#!/usr/bin/env bash
# How far two full fits on the same images differ (BENCHMARKS.md, "Adding images to a model"): the
# yardstick for the per-run differences of scripts/bench_update.sh. For each seed, `unislad synth` writes
# every category exactly as bench_update.sh does (N training images, no validation folder); per category
# one model is fitted on all N with `--seed SEED` (bench_update.sh's full fit) and another with
# `--seed SEED+OFFSET` (another hold-out split and coreset projection, the same images), and
# `unislad eval --model` scores both. Prints one line per category and seed, then the mean absolute and
# the largest difference.
#   scripts/bench_fit_noise.sh [BUILD_DIR] [WORK_DIR]   (env: N=40 SEEDS="0 1 2" CATEGORIES=all OFFSET=1000)
set -euo pipefail
build=${1:-build}
work=${2:-/tmp/unislad-fit-noise}
exe="$build/samples/unislad"
n=${N:-40}
seeds=${SEEDS:-0 1 2}
categories=${CATEGORIES:-all}
offset=${OFFSET:-1000}
mkdir -p "$work"
results="$work/results.txt"
: > "$results"
mean_auroc() { "$exe" eval --data "$1" --model "$2" --no-pixel --quiet 2>&1 |
               awk '/I-AUROC/ { for (i = 1; i <= NF; ++i) if ($i == "I-AUROC") { split($(i+1), a, "/"); print a[3] } }'; }
for seed in $seeds; do
  data="$work/s$seed"
  rm -rf "$data"
  "$exe" synth --out "$data" --categories "$categories" --train "$n" --validation 0 --seed "$seed" --quiet
  for cat_dir in "$data"/*/; do
    cat=$(basename "$cat_dir")
    "$exe" fit --train "$cat_dir/train/good" --model "$work/a.unislad" --seed "$seed" --quiet > /dev/null
    "$exe" fit --train "$cat_dir/train/good" --model "$work/b.unislad" --seed "$((seed + offset))" --quiet > /dev/null
    printf "%s %s %s %s\n" "$cat" "$seed" "$(mean_auroc "$cat_dir" "$work/a.unislad")" \
      "$(mean_auroc "$cat_dir" "$work/b.unislad")" | tee -a "$results"
  done
done
echo
echo "category seed I-AUROC(seed) I-AUROC(seed+$offset)"
awk '{ a+=$3; b+=$4; d=$4-$3; if (d<0) d=-d; s+=d; if (d>m) m=d; c++ }
     END { printf "mean over %d: %.1f (seed) and %.1f (seed+offset); mean absolute difference %.1f, largest %.1f\n",
                  c, a/c, b/c, s/c, m }' "$results"
