#!/usr/bin/env bash
# Builds OpenCV 4.6 from Debian's source package with this repository as an extra module, then runs
# the module's tests inside that build and a Python smoke test of the generated cv2.uniSLAD bindings.
#
#   scripts/check-contrib-build.sh              work in build-contrib/ (about 30 min on 2 cores)
#   WORK_DIR=/tmp/x JOBS=8 scripts/check-contrib-build.sh
#
# It touches no system configuration: apt reads a temporary deb-src list and keeps its index and
# cache under $WORK_DIR/apt. Missing build packages (protobuf, Python headers) are installed with
# apt-get from the machine's normal sources, as scripts/install-deps.sh does.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK_DIR=${WORK_DIR:-$REPO/build-contrib}
JOBS=${JOBS:-$(nproc)}
OPENCV_VERSION=${OPENCV_VERSION:-4.6.0+dfsg-12}
SUITE=${SUITE:-bookworm}
mkdir -p "$WORK_DIR"
WORK_DIR=$(cd "$WORK_DIR" && pwd)
log() { printf '\n== %s (%s)\n' "$*" "$(date +%T)"; }
start=$(date +%s)

# --- 1. packages the OpenCV build needs beyond install-deps.sh -----------------------------------
"$REPO/scripts/install-deps.sh"
need=(dpkg-dev libprotobuf-dev protobuf-compiler python3-dev python3-numpy zlib1g-dev libpng-dev libjpeg-dev)
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  log "installing ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- 2. the OpenCV source, from a private deb-src list -------------------------------------------
SRC="$WORK_DIR/opencv-src"
if [[ ! -f "$SRC/CMakeLists.txt" ]]; then
  log "fetching opencv $OPENCV_VERSION from Debian's source repository"
  APT="$WORK_DIR/apt"
  mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$APT/parts"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $SUITE main" \
    > "$APT/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$APT/sources.list" -o "Dir::Etc::SourceParts=$APT/parts"
            -o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache" -o Debug::NoLocking=1
            -o APT::Sandbox::User=root)
  apt-get "${apt_opts[@]}" -qq update
  (cd "$WORK_DIR" && apt-get "${apt_opts[@]}" -qq source --download-only "opencv=$OPENCV_VERSION")
  rm -rf "$SRC.partial"
  (cd "$WORK_DIR" && dpkg-source -x --no-check opencv_*.dsc "$SRC.partial" >/dev/null)
  mv "$SRC.partial" "$SRC"
fi

# --- 3. configure and build with the module -------------------------------------------------------
BUILD="$WORK_DIR/opencv-build"
log "configuring OpenCV with -DOPENCV_EXTRA_MODULES_PATH=$REPO/modules"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$SRC" -B "$BUILD" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DOPENCV_EXTRA_MODULES_PATH="$REPO/modules" \
  -DBUILD_LIST=core,imgproc,imgcodecs,dnn,unislad,python3,ts \
  -DBUILD_TESTS=ON -DBUILD_PERF_TESTS=OFF -DBUILD_EXAMPLES=OFF -DBUILD_opencv_apps=OFF -DBUILD_JAVA=OFF \
  -DBUILD_opencv_python3=ON -DPYTHON3_EXECUTABLE=/usr/bin/python3 -DBUILD_opencv_python2=OFF \
  -DBUILD_PROTOBUF=OFF -DPROTOBUF_UPDATE_FILES=ON -DWITH_PROTOBUF=ON -DWITH_EIGEN=ON \
  -DWITH_IPP=OFF -DWITH_ITT=OFF -DWITH_OPENCL=OFF -DWITH_CUDA=OFF -DWITH_ADE=OFF -DWITH_CAROTENE=OFF \
  -DWITH_TIFF=OFF -DWITH_WEBP=OFF -DWITH_OPENJPEG=OFF -DWITH_JASPER=OFF -DWITH_OPENEXR=OFF \
  -DWITH_QUIRC=OFF -DWITH_LAPACK=OFF -DWITH_GTK=OFF -DWITH_QT=OFF -DWITH_FFMPEG=OFF \
  -DWITH_GSTREAMER=OFF -DWITH_V4L=OFF -DWITH_1394=OFF -DWITH_VA=OFF -DWITH_TBB=OFF \
  -DOPENCV_DOWNLOAD_TRIES_LIST= -DENABLE_PRECOMPILED_HEADERS=OFF \
  -DOPENCV_PYTHON3_INSTALL_PATH="$WORK_DIR/python" > "$WORK_DIR/configure.log"
grep -E '^\s+(To be built|Disabled by dependency|Unavailable):' "$WORK_DIR/configure.log" || true
if ! grep -qE 'To be built:.*\bunislad\b' "$WORK_DIR/configure.log"; then
  echo "check-contrib-build: OpenCV's configuration did not enable the unislad module; see $WORK_DIR/configure.log" >&2
  exit 1
fi
log "building the module, its tests and the Python bindings with $JOBS jobs"
# Only what the checks need: OpenCV's own test programs (opencv_test_core, ...) would triple the time.
cmake --build "$BUILD" --parallel "$JOBS" --target opencv_test_unislad opencv_python3
built=$(date +%s)

# --- 4. the module's tests inside OpenCV's build --------------------------------------------------
log "opencv_test_unislad"
"$BUILD/bin/opencv_test_unislad"

# --- 5. Python: cv2.uniSLAD from the generated bindings -------------------------------------------
log "python smoke test"
PYTHONPATH="$BUILD/python_loader" UNISLAD_TEST_DATA="$REPO/modules/unislad/test/data" \
  /usr/bin/python3 "$REPO/tests/contrib_mode/python_smoke.py"

end=$(date +%s)
log "contrib build OK: build $((built - start)) s, total $((end - start)) s"
