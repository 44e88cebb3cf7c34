#!/usr/bin/env bash
# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the LICENSE file
# found in the top-level directory of this distribution.
#
# Exactness checks of the offline default backbones (nsfwjs Keras -> ONNX): converts if needed, then compares
# TensorFlow.js (original model) with OpenCV dnn (converted graph). Exits non-zero on failure.
#
#   models/test/run_checks.sh [--model mobilenet_v2|inception_v3|all] [--out DIR]
#
# Installs the pinned Node packages (models/package-lock.json) into models/node_modules when missing.
set -euo pipefail
models="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-/usr/bin/python3}"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "run_checks: '$tool' not found; install Node.js >= 18 with npm (https://nodejs.org)" >&2
    exit 2
  fi
done
cd "$models"
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "run_checks: npm ci (pinned @tensorflow/tfjs, nsfwjs)"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi
# tfjs prints a hint about its native Node backend; the pure JS CPU backend is what the check wants.
exec "$PYTHON" test/check_default_backbone.py "$@"
