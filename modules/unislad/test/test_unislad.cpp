// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// The detector end to end on the tiny fixture backbone (16 x 16 input): fit, scores, maps,
// persistence, determinism, threads, errors. Accuracy on realistic data is measured on the synthetic
// MVTec LOCO style sets (tests/detector, BENCHMARKS.md).
#include "test_precomp.hpp"
#include "detector/unislad_impl.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <thread>

namespace opencv_test { namespace {

using namespace cv::uniSLAD;

std::vector<uchar> fileBytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::vector<uchar>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class UniSLAD_Detector : public ::testing::Test
{
protected:
    static void SetUpTestCase()
    {
        detector = UniSLAD::create(tinyDetectorParams());
        detector->fit(tinySampleImages(24, false, 1));
    }
    static void TearDownTestCase() { detector.release(); }
    static Ptr<UniSLAD> detector;
};
Ptr<UniSLAD> UniSLAD_Detector::detector;

TEST_F(UniSLAD_Detector, detect_gives_map_components_and_separates)
{
    ASSERT_FALSE(detector->empty());
    const std::vector<Mat> good = tinySampleImages(12, false, 2), bad = tinySampleImages(12, true, 3);
    std::vector<float> scores;
    std::vector<int> labels;
    for (int k = 0; k < 2; ++k)
        for (const Mat& img : k ? bad : good) {
            const Result r = detector->detect(img);
            ASSERT_EQ(CV_32F, r.anomalyMap.type());
            ASSERT_EQ(img.size(), r.anomalyMap.size());
            EXPECT_TRUE(std::isfinite(r.score));
            EXPECT_GE(r.classWeight, 0.f);
            EXPECT_LE(r.classWeight, 1.f);
            EXPECT_GT(r.patchLocal, 0.f);
            EXPECT_GT(r.imageLocal, 0.f);
            EXPECT_EQ(r.score > r.threshold, r.isAnomaly);
            EXPECT_FLOAT_EQ(r.score, detector->predict(img));
            scores.push_back(r.score);
            labels.push_back(k);
        }
    EXPECT_GE(metrics::imageAUROC(scores, labels), 0.9);
}

TEST_F(UniSLAD_Detector, anomaly_map_peaks_at_the_defect)
{
    Mat img = tinySampleImages(1, false, 5)[0];
    circle(img, Point(38, 10), 5, Scalar(255, 255, 255), -1);
    const Result r = detector->detect(img);
    Point peak;
    minMaxLoc(r.anomalyMap, nullptr, nullptr, nullptr, &peak);
    EXPECT_LE(cv::norm(peak - Point(38, 10)), 12.0) << peak;
}

TEST_F(UniSLAD_Detector, batch_equals_single_and_threads_equal_serial)
{
    const std::vector<Mat> imgs = tinySampleImages(6, true, 7);
    const std::vector<float> batch = detector->predictBatch(imgs);
    std::vector<float> serial;
    for (const Mat& m : imgs)
        serial.push_back(detector->predict(m));
    EXPECT_EQ(serial, batch);
    std::vector<std::vector<float>> threaded(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (const Mat& m : imgs)
                threaded[t].push_back(detector->predict(m));
        });
    for (std::thread& t : threads)
        t.join();
    for (int t = 0; t < 4; ++t)
        EXPECT_EQ(serial, threaded[t]) << t;
}

TEST_F(UniSLAD_Detector, save_load_round_trip_is_bitwise)
{
    const std::string path = cv::tempfile(".unislad");
    detector->save(path);
    Ptr<UniSLAD> loaded = UniSLAD::load(path);
    const std::vector<Mat> imgs = tinySampleImages(5, true, 9);
    EXPECT_EQ(detector->predictBatch(imgs), loaded->predictBatch(imgs));
    EXPECT_EQ(detector->getThreshold(), loaded->getThreshold());
    const Result a = detector->detect(imgs[0]), b = loaded->detect(imgs[0]);
    EXPECT_EQ(0, cv::norm(a.anomalyMap, b.anomalyMap, NORM_INF));
    // Saved again, the loaded model writes the same bytes.
    const std::string again = cv::tempfile(".unislad");
    loaded->save(again);
    EXPECT_EQ(fileBytes(path), fileBytes(again));
    std::remove(path.c_str());
    std::remove(again.c_str());
}

TEST_F(UniSLAD_Detector, load_overrides_the_backend)
{
    const std::string path = cv::tempfile(".unislad");
    detector->save(path);
    // CUDA falls back to the CPU when this OpenCV has no CUDA backend: the scores stay those of the CPU.
    Ptr<UniSLAD> cuda = UniSLAD::load(path, COMPUTE_CUDA), cpu = UniSLAD::load(path, COMPUTE_CPU);
    EXPECT_EQ(COMPUTE_CUDA, cuda->getParams().backend);
    EXPECT_EQ(COMPUTE_CPU, cpu->getParams().backend);
    EXPECT_EQ(detector->getParams().backend, UniSLAD::load(path)->getParams().backend);
    const std::vector<Mat> imgs = tinySampleImages(2, true, 10);
    EXPECT_EQ(detector->predictBatch(imgs), cpu->predictBatch(imgs));
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::load(path, 7), "UniSLAD::load", "backend", "found 7");
    std::remove(path.c_str());
}

