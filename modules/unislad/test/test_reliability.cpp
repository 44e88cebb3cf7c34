// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// Reliability of the detector (RELIABILITY.md): one detector shared by 8 threads, the memory bound of
// fit, model files of older versions, images over the pixel limit. On the tiny fixture backbone.
// The concurrency tests (UniSLAD_Concurrency.*) are the ones scripts/sanitize.sh runs under TSan.
#include "test_precomp.hpp"
#include "detector/unislad_impl.hpp"
#include "io/model_archive.hpp"
#include "features/backbone_manifest.hpp"

#include <opencv2/imgproc.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <thread>

#ifndef _WIN32
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

namespace opencv_test { namespace {

using namespace cv::uniSLAD;
namespace impl = cv::uniSLAD::detail;

/** Textured images of varying size; anomalous ones carry a bright spot. */
std::vector<Mat> images(int n, uint64 seed, bool anomalous, int side = 48)
{
    RNG rng(seed);
    std::vector<Mat> v;
    for (int i = 0; i < n; ++i) {
        const int w = side + rng.uniform(0, side / 2), h = side + rng.uniform(0, side / 2);
        Mat img(h, w, CV_8UC3);
        rng.fill(img, RNG::UNIFORM, 90, 140);
        GaussianBlur(img, img, Size(), 1.5);
        circle(img, Point(w / 2, h / 2), side / 6, Scalar(40, 60, 80), -1);
        if (anomalous)
            circle(img, Point(rng.uniform(4, w - 4), rng.uniform(4, h - 4)), side / 10, Scalar(255, 255, 255), -1);
        v.push_back(img);
    }
    return v;
}

bool sameResult(const Result& a, const Result& b)
{
    return a.score == b.score && a.isAnomaly == b.isAnomaly && a.threshold == b.threshold && a.patchLocal == b.patchLocal &&
           a.patchGlobal == b.patchGlobal && a.classWeight == b.classWeight && a.patchScore == b.patchScore &&
           a.imageLocal == b.imageLocal && a.imageGlobal == b.imageGlobal && a.imageClass == b.imageClass &&
           a.imageScore == b.imageScore && a.anomalyMap.size() == b.anomalyMap.size() &&
           cv::norm(a.anomalyMap, b.anomalyMap, NORM_INF) == 0;
}

// ---- concurrency ---------------------------------------------------------------------------------

TEST(UniSLAD_Concurrency, eight_threads_detect_on_one_detector_equal_serial)
{
    Ptr<UniSLAD> detector = UniSLAD::create(tinyDetectorParams());
    detector->fit(images(16, 1, false));
    std::vector<Mat> test = images(160, 2, false), bad = images(160, 3, true);
    test.insert(test.end(), bad.begin(), bad.end());   // 320 images
    std::vector<Result> serial;
    for (const Mat& m : test)
        serial.push_back(detector->detect(m));

    // 8 threads share the detector; each takes every 8th image, half of them in reverse order, and also
    // calls predict() and the batch versions, so that different calls overlap.
    const int T = 8;
    std::vector<std::vector<Result>> got(T, std::vector<Result>(test.size()));
    std::vector<std::vector<float>> predicted(T, std::vector<float>(test.size(), -1.f));
    std::atomic<int> failures(0);
    std::vector<std::thread> threads;
    for (int t = 0; t < T; ++t)
        threads.emplace_back([&, t] {
            try {
                std::vector<size_t> mine;
                for (size_t i = t; i < test.size(); i += T)
                    mine.push_back(i);
                if (t % 2)
                    std::reverse(mine.begin(), mine.end());
                for (size_t k = 0; k < mine.size(); ++k) {
                    const size_t i = mine[k];
                    if (k % 5 == 4) {
                        const std::vector<Result> r = detector->detectBatch(std::vector<Mat>{ test[i] });
                        got[t][i] = r[0];
                    } else {
                        got[t][i] = detector->detect(test[i]);
                    }
                    predicted[t][i] = detector->predict(test[i]);
                }
            } catch (...) {
                ++failures;
            }
        });
    for (std::thread& th : threads)
        th.join();
    ASSERT_EQ(0, failures.load());
    int compared = 0;
    for (int t = 0; t < T; ++t)
        for (size_t i = t; i < test.size(); i += T) {
            SCOPED_TRACE(cv::format("thread %d, image %d", t, (int)i));
            EXPECT_TRUE(sameResult(serial[i], got[t][i]));
            EXPECT_EQ(serial[i].score, predicted[t][i]);
            ++compared;
        }
    EXPECT_EQ((int)test.size(), compared);
}

TEST(UniSLAD_Concurrency, load_and_fit_of_other_detectors_while_one_detects)
{
    Ptr<UniSLAD> shared = UniSLAD::create(tinyDetectorParams());
    shared->fit(images(12, 4, false));
    const std::string path = cv::tempfile(".unislad");
    shared->save(path);
    const std::vector<Mat> test = images(40, 5, true);
    std::vector<float> serial;
    for (const Mat& m : test)
        serial.push_back(shared->predict(m));
    std::vector<float> during(test.size());
    std::atomic<int> failures(0);
    std::thread detecting([&] {
        try {
            for (size_t i = 0; i < test.size(); ++i)
                during[i] = shared->predict(test[i]);
        } catch (...) { ++failures; }
    });
    std::thread loading([&] {
        try {
            for (int k = 0; k < 4; ++k) {
                Ptr<UniSLAD> other = UniSLAD::load(path);
                other->setThreshold(1.f);
                if (other->predict(test[k]) != serial[k])
                    ++failures;
            }
        } catch (...) { ++failures; }
    });
    std::thread fitting([&] {
        try {
            Ptr<UniSLAD> other = UniSLAD::create(tinyDetectorParams());
            other->fit(images(8, 6, false));
        } catch (...) { ++failures; }
    });
    detecting.join();
    loading.join();
    fitting.join();
    std::remove(path.c_str());
    EXPECT_EQ(0, failures.load());
    EXPECT_EQ(serial, during);
}

// ---- memory bound of fit ---------------------------------------------------------------------------

TEST(UniSLAD_MemoryBound, features_over_the_bound_are_subsampled_per_image)
{
    // Tiny backbone: 16 x 16 local cells of 8 dims, 8 x 8 global cells of 6 dims, 9728 bytes per image.
    // 160 images with the seeded 20 % hold-out (32): 160 * 9728 * (1 + 128/160) = 2.7 MiB > 1 MiB.
    const int n = 160, rest = 128;
    const std::vector<Mat> train = images(n, 7, false, 24);
    Params p = tinyDetectorParams();
    p.localCoresetRatio = 0.05;   // small coresets keep this test fast
    p.globalCoresetRatio = 0.1;
    p.maxFeatureMemoryMiB = 1;
    Ptr<UniSLAD> bounded = UniSLAD::create(p);
    bounded->fit(train);
    p.maxFeatureMemoryMiB = 0;
    Ptr<UniSLAD> unbounded = UniSLAD::create(p);
    unbounded->fit(train);

    // The documented rule, recomputed: share = bound / need; rows kept per image = floor(share * cells).
    const double need = n * 4.0 * (256 * 8 + 64 * 6) * (1.0 + (double)rest / n), share = 1048576.0 / need;
    const int keepL = (int)std::floor(share * 256), keepG = (int)std::floor(share * 64);
    ASSERT_LT(keepL, 256);
    const impl::FittedModel& b = dynamic_cast<impl::UniSLADImpl&>(*bounded).fittedModel();
    const impl::FittedModel& u = dynamic_cast<impl::UniSLADImpl&>(*unbounded).fittedModel();
    // Coreset sizes follow from the rows the banks were selected from (ratios 0.05 and 0.1, halves up).
    EXPECT_EQ((int)std::floor(0.05 * n * keepL + 0.5), b.banks.local->getBank().rows);
    EXPECT_EQ((int)std::floor(0.1 * n * keepG + 0.5), b.banks.global->getBank().rows);
    EXPECT_EQ((int)std::floor(0.05 * n * 256 + 0.5), u.banks.local->getBank().rows);
    // Image-level features always use every patch: identical to the unbounded fit.
    EXPECT_EQ(0, cv::norm(b.distributions.localFeatures, u.distributions.localFeatures, NORM_INF));
    EXPECT_EQ(0, cv::norm(b.distributions.globalFeatures, u.distributions.globalFeatures, NORM_INF));
    EXPECT_EQ(0, cv::norm(b.distributions.classFeatures, u.distributions.classFeatures, NORM_INF));

    // Still a working detector, and a deterministic one.
    const std::vector<Mat> good = images(20, 8, false, 24), bad = images(20, 9, true, 24);
    std::vector<float> scores;
    std::vector<int> labels;
    for (int k = 0; k < 2; ++k)
        for (const Mat& m : k ? bad : good) {
            scores.push_back(bounded->predict(m));
            labels.push_back(k);
        }
    EXPECT_GE(metrics::imageAUROC(scores, labels), 0.85);
    p.maxFeatureMemoryMiB = 1;
    Ptr<UniSLAD> again = UniSLAD::create(p);
    again->fit(train);
    EXPECT_EQ(bounded->predictBatch(good), again->predictBatch(good));
}

TEST(UniSLAD_MemoryBound, a_bound_above_the_need_changes_nothing)
{
    const std::vector<Mat> train = images(20, 10, false), cal = images(5, 11, false), test = images(6, 12, true);
    for (bool given : { false, true }) {
        SCOPED_TRACE(given ? "calibration images given" : "hold-out");
        std::vector<std::vector<float>> scores;
        for (int bound : { 0, 1, 4096 }) {
            Params p = tinyDetectorParams();
            p.maxFeatureMemoryMiB = bound;
            Ptr<UniSLAD> d = UniSLAD::create(p);
            given ? d->fit(train, cal) : d->fit(train);
            scores.push_back(d->predictBatch(test));
        }
        EXPECT_EQ(scores[0], scores[1]);
        EXPECT_EQ(scores[0], scores[2]);
    }
    Params p = tinyDetectorParams();
    p.maxFeatureMemoryMiB = -1;
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::create(p), "params.maxFeatureMemoryMiB", "found -1");
}

TEST(UniSLAD_MemoryBound, model_files_without_the_field_load_with_the_default)
{
    Params p = tinyDetectorParams();
    p.maxFeatureMemoryMiB = 77;
    Ptr<UniSLAD> d = UniSLAD::create(p);
    d->fit(images(8, 13, false));
    const std::string path = cv::tempfile(".unislad"), old = cv::tempfile(".unislad");
    d->save(path);
    EXPECT_EQ(77, UniSLAD::load(path)->getParams().maxFeatureMemoryMiB);
    // The same file as a version without the field would have written it.
    const impl::ModelArchiveReader r = impl::ModelArchiveReader::load(path);
    impl::ModelArchiveWriter w;
    for (const std::string& name : r.names()) {
        if (r.kind(name) == impl::ArchiveSectionKind::Tensor) {
            w.addTensor(name, r.tensor(name));
            continue;
        }
        if (r.kind(name) == impl::ArchiveSectionKind::Bytes) {   // the embedded backbone
            w.addBytes(name, r.bytes(name));
            continue;
        }
        std::string text = r.text(name);
        if (name == "params") {
            const size_t at = text.find("maxFeatureMemoryMiB");
            ASSERT_NE(std::string::npos, at);
            text.erase(at, text.find('\n', at) + 1 - at);
        }
        w.addText(name, text);
    }
    w.save(old);
    Ptr<UniSLAD> loaded = UniSLAD::load(old);
    EXPECT_EQ(Params().maxFeatureMemoryMiB, loaded->getParams().maxFeatureMemoryMiB);
    EXPECT_EQ(4096, Params().maxFeatureMemoryMiB);
    const std::vector<Mat> test = images(3, 14, true);
    EXPECT_EQ(d->predictBatch(test), loaded->predictBatch(test));
    std::remove(path.c_str());
    std::remove(old.c_str());
}

// ---- images over the pixel limit -----------------------------------------------------------------

TEST(UniSLAD_HugeImages, over_the_pixel_limit_is_refused_before_any_allocation)
{
    // 20000 x 20000 = 4e8 pixels > 2^28. The matrix is allocated but never touched (no resident memory):
    // the check comes before any read.
    const Mat huge(20000, 20000, CV_8UC1);
    Preprocessor pre;
    Mat blob;
    UNISLAD_EXPECT_THROW_MSG(pre.apply(huge, blob), "images[0]", "at most 268435456 pixels", "found 20000x20000");
    const Mat over(16385, 16384, CV_8UC1);
    UNISLAD_EXPECT_THROW_MSG(pre.apply(over, blob), "found 16384x16385");
    Ptr<UniSLAD> d = UniSLAD::create(tinyDetectorParams());
    d->fit(images(4, 15, false));
    UNISLAD_EXPECT_THROW_MSG(d->detect(huge), "at most 268435456 pixels");
    // A refit with one bad image among many: named by its index, and the fitted model stays as it was.
    const Mat probe = images(1, 17, true)[0];
    const float before = d->predict(probe);
    std::vector<Mat> train = images(12, 16, false);
    train[9] = huge;
    UNISLAD_EXPECT_THROW_MSG(d->fit(train), "UniSLAD::fit: images[9]", "at most 268435456 pixels");
    ASSERT_FALSE(d->empty());
    EXPECT_EQ(before, d->predict(probe));
}

TEST(UniSLAD_FailedFit, leaves_the_previous_model_in_place)
{
    Ptr<UniSLAD> d = UniSLAD::create(tinyDetectorParams());
    d->fit(images(8, 18, false));
    const std::vector<Mat> probe = images(4, 19, true);
    const std::vector<float> before = d->predictBatch(probe);
    const float threshold = d->getThreshold();
    // A progress callback that fails half-way through the feature extraction.
    std::vector<Mat> train = images(24, 20, false);
    UNISLAD_EXPECT_THROW_MSG(d->fit(train, noArray(), [](const String& stage, int done, int) {
        if (stage == "features" && done >= 16)
            CV_Error(Error::StsError, "stopped by the callback");
    }), "stopped by the callback");
    train[20] = Mat(6, 6, CV_8UC3, Scalar::all(1));
    UNISLAD_EXPECT_THROW_MSG(d->fit(train), "images[20]", "at least 8x8");
    EXPECT_FALSE(d->empty());
    EXPECT_EQ(threshold, d->getThreshold());
    EXPECT_EQ(before, d->predictBatch(probe));
    // An unfitted detector stays unfitted.
    Ptr<UniSLAD> fresh = UniSLAD::create(tinyDetectorParams());
    EXPECT_ANY_THROW(fresh->fit(train));
    EXPECT_TRUE(fresh->empty());
}

// ---- a detector's save killed at random moments ------------------------------------------------------

#ifndef _WIN32
TEST(UniSLAD_AtomicSave, a_killed_detector_save_leaves_a_loadable_old_or_new_model)
{
    // Two detectors whose scores differ; the file starts as A's, child processes save B's or A's over it
    // and are killed with SIGKILL after a random delay of up to 1.5 save times.
    Params p = tinyDetectorParams();
    p.localCoresetRatio = 0.5;
    Ptr<UniSLAD> models[2] = { UniSLAD::create(p), UniSLAD::create(p) };
    models[0]->fit(images(24, 21, false));
    models[1]->fit(images(24, 22, false));
    const Mat probe = images(1, 23, true)[0];
    const float scores[2] = { models[0]->predict(probe), models[1]->predict(probe) };
    ASSERT_NE(scores[0], scores[1]);
    const std::string dir = cv::tempfile("");
    ASSERT_EQ(0, std::system(("mkdir -p '" + dir + "'").c_str()));
    const std::string path = dir + "/part.unislad";
    const int64 t0 = cv::getTickCount();
    models[0]->save(path);
    const double saveUs = 1e6 * (double)(cv::getTickCount() - t0) / cv::getTickFrequency();
    cv::RNG rng((uint64)cv::getTickCount());
    int current = 0, killed = 0;
    for (int round = 0; round < 12; ++round) {
        const int next = 1 - current, delayUs = rng.uniform(0, std::max(2, (int)(1.5 * saveUs)));
        SCOPED_TRACE(cv::format("round %d: kill after %d us, a save takes %.0f us", round, delayUs, saveUs));
        std::fflush(nullptr);
        const pid_t child = fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            try { models[next]->save(path); } catch (...) { _exit(2); }
            _exit(0);
        }
        std::this_thread::sleep_for(std::chrono::microseconds(delayUs));
        kill(child, SIGKILL);
        int status = 0;
        ASSERT_EQ(child, waitpid(child, &status, 0));
        const bool finished = WIFEXITED(status);
        if (finished)
            ASSERT_EQ(0, WEXITSTATUS(status));
        else
            ++killed;
        float score = 0;
        ASSERT_NO_THROW(score = UniSLAD::load(path)->predict(probe));
        const int found = score == scores[0] ? 0 : score == scores[1] ? 1 : -1;
        if (finished)
            EXPECT_EQ(next, found);
        else
            EXPECT_TRUE(found == current || found == next) << score;
        // Only a killed save may leave its temporary file (the documented pattern, with its pid).
        std::vector<String> files;
        cv::glob(dir + "/*", files, false);
        for (const String& f : files) {
            if (f == path)
                continue;
            EXPECT_FALSE(finished) << "a completed save left " << f;
            EXPECT_NE(std::string::npos, f.find(cv::format("part.unislad.tmp-%d-", (int)child))) << f;
            std::remove(f.c_str());
        }
        current = found >= 0 ? found : current;
    }
    std::cout << "[     INFO ] a save takes " << saveUs << " us; " << killed << " of 12 saves killed" << std::endl;
    ASSERT_EQ(0, std::system(("rm -rf '" + dir + "'").c_str()));
}
#endif

