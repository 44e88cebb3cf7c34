#!/usr/bin/env bash
# The sanitizer jobs (RELIABILITY.md):
#   address  build-asan/: everything with AddressSanitizer + UndefinedBehaviorSanitizer
#            (UNISLAD_SANITIZE=ON); runs every test of the label "unit"
#   thread   build-tsan/: ThreadSanitizer (UNISLAD_SANITIZE=thread); runs the concurrency tests
#
#   scripts/sanitize.sh [address|thread|all]      (default all)
#   SANITIZE_JOBS=2 scripts/sanitize.sh address
#
# OpenCV and OpenBLAS are Debian's, not instrumented: sanitizers/*.supp suppress what is reported
# inside them (see the comments there). Under TSan, OpenCV's own worker threads are switched off
# (cv::setNumThreads(1) through UNISLAD_TEST_OPENCV_THREADS=1, see test_main.cpp): Debian's OpenCV runs
# parallel_for_ on TBB, whose hand-over of the loop body TSan cannot see in an uninstrumented library
# (every parallel_for_ would be reported); what is checked is the sharing of one detector by the
# test's threads.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MODE=${1:-all}
JOBS=${SANITIZE_JOBS:-$(nproc)}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
# No -Werror here: GCC 12 warns falsely inside its own avx512fintrin.h at -O2 (the Release build checks warnings).
common=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DUNISLAD_WERROR=OFF -DUNISLAD_BUILD_BENCHMARKS=OFF
        -DUNISLAD_BUILD_PLUGIN=OFF -DUNISLAD_TEST_SANITIZERS=OFF)

run_address() {
  local start=$(date +%s)
  cmake -S . -B build-asan "${generator[@]}" "${common[@]}" -DUNISLAD_SANITIZE=ON ${CMAKE_ARGS:-} >/dev/null
  cmake --build build-asan --parallel "$JOBS" --target unislad_test unislad_synth_test
  local built=$(date +%s)
  ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=1" \
  LSAN_OPTIONS="suppressions=$ROOT/sanitizers/lsan.supp:print_suppressions=0" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$ROOT/sanitizers/ubsan.supp" \
    ctest --test-dir build-asan -L unit --output-on-failure --parallel "$JOBS"
  echo "sanitize.sh address: build $((built - start)) s, tests $(($(date +%s) - built)) s: clean"
}

run_thread() {
  local start=$(date +%s)
  cmake -S . -B build-tsan "${generator[@]}" "${common[@]}" -DUNISLAD_SANITIZE=thread -DUNISLAD_BUILD_SAMPLES=OFF \
        ${CMAKE_ARGS:-} >/dev/null
  cmake --build build-tsan --parallel "$JOBS" --target unislad_test
  local built=$(date +%s)
  UNISLAD_TEST_OPENCV_THREADS=1 OPENCV_FOR_THREADS_NUM=1 OPENBLAS_NUM_THREADS=1 \
  TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$ROOT/sanitizers/tsan.supp" \
    build-tsan/modules/unislad/unislad_test \
      --gtest_filter='UniSLAD_Concurrency.*:UniSLAD_Backbone.concurrent_forward_equals_serial:UniSLAD_Detector.batch_equals_single_and_threads_equal_serial:UniSLAD_Threads.*'
  echo "sanitize.sh thread: build $((built - start)) s, tests $(($(date +%s) - built)) s: clean"
}

case "$MODE" in
  address) run_address ;;
  thread) run_thread ;;
  all) run_address; run_thread ;;
  *) echo "usage: scripts/sanitize.sh [address|thread|all]" >&2; exit 2 ;;
esac
