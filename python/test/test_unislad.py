# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
# LICENSE file found in the top-level directory of this distribution.
"""Tests of the Python module `unislad` (python/), run by CTest (test python_module).

Environment: PYTHONPATH holds the built module; UNISLAD_TEST_DATA is modules/unislad/test/data (the
tiny fixture backbone); UNISLAD_TEST_WORK a scratch folder; UNISLAD_CLI the `unislad` program (empty:
the comparison with the command line is skipped). One detector is fitted from Python on generated
48x48 images and saved; the tests then check the names against the header's, predict and detect on
numpy images, that `unislad detect` writes the same scores for the same model and images, the save /
load round trip, the error type, odd inputs, and that the GIL is released while the detector runs.
"""
import csv
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import unittest

import numpy as np
import cv2 as cv

import unislad

DATA = os.environ["UNISLAD_TEST_DATA"]
WORK = os.environ["UNISLAD_TEST_WORK"]
CLI = os.environ.get("UNISLAD_CLI", "")
HEADER = os.path.join(DATA, "..", "..", "include", "opencv2", "unislad.hpp")


def sample(rng, anomalous, size=48):
    """A blurred noise background with a dark disc; anomalous images have a white spot as well."""
    img = rng.integers(90, 140, size=(size, size, 3), dtype=np.uint8)
    img = cv.GaussianBlur(img, (0, 0), 1.5)
    cx, cy = (int(v) for v in rng.integers(18, 30, size=2))
    cv.circle(img, (cx, cy), 8, (40, 60, 80), -1)
    if anomalous:
        ax, ay = (int(v) for v in rng.integers(6, 42, size=2))
        cv.circle(img, (ax, ay), 5, (255, 255, 255), -1)
    return img


def small_params():
    """The tiny fixture backbone and a small configuration: a fit takes a fraction of a second."""
    p = unislad.Params()
    p.localManifest = os.path.join(DATA, "tiny_backbone.yml")
    p.localTaps = ["map", "deep"]
    p.gridSize = 0
    p.pretrainDims = 8
    p.localDims = 8
    p.localCoresetRatio = 0.25
    p.globalCoresetRatio = 0.5
    p.projectionDims = 0
    p.seed = 7
    return p


def header_fields(struct):
    """The CV_PROP_RW fields of `struct CV_EXPORTS_W_SIMPLE <struct>` in opencv2/unislad.hpp."""
    with open(HEADER, encoding="utf-8") as f:
        text = f.read()
    body = re.search(r"struct CV_EXPORTS_W_SIMPLE %s\b(.*?)\n};" % struct, text, re.S).group(1)
    return re.findall(r"CV_PROP_RW [^;]*?(\w+)\s*;", body)


class UniSLADTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        shutil.rmtree(WORK, ignore_errors=True)
        os.makedirs(WORK)
        rng = np.random.default_rng(1)
        cls.train = [sample(rng, False) for _ in range(12)]
        cls.calibration = [sample(rng, False) for _ in range(4)]
        cls.good = [sample(rng, False) for _ in range(4)]
        cls.bad = [sample(rng, True) for _ in range(4)]
        cls.progress = []
        cls.det = unislad.UniSLAD.create(small_params())
        cls.det.fit(cls.train, cls.calibration, progress=lambda *a: cls.progress.append(a))
        cls.model = os.path.join(WORK, "model.unislad")
        cls.det.save(cls.model)

    def test_module_is_the_built_one(self):
        built = os.environ["PYTHONPATH"].split(os.pathsep)[0]
        self.assertEqual(os.path.dirname(os.path.abspath(unislad.__file__)), os.path.abspath(built))
        self.assertRegex(unislad.getVersionString(), r"^\d+\.\d+\.\d+$")
        self.assertEqual(unislad.__version__, unislad.getVersionString())

    def test_names_of_the_contrib_bindings(self):
        p = unislad.Params()
        for name in header_fields("Params"):
            value = getattr(p, name)
            if isinstance(value, np.ndarray):   # a mask (Params.roi): uint8, empty by default
                self.assertEqual((value.dtype, value.shape), (np.uint8, (0, 0)), name)
                new = np.full((4, 6), 255, np.uint8)
                setattr(p, name, new)
                np.testing.assert_array_equal(getattr(p, name), new, name)
                continue
            new = {bool: not value, int: 3, float: 0.25, str: "x", list: ["a", "b"]}[type(value)]
            setattr(p, name, new)
            self.assertEqual(getattr(p, name), new, name)
        r = unislad.Result()
        for name in header_fields("Result"):
            self.assertTrue(hasattr(r, name), name)
        t = unislad.StageTimings()
        for name in header_fields("StageTimings"):
            self.assertEqual(getattr(t, name), 0.0, name)
        self.assertEqual((unislad.MIN_TRAINING_IMAGES, unislad.MIN_CALIBRATION_IMAGES), (4, 3))
        self.assertEqual((unislad.FUSION_RAW, unislad.FUSION_CALIBRATED), (0, 1))
        self.assertEqual((unislad.COMPUTE_CPU, unislad.COMPUTE_CUDA), (0, 1))
        self.assertEqual((unislad.INDEX_EXACT, unislad.INDEX_HNSW, unislad.INDEX_AUTO), (0, 1, 2))
        self.assertEqual(unislad.Params().regularization, unislad.MahalanobisTransform_RIDGE)
        self.assertEqual(unislad.Params().imageFeatureMode, unislad.ImageFeatureConverter_PMP_LUM)
        self.assertIs(unislad.UniSLAD_create, unislad.UniSLAD.create)
        self.assertIs(unislad.UniSLAD_load, unislad.UniSLAD.load)
        self.assertIs(unislad.UniSLAD_loadFromBuffer, unislad.UniSLAD.loadFromBuffer)
        d = unislad.Params.defaults("/models")
        self.assertEqual(d.localManifest, "/models/mobilenet_v2_imagenet.yml")
        self.assertEqual(unislad.Params_defaults("/models").localManifest, d.localManifest)
        paper = unislad.Params.paper(modelDir="/models", weights="imagenet")
        self.assertTrue(paper.useMahalanobis)
        self.assertTrue(unislad.isModelFile(self.model))
        self.assertFalse(unislad.isModelFile(HEADER))

    def test_fit_reports_progress(self):
        stages = [s for s, _, _ in self.progress]
        self.assertIn("features", stages)
        self.assertEqual(self.progress[-1], ("done", 1, 1))
        self.assertFalse(self.det.empty())
        self.assertEqual(self.det.getBankSize("local")[0], 8)
        self.assertGreater(self.det.getBankSize("local")[1], 0)
        with self.assertRaisesRegex(unislad.error, 'bank: expected "local", "global" or "class", found "nothing"'):
            self.det.getBankSize("nothing")

    def test_an_exception_in_progress_ends_fit(self):
        det = unislad.UniSLAD.create(small_params())

        def stop(stage, done, total):
            raise KeyError("stop at " + stage)
        with self.assertRaisesRegex(KeyError, "stop at features"):
            det.fit(self.train, progress=stop)
        self.assertTrue(det.empty())

    def test_predict_and_detect(self):
        images = self.good + self.bad
        scores = [self.det.predict(img) for img in images]
        self.assertTrue(all(np.isfinite(scores)))
        self.assertGreater(np.mean(scores[4:]), np.mean(scores[:4]))
        self.assertEqual(self.det.predictBatch(images), scores)
        r = self.det.detect(self.bad[0])
        self.assertEqual(r.score, scores[4])
        self.assertEqual(r.isAnomaly, r.score > r.threshold)
        self.assertEqual(r.threshold, self.det.getThreshold())
        self.assertEqual(r.pixelThreshold, self.det.getPixelThreshold())
        m = r.anomalyMap
        self.assertEqual((m.dtype, m.shape), (np.float32, (48, 48)))
        self.assertTrue(m.flags.owndata and m.flags.writeable and m.flags.c_contiguous)
        m[:] = -1  # a copy: the Result keeps its own map
        self.assertGreater(float(r.anomalyMap.max()), -1)
        batch = self.det.detectBatch(images)
        self.assertEqual([b.score for b in batch], scores)
        np.testing.assert_array_equal(batch[4].anomalyMap, r.anomalyMap)
        timed, timings = self.det.detectWithTimings(self.bad[0])
        self.assertEqual(timed.score, r.score)
        self.assertGreater(timings.total, 0)
        r.anomalyMap = np.zeros((2, 3), np.float32)
        self.assertEqual(r.anomalyMap.shape, (2, 3))

    def test_scores_equal_the_command_line(self):
        if not CLI:
            self.skipTest("the command line is not built")
        folder = os.path.join(WORK, "images")
        os.makedirs(folder, exist_ok=True)
        images = {}
        for i, img in enumerate(self.good + self.bad):
            path = os.path.join(folder, "img_%03d.png" % i)
            self.assertTrue(cv.imwrite(path, img))
            images[path] = img
        out = os.path.join(WORK, "detect")
        done = subprocess.run([CLI, "detect", "--model", self.model, "--input", folder, "--out", out, "--quiet"],
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        with open(os.path.join(out, "scores.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), len(images))
        for row in rows:
            with self.subTest(path=row["path"]):
                # %.9g in the file: a float32 read back exactly
                self.assertEqual(np.float32(row["score"]), np.float32(self.det.predict(images[row["path"]])))
                self.assertEqual(np.float32(row["threshold"]), np.float32(self.det.getThreshold()))

    def test_save_load_round_trip(self):
        loaded = unislad.UniSLAD.load(self.model)
        self.assertFalse(loaded.empty())
        images = self.good + self.bad
        self.assertEqual(loaded.predictBatch(images), self.det.predictBatch(images))
        self.assertEqual(loaded.getThreshold(), self.det.getThreshold())
        for bank in ("local", "global", "class"):
            self.assertEqual(loaded.getBankSize(bank), self.det.getBankSize(bank), bank)
        a, b = loaded.getParams(), self.det.getParams()
        for name in header_fields("Params"):
            if isinstance(getattr(b, name), np.ndarray):
                np.testing.assert_array_equal(getattr(a, name), getattr(b, name), name)
            else:
                self.assertEqual(getattr(a, name), getattr(b, name), name)
        on_cpu = unislad.UniSLAD.load(self.model, backend=unislad.COMPUTE_CPU)
        self.assertEqual(on_cpu.predict(self.bad[1]), self.det.predict(self.bad[1]))
        loaded.setThreshold(1.5)
        self.assertEqual(loaded.getThreshold(), 1.5)
        self.assertEqual(loaded.getThresholdRule().kind, unislad.THRESHOLD_MANUAL)
        self.assertEqual(loaded.getThresholdRule().describe(), "set by hand")
        rule = unislad.ThresholdRule.parse("fpr=0.05")
        rule.goodImages, rule.anomalousImages = 20, 4
        loaded.setThreshold(0.75, rule)
        self.assertEqual(loaded.getThresholdRule().describe(), "fpr <= 0.05 on 20 good and 4 anomalous images")
        self.assertEqual(self.det.getThresholdRule().kind, unislad.THRESHOLD_CALIBRATION)
        with self.assertRaises(unislad.error) as e:
            unislad.ThresholdRule.parse("fpr=2")
        self.assertIn("fpr=X", str(e.exception))
        # Choosing from labelled scores, as in C++: good {0, 1, 2}, anomalous {2, 3}: F1 is best at 1.5.
        c = unislad.chooseThreshold([0.0, 1.0, 2.0], [2.0, 3.0], unislad.ThresholdRule.f1())
        self.assertEqual((c.threshold, c.goodFlagged, c.anomaliesCaught), (1.5, 1, 2))
        self.assertEqual(c.rule.describe(), "f1 on 3 good and 2 anomalous images")
        self.assertEqual(unislad.evaluateThreshold([0.0, 1.0, 2.0], [2.0, 3.0], 2.0).anomaliesCaught, 1)
        with self.assertRaises(unislad.error) as e:
            unislad.chooseThreshold([0.0, 1.0, 5.0], [2.0, 5.0], unislad.ThresholdRule.fpr(0))
        self.assertIn("cannot be met", str(e.exception))
        # The normalised score: 1 at the threshold.
        r = loaded.detect(self.bad[0])
        self.assertAlmostEqual(loaded.normalizeScore(loaded.getThreshold(), loaded.getThreshold()), 1.0, places=6)
        self.assertEqual(r.isAnomaly, r.normalizedScore > 1)

    def test_load_from_buffer_equals_load_from_the_file(self):
        with open(self.model, "rb") as f:
            data = f.read()
        self.assertEqual(self.det.saveToBuffer(), data)   # the bytes save() wrote
        self.assertTrue(self.det.getParams().embedBackbones)
        loaded = unislad.UniSLAD.loadFromBuffer(data)
        images = self.good + self.bad
        self.assertEqual(loaded.predictBatch(images), unislad.UniSLAD.load(self.model).predictBatch(images))
        self.assertEqual(loaded.getThreshold(), self.det.getThreshold())
        self.assertEqual(unislad.UniSLAD.loadFromBuffer(data, backend=unislad.COMPUTE_CPU).predict(self.bad[0]),
                         self.det.predict(self.bad[0]))
        with self.assertRaisesRegex(unislad.error, "<buffer>.*truncated"):
            unislad.UniSLAD.loadFromBuffer(data[: len(data) // 2])
        with self.assertRaisesRegex(unislad.error, "<buffer>.*not a UniSLAD model file"):
            unislad.UniSLAD.loadFromBuffer(b"\x89PNG\r\n\x1a\n" + bytes(16))
        p = small_params()
        p.embedBackbones = False
        referencing = unislad.UniSLAD.create(p)
        referencing.fit(self.train, self.calibration)
        smaller = referencing.saveToBuffer()
        self.assertLess(len(smaller), len(data))
        self.assertFalse(unislad.UniSLAD.loadFromBuffer(smaller).getParams().embedBackbones)

    def test_update_adds_images_as_in_cpp(self):
        # The same update from Python and from the loaded model file give the same detector, and the
        # loaded model's update releases the GIL like fit (a progress callback still runs).
        loaded = unislad.UniSLAD.load(self.model)
        self.assertEqual(loaded.getTrainingImageCount(), 12)
        stages = []
        loaded.update(self.good, progress=lambda *a: stages.append(a))
        self.assertEqual(stages[-1], ("done", 1, 1))
        self.assertEqual(loaded.getTrainingImageCount(), 16)
        again = unislad.UniSLAD.load(self.model)
        again.update(self.good)
        self.assertEqual(again.predictBatch(self.bad), loaded.predictBatch(self.bad))
        self.assertEqual(again.getThreshold(), loaded.getThreshold())
        with self.assertRaises(unislad.error) as e:
            unislad.UniSLAD.create(small_params()).update(self.good)
        self.assertIn("not fitted", str(e.exception))

    def test_region_of_interest(self):
        # A bool mask of the images' shape: what lies outside it changes no score, the map is 0 there,
        # and the model file keeps the mask (as 255 inside).
        inside = np.zeros((48, 48), bool)
        inside[10:38, 10:38] = True
        p = small_params()
        p.roi = inside
        self.assertEqual(p.roi.dtype, np.uint8)
        np.testing.assert_array_equal(p.roi, inside.astype(np.uint8) * 255)
        det = unislad.UniSLAD.create(p)
        det.fit(self.train)
        moved = self.bad[0].copy()
        moved[:6, :] = 250
        moved[40:, 40:] = 10
        self.assertEqual(det.predict(moved), det.predict(self.bad[0]))
        r = det.detect(moved)
        self.assertEqual(float(np.abs(r.anomalyMap[~inside]).max()), 0.0)
        self.assertGreater(float(np.abs(r.anomalyMap[inside]).max()), 0.0)
        path = os.path.join(WORK, "roi.unislad")
        det.save(path)
        loaded = unislad.UniSLAD.load(path)
        np.testing.assert_array_equal(loaded.getParams().roi, p.roi)
        self.assertEqual(loaded.predict(moved), det.predict(moved))
        unislad.checkRegionOfInterest(inside, (96, 96), "same shape")
        with self.assertRaisesRegex(unislad.error, "wide.png: expected the aspect ratio of the region of interest"):
            unislad.checkRegionOfInterest(inside, (96, 48), "wide.png")
        with self.assertRaisesRegex(unislad.error, r"UniSLAD::predict: images\[0\]: expected the aspect ratio"):
            det.predict(np.zeros((48, 96, 3), np.uint8))
        p.roi = None
        self.assertEqual(p.roi.shape, (0, 0))
        with self.assertRaisesRegex(TypeError, "Params.roi: expected dtype uint8 .* or bool, found float32"):
            p.roi = np.ones((4, 4), np.float32)
        with self.assertRaisesRegex(ValueError, r"Params.roi: expected a mask of shape \(H, W\) or \(H, W, 1\)"):
            p.roi = np.ones((4, 4, 3), np.uint8)
        p.roi = np.zeros((48, 48), np.uint8)
        with self.assertRaisesRegex(unislad.error, "params.roi: expected a mask with at least one non-zero pixel"):
            unislad.UniSLAD.create(p)

    def test_library_errors_raise_unislad_error(self):
        self.assertTrue(issubclass(unislad.error, RuntimeError))
        with self.assertRaises(unislad.error) as e:
            unislad.UniSLAD.create(small_params()).predict(self.good[0])
        self.assertRegex(str(e.exception), "not fitted|empty|fit")
        self.assertIn(e.exception.msg, str(e.exception))
        missing = os.path.join(WORK, "no", "such.unislad")
        with self.assertRaises(unislad.error) as e:
            unislad.UniSLAD.load(missing)
        self.assertIn(missing, str(e.exception))
        self.assertIn(missing, e.exception.msg)
        self.assertIsInstance(e.exception.code, int)
        with self.assertRaisesRegex(unislad.error, "expected at least 4 nominal images, found 2"):
            unislad.UniSLAD.create(small_params()).fit(self.train[:2])
        p = small_params()
        p.localManifest = os.path.join(WORK, "missing.yml")
        with self.assertRaisesRegex(unislad.error, "missing.yml"):
            unislad.UniSLAD.create(p).fit(self.train)

    def test_odd_inputs(self):
        img = self.bad[2]
        ref = self.det.predict(img)
        # accepted: copies of other layouts, and the other channel counts and depth
        self.assertEqual(self.det.predict(np.asfortranarray(img)), ref)
        self.assertEqual(self.det.predict(np.ascontiguousarray(img[:, ::-1])[:, ::-1]), ref)
        wide = np.zeros((48, 60, 3), np.uint8)
        wide[:, 5:53] = img
        self.assertEqual(self.det.predict(wide[:, 5:53]), ref)  # a view with a row stride
        readonly = img.copy()
        readonly.setflags(write=False)
        self.assertEqual(self.det.predict(readonly), ref)
        bgra = cv.cvtColor(img, cv.COLOR_BGR2BGRA)
        self.assertEqual(self.det.predict(bgra), ref)
        gray = cv.cvtColor(img, cv.COLOR_BGR2GRAY)
        self.assertEqual(self.det.predict(gray[:, :, None]), self.det.predict(gray))
        # 16-bit: resized before the conversion to 8-bit's range, so close to the 8-bit score, not equal
        self.assertAlmostEqual(self.det.predict(img.astype(np.uint16) * 257), ref, delta=0.01 * max(1, abs(ref)))
        # refused, with what was expected and what was found
        cases = [
            (img.astype(np.float32), TypeError, "expected dtype uint8 or uint16, found float32"),
            (img.astype(np.int16), TypeError, "found int16"),
            (img[None], ValueError, r"found shape \(1, 48, 48, 3\)"),
            (img[:, :, :2], ValueError, r"found shape \(48, 48, 2\)"),
            (np.zeros((0, 48), np.uint8), ValueError, "expected a non-empty image"),
            (np.zeros(5, np.uint8), ValueError, r"found shape \(5,\)"),
            (img.tolist(), TypeError, "expected a numpy array .an image., found list"),
            (None, TypeError, "found NoneType"),
        ]
        for bad, error, message in cases:
            with self.subTest(message=message):
                with self.assertRaisesRegex(error, "^image: (.*, )?" + message):
                    self.det.predict(bad)
        with self.assertRaisesRegex(TypeError, r"images\[1\]: expected dtype uint8 or uint16, found float64"):
            self.det.predictBatch([img, img.astype(np.float64)])
        with self.assertRaisesRegex(TypeError, "images: expected a list of numpy arrays"):
            self.det.predictBatch(img)
        with self.assertRaisesRegex(ValueError, r"calibrationImages\[0\]: expected a non-empty image"):
            unislad.UniSLAD.create(small_params()).fit(self.train, [np.zeros((0, 0), np.uint8)])

    def test_concurrent_predict_gives_serial_scores(self):
        images = self.good + self.bad
        serial = self.det.predictBatch(images)
        results = [None] * 4

        def work(k):
            results[k] = [self.det.predict(img) for img in images]
        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(results, [serial] * 4)

    def test_the_gil_is_released(self):
        # A ticker thread records when it runs while the main thread is inside predictBatch. Had the call
        # kept the GIL, the ticker could not run between the first and the last few milliseconds of the
        # call; here it must have ticked in the middle half of it. The call is made long enough (about
        # 0.4 s) for the interpreter's switch interval (5 ms) to lie well outside that half.
        img = self.bad[0]
        t0 = time.perf_counter()
        self.det.predictBatch([img] * 10)
        per_image = max((time.perf_counter() - t0) / 10, 1e-5)
        batch = [img] * int(min(5000, max(20, 0.4 / per_image)))
        ticks, stop = [], threading.Event()

        def ticker():
            while not stop.is_set():
                ticks.append(time.perf_counter())
                time.sleep(0.001)
        thread = threading.Thread(target=ticker)
        thread.start()
        time.sleep(0.01)
        start = time.perf_counter()
        self.det.predictBatch(batch)
        end = time.perf_counter()
        stop.set()
        thread.join()
        quarter = (end - start) / 4
        inside = [t for t in ticks if start + quarter < t < end - quarter]
        self.assertGreater(end - start, 0.05)
        self.assertTrue(inside, "no tick in the middle of a %.3f s predictBatch: the GIL was held" % (end - start))


if __name__ == "__main__":
    # The command line does the same at its start: scores independent of the thread count.
    unislad.useThreadCountIndependentBackend()
    print("unislad", unislad.getVersionString(), "from", unislad.__file__, "; numpy", np.__version__,
          "; cv2", cv.__version__, file=sys.stderr)
    unittest.main()