// ---- manifests OpenCV's YAML parser would hang on -------------------------------------------------

TEST(UniSLAD_YamlGuard, manifests_that_would_hang_or_exhaust_the_parser_are_refused)
{
    // Each of these made OpenCV 4.6's YAML parser loop forever (found by fuzz/fuzz_manifest); the
    // library's own reader (structured_text.hpp) refuses them with the file, line and column.
    const std::string path = cv::tempfile(".yml");
    std::ofstream(path) << "%YAML:1.0\n----Y:.\n-\n-";
    UNISLAD_EXPECT_THROW_MSG(BackboneManifest::read(path), path.c_str(), "line 2", "expected the line '---' after the '%YAML' line",
                             "found '----Y:.'");
    std::ofstream(path) << "%YAML:1.0\n---\nmodel: \"m.onnx\"\n  -- x\n";
    UNISLAD_EXPECT_THROW_MSG(BackboneManifest::read(path), path.c_str(), "line 4, column 3", "expected an indentation of 0 spaces");
    std::ofstream(path) << "%YAML:1.0\n---\n -%YAML:11.0\n\"- \n-\xdel";
    UNISLAD_EXPECT_THROW_MSG(BackboneManifest::read(path), path.c_str(), "line 3, column 2", "expected the top-level keys at column 1");
    {
        std::ofstream big(path);
        big << "%YAML:1.0\n---\n# " << std::string((size_t(1) << 20), 'x') << "\n";
    }
    UNISLAD_EXPECT_THROW_MSG(BackboneManifest::read(path), "expected at most 1048576 bytes");
    // Windows line ends and a JSON manifest are fine.
    std::ifstream in(unisladFixturePath("tiny_backbone.yml"));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.replace(text.find("\n---\n"), 5, "\r\n---\r\n");
    text.replace(text.find("model: \"tiny_backbone.onnx\""), 27, "model: \"" + unisladFixturePath("tiny_backbone.onnx") + "\"");
    std::ofstream(path) << text;
    EXPECT_EQ(3u, BackboneManifest::read(path).taps.size());
    std::remove(path.c_str());
}

