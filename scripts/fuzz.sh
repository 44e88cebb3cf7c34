#!/usr/bin/env bash
# Builds the libFuzzer targets with Clang (ASan + UBSan) in their own build folder and runs each one
# for a bounded time on its seed corpus and the committed regression inputs (fuzz/regressions/).
#
#   scripts/fuzz.sh                     60 s per target, build folder build-fuzz/
#   FUZZ_SECONDS=600 scripts/fuzz.sh    the long run (RELIABILITY.md)
#   FUZZ_BUILD_DIR=... FUZZ_JOBS=2 CXX=clang++-15 scripts/fuzz.sh
#   FUZZ_SEED=1 scripts/fuzz.sh         a fixed mutation seed (what .ci/run uses: a failure reproduces)
#
# The corpus grows in $FUZZ_BUILD_DIR/fuzz/corpus/<target> from run to run. A crash stops the target
# and leaves its input in $FUZZ_BUILD_DIR/fuzz/artifacts/; the script then exits non-zero. Keep such an
# input in fuzz/regressions/<target>/ once fixed: every later run replays it, and so does the unit test
# UniSLAD_FuzzRegressions in the ordinary build.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-$(nproc)}
CXX=${CXX_FUZZ:-$(command -v clang++-14 || command -v clang++ || true)}
if [[ -z "$CXX" ]]; then
  echo "fuzz.sh: clang++ not found (Debian: apt-get install clang-14 libclang-rt-14-dev)" >&2
  exit 1
fi

start=$(date +%s)
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B "$BUILD" "${generator[@]}" -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_BUILD_TYPE=Release \
      -DUNISLAD_BUILD_FUZZERS=ON -DUNISLAD_BUILD_TESTS=OFF -DUNISLAD_BUILD_BENCHMARKS=OFF \
      -DUNISLAD_BUILD_SAMPLES=OFF -DUNISLAD_BUILD_PLUGIN=OFF -DUNISLAD_NATIVE_ARCH=OFF >/dev/null
cmake --build "$BUILD" --parallel "$JOBS" --target fuzz_model_file fuzz_manifest fuzz_cli fuzz_make_seeds
built=$(date +%s)

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
"$BUILD/fuzz/fuzz_make_seeds" "$BUILD/fuzz/seeds" modules/unislad/test/data/tiny_backbone.yml
seed_arg=()
[[ -n "${FUZZ_SEED:-}" ]] && seed_arg=(-seed="$FUZZ_SEED")
status=0
for target in model_file manifest cli; do
  corpus="$BUILD/fuzz/corpus/$target"
  mkdir -p "$corpus" "$BUILD/fuzz/artifacts"
  log="$BUILD/fuzz/$target.log"
  kept=()
  [[ -d "$ROOT/fuzz/regressions/$target" ]] && kept=("$ROOT/fuzz/regressions/$target")
  echo "fuzz.sh: fuzz_$target for ${SECONDS_PER_TARGET} s"
  if ! "$BUILD/fuzz/fuzz_$target" -max_total_time="$SECONDS_PER_TARGET" -timeout=20 -rss_limit_mb=2560 \
        -max_len=65536 "${seed_arg[@]}" -print_final_stats=1 -artifact_prefix="$BUILD/fuzz/artifacts/$target-" \
        "$corpus" "$BUILD/fuzz/seeds/$target" "${kept[@]}" >"$log" 2>&1; then
    status=1
    echo "fuzz.sh: fuzz_$target FAILED; the end of $log:" >&2
    tail -40 "$log" >&2
  fi
  done_line=$(grep -E "^#[0-9]+[[:space:]]+DONE" "$log" | tail -1 || true)
  execs=$(grep -E "stat::number_of_executed_units" "$log" | awk '{print $2}' || true)
  echo "fuzz.sh: fuzz_$target: ${execs:-?} executions; ${done_line:-no final line}"
done
end=$(date +%s)
echo "fuzz.sh: build $((built - start)) s, fuzzing $((end - built)) s"
exit $status
