# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
# LICENSE file found in the top-level directory of this distribution.
"""Smoke test of the Python bindings that OpenCV's generator builds from the module's headers.

Run by scripts/check-contrib-build.sh with PYTHONPATH pointing at the OpenCV build's python_loader and
UNISLAD_TEST_DATA at modules/unislad/test/data (the tiny fixture backbone). It creates a detector from
Python, fits it on generated images, predicts, detects, saves, loads, and checks the loaded detector
scores every image exactly as the original does.
"""
import os
import sys
import tempfile

import numpy as np
import cv2 as cv


def sample(rng, anomalous):
    img = rng.integers(90, 140, size=(48, 48, 3), dtype=np.uint8)
    img = cv.GaussianBlur(img, (0, 0), 1.5)
    cx, cy = (int(v) for v in rng.integers(18, 30, size=2))
    cv.circle(img, (cx, cy), 8, (40, 60, 80), -1)
    if anomalous:
        ax, ay = (int(v) for v in rng.integers(6, 42, size=2))
        cv.circle(img, (ax, ay), 5, (255, 255, 255), -1)
    return img


def check(cond, what):
    if not cond:
        print("FAILED:", what)
        sys.exit(1)
    print("ok:", what)


def main():
    data = os.environ["UNISLAD_TEST_DATA"]
    print("cv2", cv.__version__, "from", cv.__file__)
    check(hasattr(cv, "uniSLAD"), "cv2.uniSLAD exists")

    p = cv.uniSLAD.Params()
    p.localManifest = os.path.join(data, "tiny_backbone.yml")
    p.localTaps = ["map", "deep"]
    p.gridSize = 0
    p.pretrainDims = 8
    p.localDims = 8
    p.localCoresetRatio = 0.25
    p.globalCoresetRatio = 0.5
    p.projectionDims = 0
    p.seed = 7

    rng = np.random.default_rng(1)
    train = [sample(rng, False) for _ in range(24)]
    good = [sample(rng, False) for _ in range(10)]
    bad = [sample(rng, True) for _ in range(10)]

    det = cv.uniSLAD.UniSLAD.create(p)
    det.fit(train)
    check(not det.empty(), "fit from Python")

    scores = [det.predict(img) for img in good + bad]
    check(all(np.isfinite(scores)), "predict gives finite scores")
    auroc = np.mean([[float(b > g) + 0.5 * float(b == g) for g in scores[:10]] for b in scores[10:]])
    print("image AUROC on 10 good / 10 anomalous:", auroc)
    check(auroc >= 0.8, "anomalous images score higher than good ones (AUROC >= 0.8)")

    r = det.detect(bad[0])
    check(r.anomalyMap.shape == bad[0].shape[:2], "detect returns a map of the input size")
    check(abs(r.score - scores[10]) < 1e-6, "detect's score equals predict's")

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.unislad")
        det.save(path)
        loaded = cv.uniSLAD.UniSLAD.load(path)
        again = [loaded.predict(img) for img in good + bad]
        check(scores == again, "save -> load gives identical scores")
        check(loaded.getThreshold() == det.getThreshold(), "the threshold survives the round trip")

    try:
        cv.uniSLAD.UniSLAD.load("/nonexistent/model.unislad")
        check(False, "loading a missing file raises")
    except cv.error as e:
        check("/nonexistent/model.unislad" in str(e), "loading a missing file raises cv.error naming it")
    print("python smoke test: OK")


if __name__ == "__main__":
    main()
