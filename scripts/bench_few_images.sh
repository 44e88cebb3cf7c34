#!/usr/bin/env bash
# I-AUROC of the default preset against the number of good training images (BENCHMARKS.md, "Few
# training images"): for each seed and count, `unislad synth` writes every category with that many
# training images and no validation folder (so fit cross-calibrates on the training images, as a new
# user's first folder would), and `unislad eval` scores its test images. Prints one line per
# category, count and seed, then the mean over categories and seeds per count with the spread of the
# per-seed means.
#   scripts/bench_few_images.sh [BUILD_DIR] [WORK_DIR]   (env: COUNTS="5 10 20 60" SEEDS="0 1 2")
set -euo pipefail
build=${1:-build}
work=${2:-/tmp/unislad-few-images}
exe="$build/samples/unislad"
counts=${COUNTS:-5 10 20 60}
seeds=${SEEDS:-0 1 2}
mkdir -p "$work"
results="$work/results.txt"
: > "$results"
for seed in $seeds; do
  for n in $counts; do
    data="$work/s$seed-n$n"
    rm -rf "$data"
    "$exe" synth --out "$data" --train "$n" --validation 0 --seed "$seed" --quiet
    "$exe" eval --data "$data" --categories all --no-pixel --quiet --seed "$seed" 2>&1 |
      awk -v n="$n" -v s="$seed" '/: I-AUROC / { split($3, a, "/"); c=$1; sub(":", "", c);
                                                  print n, s, c, a[1], a[2], a[3] }' | tee -a "$results"
  done
done
echo
echo "count  logical  structural  mean   (mean over categories and seeds; ± spread of the per-seed means)"
awk '{ key=$1" "$2; if ($4 != "-") { L[key]+=$4; nL[key]++ } S[key]+=$5; nS[key]++; M[key]+=$6; nM[key]++ }
     END { for (k in M) { split(k, p, " "); n=p[1];
             l=L[k]/nL[k]; s=S[k]/nS[k]; m=M[k]/nM[k];
             sl[n]+=l; ss[n]+=s; sm[n]+=m; c[n]++; ql[n]+=l*l; qs[n]+=s*s; qm[n]+=m*m }
           for (n in c) { ml=sl[n]/c[n]; ms=ss[n]/c[n]; mm=sm[n]/c[n];
             printf "%5d  %5.1f ± %.1f  %5.1f ± %.1f  %5.1f ± %.1f\n", n, ml, sqrt(ql[n]/c[n]-ml*ml), ms,
                    sqrt(qs[n]/c[n]-ms*ms), mm, sqrt(qm[n]/c[n]-mm*mm) } }' "$results" | sort -n
