#!/usr/bin/env bash
# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the LICENSE file
# found in the top-level directory of this distribution.
#
# Checks of the torchvision exports (Wide-ResNet-50-2, ViT-B/16) with random weights: torch vs OpenCV dnn at
# batch 8 and 1. Exits non-zero on failure. About 1-2 minutes on 2 cores (--quick: about half).
#
#   models/test/run_torch_checks.sh [--quick] [--out DIR]
set -euo pipefail
models="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-/usr/bin/python3}"

if ! "$PYTHON" -c "import torch, torchvision, onnx, cv2" 2>/dev/null; then
  echo "run_torch_checks: $PYTHON lacks torch/torchvision/onnx/cv2; run scripts/install-deps.sh --models" >&2
  exit 2
fi
blas_status="$(dpkg-query -W -f='${Status}\n' 'libopenblas0*' 2>/dev/null || true)"
if [[ "$blas_status" != *"install ok installed"* ]]; then
  echo "run_torch_checks: warning: OpenBLAS not installed (libopenblas0-pthread); torch will be very slow" >&2
fi
exec "$PYTHON" "$models/test/check_torchvision.py" "$@"