TEST_F(UniSLAD_Detector, corrupt_model_files_raise_clear_errors)
{
    const std::string path = cv::tempfile(".unislad");
    detector->save(path);
    const std::vector<uchar> good = fileBytes(path);
    auto write = [&](const std::vector<uchar>& bytes) {
        std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(bytes.data()),
                                                                      (std::streamsize)bytes.size());
    };
    // Truncated at a spread of points, including inside the header.
    for (size_t cut : { (size_t)0, (size_t)7, (size_t)20, good.size() / 3, good.size() / 2, good.size() - 1 }) {
        SCOPED_TRACE(cut);
        write(std::vector<uchar>(good.begin(), good.begin() + cut));
        UNISLAD_EXPECT_THROW_MSG(UniSLAD::load(path), path.c_str());
    }
    // One flipped byte in the middle of the tensors: a CRC mismatch.
    std::vector<uchar> flipped = good;
    flipped[good.size() / 2] ^= 0x40;
    write(flipped);
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::load(path), path.c_str());
    // A foreign file.
    write(std::vector<uchar>{ 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0 });
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::load(path), path.c_str());
    std::remove(path.c_str());
}

TEST_F(UniSLAD_Detector, algorithm_filestorage_round_trip)
{
    const std::string path = cv::tempfile(".yml.gz");
    detector->cv::Algorithm::save(path);
    Ptr<UniSLAD> loaded = Algorithm::load<UniSLAD>(path);
    ASSERT_FALSE(loaded.empty());
    const std::vector<Mat> imgs = tinySampleImages(3, false, 11);
    EXPECT_EQ(detector->predictBatch(imgs), loaded->predictBatch(imgs));
    std::remove(path.c_str());
}

TEST_F(UniSLAD_Detector, threshold_is_settable)
{
    Ptr<UniSLAD> copy = UniSLAD::create(tinyDetectorParams());
    const std::string path = cv::tempfile(".unislad");
    detector->save(path);
    copy = UniSLAD::load(path);
    std::remove(path.c_str());
    const Mat img = tinySampleImages(1, false, 12)[0];
    copy->setThreshold(-1e9f);
    EXPECT_TRUE(copy->detect(img).isAnomaly);
    copy->setThreshold(1e9f);
    EXPECT_FALSE(copy->detect(img).isAnomaly);
    UNISLAD_EXPECT_THROW_MSG(copy->setThreshold(std::numeric_limits<float>::quiet_NaN()), "threshold", "finite");
}

TEST(UniSLAD_DetectorFit, same_seed_gives_identical_model_files)
{
    const std::vector<Mat> train = tinySampleImages(10, false, 21);
    std::vector<std::string> paths;
    for (int run = 0; run < 2; ++run) {
        Ptr<UniSLAD> d = UniSLAD::create(tinyDetectorParams());
        d->fit(train);
        paths.push_back(cv::tempfile(".unislad"));
        d->save(paths.back());
    }
    EXPECT_EQ(fileBytes(paths[0]), fileBytes(paths[1]));
    for (const std::string& p : paths)
        std::remove(p.c_str());
}

// The global and class banks are seeded with the following seed: at INT_MAX it wraps (a signed overflow
// before, found by fuzz_model_file under UBSan), and the fit is as deterministic as any other.
TEST(UniSLAD_DetectorFit, the_largest_seed_fits)
{
    const std::vector<Mat> train = tinySampleImages(10, false, 21);
    Params p = tinyDetectorParams();
    p.seed = std::numeric_limits<int>::max();
    std::vector<float> scores;
    for (int run = 0; run < 2; ++run) {
        Ptr<UniSLAD> d = UniSLAD::create(p);
        d->fit(train);
        const Result r = d->detect(train[0]);
        EXPECT_TRUE(std::isfinite(r.score));
        scores.push_back(r.score);
    }
    EXPECT_EQ(scores[0], scores[1]);
}

