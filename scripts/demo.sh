#!/usr/bin/env bash
# The demo, from a fresh clone: installs the Debian packages, produces the offline default backbone
# (MobileNetV2 with ImageNet weights, models/make_default_backbone.py), builds the `unislad` command,
# generates a small synthetic MVTec LOCO AD style set (3 categories, 256 px), fits and evaluates the
# default preset on it, and prints the Table II summary and the path of the HTML report. Also fits one
# category into a model file and runs `unislad detect` with heat maps on its logical anomalies.
#
#   scripts/demo.sh                  everything under build/ (data and report in build/demo)
#   BUILD_DIR=... DEMO_DIR=... scripts/demo.sh
#   UNISLAD_MODEL_DIR=...            where the backbone goes (default ~/.cache/unislad/models)
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build}
DEMO_DIR=${DEMO_DIR:-$BUILD_DIR/demo}
CATEGORIES=${CATEGORIES:-juice_bottle,cable_connectors,pin_grid}
start=$(date +%s)
step() { printf '\n== %s (at %d s)\n' "$1" $(( $(date +%s) - start )); }

step "Debian packages (scripts/install-deps.sh --demo)"
scripts/install-deps.sh --demo

step "offline default backbone (models/make_default_backbone.py)"
/usr/bin/python3 models/make_default_backbone.py

step "build (the unislad command)"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" --parallel "$(nproc)" --target unislad_cli
unislad="$BUILD_DIR/samples/unislad"

step "synthetic data: $CATEGORIES"
rm -rf "$DEMO_DIR"
"$unislad" synth --out "$DEMO_DIR/data" --categories "$CATEGORIES" --size 256 --seed 0

step "fit a model file and detect with heat maps (juice_bottle)"
first=${CATEGORIES%%,*}
"$unislad" fit --train "$DEMO_DIR/data/$first/train/good" --calib "$DEMO_DIR/data/$first/validation/good" \
  --model "$DEMO_DIR/$first.unislad"
"$unislad" detect --model "$DEMO_DIR/$first.unislad" --input "$DEMO_DIR/data/$first/test/logical_anomalies" \
  --out "$DEMO_DIR/detect" --heatmaps --quiet

step "fit + evaluate every category, with the HTML report"
"$unislad" eval --data "$DEMO_DIR/data" --categories "$CATEGORIES" --report "$DEMO_DIR/report"

printf '\n== demo done in %d s; open the report in a browser: %s\n' $(( $(date +%s) - start )) \
  "$(cd "$DEMO_DIR/report" && pwd)/index.html"
