#!/usr/bin/env bash
# Adding images to a model against fitting on all of them (BENCHMARKS.md, "Adding images to a model"):
# for each seed, `unislad synth` writes every category with N training images and no validation
# folder; per category, one model is fitted on all N (`fit --train`), another on the first N/2 and
# then given the other N/2 (`fit --append`), and `unislad eval --model` scores both on the test
# images. Prints one line per category and seed (I-AUROC of both, seconds of each command), then the
# means.
#   scripts/bench_update.sh [BUILD_DIR] [WORK_DIR]   (env: N=40 SEEDS="0 1 2" CATEGORIES=all)
set -euo pipefail
build=${1:-build}
work=${2:-/tmp/unislad-update}
exe="$build/samples/unislad"
n=${N:-40}
seeds=${SEEDS:-0 1 2}
categories=${CATEGORIES:-all}
half=$((n / 2))
mkdir -p "$work"
results="$work/results.txt"
: > "$results"
seconds() { local t0=$(date +%s.%N); "$@" > /dev/null; echo "$(date +%s.%N) - $t0" | bc; }
mean_auroc() { "$exe" eval --data "$1" --model "$2" --no-pixel --quiet 2>&1 |
               awk '/I-AUROC/ { for (i = 1; i <= NF; ++i) if ($i == "I-AUROC") { split($(i+1), a, "/"); print a[3] } }'; }
for seed in $seeds; do
  data="$work/s$seed"
  rm -rf "$data"
  "$exe" synth --out "$data" --categories "$categories" --train "$n" --validation 0 --seed "$seed" --quiet
  for cat_dir in "$data"/*/; do
    cat=$(basename "$cat_dir")
    first="$work/first"; second="$work/second"
    rm -rf "$first" "$second"; mkdir -p "$first" "$second"
    i=0
    for f in $(ls "$cat_dir/train/good" | sort); do
      if [ $i -lt $half ]; then cp "$cat_dir/train/good/$f" "$first/"; else cp "$cat_dir/train/good/$f" "$second/"; fi
      i=$((i + 1))
    done
    t_full=$(seconds "$exe" fit --train "$cat_dir/train/good" --model "$work/full.unislad" --seed "$seed" --quiet)
    t_half=$(seconds "$exe" fit --train "$first" --model "$work/grown.unislad" --seed "$seed" --quiet)
    t_append=$(seconds "$exe" fit --append "$second" --model "$work/grown.unislad" --quiet)
    printf "%s %s %s %s %.1f %.1f %.1f\n" "$cat" "$seed" "$(mean_auroc "$cat_dir" "$work/full.unislad")" \
      "$(mean_auroc "$cat_dir" "$work/grown.unislad")" "$t_full" "$t_half" "$t_append" | tee -a "$results"
  done
done
echo
echo "category seed full_I-AUROC append_I-AUROC fit_all_s fit_half_s append_half_s"
awk '{ f+=$3; u+=$4; tf+=$5; th+=$6; ta+=$7; c++; d=$4-$3; if (d<0) d=-d; if (d>m) m=d }
     END { printf "mean over %d: full %.1f, fit half + append half %.1f (largest difference %.1f); " \
                  "seconds: fit all %.1f, fit half %.1f, append half %.1f\n", c, f/c, u/c, m, tf/c, th/c, ta/c }' "$results"