// Without calibration images every fold's model goes through the bank stages too; the progress shows those
// models as one stage, counted per fold, and the bank stages once, for the final model.
TEST(UniSLAD_DetectorFit, hold_out_progress_shows_the_bank_stages_once)
{
    const std::vector<Mat> train = tinySampleImages(10, false, 31), cal = tinySampleImages(4, false, 32);
    struct Step { std::string stage; int done, total; };
    const auto run = [&](bool given) {
        std::vector<Step> steps;
        Ptr<UniSLAD> d = UniSLAD::create(tinyDetectorParams());
        d->fit(train, given ? cal : std::vector<Mat>(), [&](const String& stage, int done, int total) {
            steps.push_back({ stage, done, total });
        });
        return steps;
    };
    const auto runs = [](const std::vector<Step>& steps) {
        std::vector<std::string> r;
        for (const Step& s : steps)
            if (r.empty() || r.back() != s.stage)
                r.push_back(s.stage);
        return r;
    };
    const std::vector<Step> holdOut = run(false), given = run(true);
    // 10 images, calibrationFraction 0.2: below 50 images each is held out once, over round(1 / 0.2) folds.
    std::vector<int> folds;
    for (const Step& s : holdOut)
        if (s.stage == "calibration models") {
            EXPECT_EQ(5, s.total);
            folds.push_back(s.done);
        }
    EXPECT_EQ(std::vector<int>({ 0, 1, 2, 3, 4, 5 }), folds);
    std::vector<std::string> expected = runs(given);
    // The same stages as with calibration images, but the hold-out models in place of scoring the given ones.
    expected.erase(std::find(expected.begin(), expected.end(), std::string("calibration")));
    expected.insert(expected.begin() + 1, "calibration models");
    EXPECT_EQ(expected, runs(holdOut));
    EXPECT_NE(expected.end(), std::find(expected.begin(), expected.end(), std::string("distributions")));
}

TEST(UniSLAD_DetectorFit, calibration_images_progress_raw_mode_and_ablations)
{
    const std::vector<Mat> train = tinySampleImages(10, false, 31), cal = tinySampleImages(4, false, 32);
    std::vector<std::string> stages;
    Ptr<UniSLAD> d = UniSLAD::create(tinyDetectorParams());
    d->fit(train, cal, [&](const String& stage, int, int) {
        if (stages.empty() || stages.back() != stage)
            stages.push_back(stage);
    });
    EXPECT_EQ("features", stages.front());
    EXPECT_EQ("done", stages.back());
    // Every ablation of Table III fits and scores.
    struct Ablation { const char* name; bool Params::*field; };
    const Ablation ablations[] = { { "RFE", &Params::useLocal }, { "VFE", &Params::useGlobal },
                                   { "MT", &Params::useMahalanobis }, { "PMB", &Params::usePatchBank },
                                   { "IDM", &Params::useImageDistribution } };
    for (const Ablation& a : ablations) {
        SCOPED_TRACE(a.name);
        Params p = tinyDetectorParams();
        p.*(a.field) = false;
        p.fusion = FUSION_RAW;
        Ptr<UniSLAD> ab = UniSLAD::create(p);
        ab->fit(train, cal);
        const Result r = ab->detect(cal[0]);
        EXPECT_TRUE(std::isfinite(r.score));
        EXPECT_EQ(cal[0].size(), r.anomalyMap.size());
    }
}

TEST(UniSLAD_DetectorFit, few_training_images_give_finite_scores_and_threshold)
{
    // Without calibration images, 4 to 12 training images are cross-calibrated (every image held out
    // once): the threshold and the scores stay on the calibrated scale, not at 1e22 as a single
    // held-out image made them.
    const std::vector<Mat> good = tinySampleImages(8, false, 21), bad = tinySampleImages(8, true, 22);
    for (int n : { 4, 5, 6, 8, 12 }) {
        SCOPED_TRACE(n);
        Ptr<UniSLAD> d = UniSLAD::create(tinyDetectorParams());
        d->fit(tinySampleImages(n, false, 20));
        const float t = d->getThreshold();
        EXPECT_TRUE(std::isfinite(t));
        EXPECT_LT(std::abs(t), 50.f);
        double meanGood = 0, meanBad = 0;
        for (int k = 0; k < 2; ++k)
            for (const Mat& img : k ? bad : good) {
                const float s = d->predict(img);
                ASSERT_TRUE(std::isfinite(s));
                EXPECT_LT(std::abs(s), 1e3f);
                (k ? meanBad : meanGood) += s / 8.0;
            }
        EXPECT_GT(meanBad, meanGood);
    }
}