// ---- fuzzer findings and seeds, replayed in the ordinary build -------------------------------------

#ifdef UNISLAD_SOURCE_DIR
std::vector<std::string> filesUnder(const std::string& dir)
{
    std::vector<std::string> files;
    std::vector<String> found;
    cv::glob(dir + "/*", found, false);
    for (const String& f : found)
        if (f.find("README") == String::npos)
            files.push_back(f);
    return files;
}

std::vector<uchar> bytesOf(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::vector<uchar>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(UniSLAD_FuzzRegressions, kept_inputs_end_in_success_or_a_cv_exception)
{
    // fuzz/regressions/<target>/: inputs found by scripts/fuzz.sh (fixed since) and hand-picked ones.
    // Fed as the fuzz targets do (with CRC checks on here, so most model inputs stop at a CRC).
    const std::string root = std::string(UNISLAD_SOURCE_DIR) + "/fuzz/regressions";
    int count = 0;
    for (const std::string& f : filesUnder(root + "/model_file")) {
        SCOPED_TRACE(f);
        const std::vector<uchar> b = bytesOf(f);
        try {
            const impl::ModelArchiveReader r = impl::ModelArchiveReader::parse(b, f);
            impl::loadModel(r, f);
        } catch (const cv::Exception&) {
        }
        ++count;
    }
    for (const std::string& f : filesUnder(root + "/manifest")) {
        SCOPED_TRACE(f);
        const std::vector<uchar> b = bytesOf(f);
        try {
            impl::parseManifest(std::string(b.begin(), b.end()), f);
        } catch (const cv::Exception&) {
        }
        ++count;
    }
    EXPECT_GE(count, 2) << "fuzz/regressions is empty";
}
#endif

}} // namespace
