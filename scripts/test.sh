#!/usr/bin/env bash
# The project's test command: install the system packages, configure, build, run every test.
#
#   scripts/test.sh                 default build in build/
#   BUILD_DIR=... scripts/test.sh   another build directory
#   CTEST_ARGS="-L unit" scripts/test.sh
#   scripts/test.sh --reliability   also the sanitizer and fuzzer jobs (labels sanitize, fuzz; their own
#                                   build folders build-asan/, build-tsan/, build-fuzz/; RELIABILITY.md)
set -euo pipefail
cd "$(dirname "$0")/.."
extra=(-DUNISLAD_TEST_SANITIZERS=OFF)
if [[ "${1:-}" == "--reliability" ]]; then
  extra=(-DUNISLAD_TEST_SANITIZERS=ON)
fi

BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}

scripts/install-deps.sh --models "$@"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DUNISLAD_WERROR=ON "${extra[@]}" ${CMAKE_ARGS:-}
cmake --build "$BUILD_DIR" --parallel "$JOBS"
# shellcheck disable=SC2086
ctest --test-dir "$BUILD_DIR" --output-on-failure --parallel "$JOBS" ${CTEST_ARGS:-}