TEST(UniSLAD_DetectorFit, copies_of_one_calibration_image_are_refused)
{
    // No spread to standardise by: refused with a message that says why, and the detector keeps its
    // previous state.
    const Mat one = tinySampleImages(1, false, 30)[0];
    Ptr<UniSLAD> d = UniSLAD::create(tinyDetectorParams());
    UNISLAD_EXPECT_THROW_MSG(d->fit(tinySampleImages(8, false, 31), std::vector<Mat>{ one, one.clone(), one.clone() }),
                             "3 calibration scores", "all alike", "copies of one image");
    EXPECT_TRUE(d->empty());
}

TEST(UniSLAD_DetectorFit, errors)
{
    Ptr<UniSLAD> d = UniSLAD::create(tinyDetectorParams());
    EXPECT_TRUE(d->empty());
    UNISLAD_EXPECT_THROW_MSG(d->predict(tinySampleImages(1, false, 1)[0]), "not fitted");
    UNISLAD_EXPECT_THROW_MSG(d->save(cv::tempfile(".unislad")), "not fitted");
    UNISLAD_EXPECT_THROW_MSG(d->fit(std::vector<Mat>{}), "images", "at least one image");
    UNISLAD_EXPECT_THROW_MSG(d->fit(tinySampleImages(3, false, 1)), "at least 4 nominal images", "found 3");
    UNISLAD_EXPECT_THROW_MSG(d->fit(tinySampleImages(8, false, 1), tinySampleImages(2, false, 2)), "calibrationImages",
                             "at least 3 nominal images", "found 2");
    std::vector<Mat> withBad = tinySampleImages(4, false, 1);
    withBad[2] = Mat(4, 4, CV_8UC3, Scalar::all(0));
    UNISLAD_EXPECT_THROW_MSG(d->fit(withBad), "images[2]", "at least 8x8");
    Params p = tinyDetectorParams();
    p.localCoresetRatio = 0;
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::create(p), "params.localCoresetRatio", "(0, 1]", "found 0");
    p = tinyDetectorParams();
    p.useLocal = p.useGlobal = false;
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::create(p), "at least one branch");
    p = tinyDetectorParams();
    p.fusion = 5;
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::create(p), "params.fusion", "found 5");
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::load("/nonexistent/model.unislad"), "/nonexistent/model.unislad");
}

TEST(UniSLAD_DetectorFit, load_checks_the_backbone)
{
    // A model fitted with a copy of the fixture backbone, whose manifest is then changed or removed.
    const std::string dir = cv::tempfile("");
    ASSERT_EQ(0, std::system(("mkdir -p '" + dir + "' && cp '" + unisladFixturePath("tiny_backbone.onnx") + "' '" +
                              unisladFixturePath("tiny_backbone.yml") + "' '" + dir + "/'").c_str()));
    Params p = tinyDetectorParams();
    p.localManifest = dir + "/tiny_backbone.yml";
    p.embedBackbones = false;   // a referencing model (an embedding one: test_model_backbones.cpp)
    Ptr<UniSLAD> d = UniSLAD::create(p);
    d->fit(tinySampleImages(6, false, 41));
    const std::string model = dir + "/model.unislad";
    d->save(model);
    EXPECT_NO_THROW(UniSLAD::load(model));
    // Another ONNX file under the same manifest: the manifest's hash no longer matches the model's.
    std::ifstream in(dir + "/tiny_backbone.yml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t at = text.find("sha256: \"") + 9;
    text[at] = text[at] == '0' ? '1' : '0';
    std::ofstream(dir + "/tiny_backbone.yml") << text;
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::load(model), model.c_str(), "SHA-256", "fitted with");
    std::remove((dir + "/tiny_backbone.yml").c_str());
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::load(model), "tiny_backbone.yml", "not found");
    ASSERT_EQ(0, std::system(("rm -rf '" + dir + "'").c_str()));
}

}} // namespace
