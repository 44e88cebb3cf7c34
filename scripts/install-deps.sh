#!/usr/bin/env bash
# Installs every Debian package the project needs. Idempotent: packages already present are skipped,
# and apt's index is refreshed only when something is missing.
#
#   scripts/install-deps.sh            build + test dependencies
#   scripts/install-deps.sh --demo     also what the offline default backbone needs (ONNX, Node.js; scripts/demo.sh)
#   scripts/install-deps.sh --models   also what every script of models/ needs (Python, ONNX, torch, Node.js)
#   scripts/install-deps.sh --models --reliability   also Clang with libFuzzer (scripts/fuzz.sh)
set -euo pipefail

packages=(
  build-essential cmake pkg-config ninja-build
  libopencv-dev            # core, imgproc, imgcodecs, dnn (4.6 on Debian 12)
  libeigen3-dev            # linear algebra (3.4)
  libhnswlib-dev           # approximate nearest-neighbour search (header-only, 0.6.2)
  libboost-dev             # headers only (CRC-32)
  libgtest-dev googletest  # unit tests
  libbenchmark-dev         # perf/
  python3 python3-numpy    # fixtures and reference implementations used by the tests
  python3-dev pybind11-dev python3-opencv   # the Python module (python/) and its test
  # The GStreamer element (plugin/) and its tests: development files, gst-launch/gst-inspect, the elements
  # the pipelines use (videoconvert: base; multifilesrc, pngdec: good; parsers for video files: bad),
  # aravissrc (libaravis-0.8-0) and Aravis' fake GigE Vision camera (aravis-tools).
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-tools
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  libaravis-0.8-0 aravis-tools
  chromium                 # the test that opens `unislad eval --report`'s HTML in a headless browser
)
if [[ "${1:-}" == "--models" || "${1:-}" == "--demo" ]]; then
  packages+=(python3-onnx)
  if [[ "${1:-}" == "--models" ]]; then
    packages+=(python3-torch python3-torchvision libopenblas0-pthread)
    packages+=(python3-scipy)   # only to regenerate the metrics fixture (modules/unislad/test/fixtures)
  fi
  # Node.js + npm (>= 18) fetch nsfwjs and run the TensorFlow.js reference. A machine that already has
  # them (e.g. from nodejs.org) keeps its own; otherwise Debian's are installed.
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    packages+=(nodejs npm)
  fi
fi

for arg in "$@"; do
  if [[ "$arg" == "--reliability" ]]; then
    packages+=(clang-14 libclang-rt-14-dev)   # libFuzzer and the sanitizer runtimes for Clang
  fi
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} == 0 )); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
