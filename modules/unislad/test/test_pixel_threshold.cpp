// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// The pixel threshold (UniSLAD::getPixelThreshold) on the tiny fixture backbone: its rule reproduced
// from the calibration images' anomaly maps as detect() gives them, quantile and std computed here; the
// save/load and FileStorage round trips; the fallbacks of model files saved before it; update() and the
// setter.
#include "test_precomp.hpp"
#include "detector/unislad_impl.hpp"
#include "scoring/score_fusion.hpp"

#include <opencv2/imgproc.hpp>

#include <cstdio>

namespace opencv_test { namespace {

using namespace cv::uniSLAD;
using cv::uniSLAD::detail::ModelState;
using cv::uniSLAD::detail::UniSLADImpl;

UniSLADImpl& impl(const Ptr<UniSLAD>& d)
{
    return *d.dynamicCast<UniSLADImpl>();
}

/** numpy's default quantile (linear between order statistics) and the sample std, written again here. */
double referenceRule(std::vector<double> peaks)
{
    std::sort(peaks.begin(), peaks.end());
    const double pos = 0.99 * (peaks.size() - 1);
    const size_t lo = (size_t)pos, hi = std::min(lo + 1, peaks.size() - 1);
    const double q = peaks[lo] + (pos - lo) * (peaks[hi] - peaks[lo]);
    double mean = 0, ss = 0;
    for (double p : peaks) mean += p;
    mean /= peaks.size();
    for (double p : peaks) ss += (p - mean) * (p - mean);
    return q + 0.5 * std::sqrt(ss / (peaks.size() - 1));
}

/** A detector fitted with given calibration images, and those images' peaks as detect() maps them. */
struct Fitted
{
    Ptr<UniSLAD> detector;
    std::vector<Mat> calibration;
    std::vector<double> peaks;
};

Fitted fitWithCalibration(const Params& p)
{
    Fitted f;
    f.detector = UniSLAD::create(p);
    f.calibration = tinySampleImages(7, false, 43);
    // One calibration image of another size: each is mapped at its own size.
    cv::resize(f.calibration[3], f.calibration[3], Size(96, 72));
    f.detector->fit(tinySampleImages(8, false, 41), f.calibration);
    for (const Mat& img : f.calibration) {
        const Result r = f.detector->detect(img);
        double peak = 0;
        cv::minMaxLoc(r.anomalyMap, nullptr, &peak);
        f.peaks.push_back(peak);
    }
    return f;
}

TEST(UniSLAD_PixelThreshold, the_rule_from_the_calibration_images_maps)
{
    const Fitted f = fitWithCalibration(tinyDetectorParams());
    const float t = f.detector->getPixelThreshold();
    EXPECT_NEAR(referenceRule(f.peaks), t, 1e-5 * std::max(1.0, std::abs((double)t)));
    EXPECT_NE(f.detector->getThreshold(), t) << "a threshold of its own, not the score's";
    // Result carries it, and no calibration image has a pixel above it (the rule's quantile is near the
    // largest peak, and the margin is positive).
    for (const Mat& img : f.calibration) {
        const Result r = f.detector->detect(img);
        EXPECT_EQ(t, r.pixelThreshold);
        EXPECT_EQ(0, cv::countNonZero(r.anomalyMap > t));
    }
    // The bright spots of anomalous images do exceed it.
    int flagged = 0;
    for (const Mat& img : tinySampleImages(6, true, 44))
        flagged += cv::countNonZero(f.detector->detect(img).anomalyMap > t) > 0;
    EXPECT_GT(flagged, 0);

    // Without calibration images, the held-out training images are the calibration images.
    Ptr<UniSLAD> cross = UniSLAD::create(tinyDetectorParams());
    cross->fit(tinySampleImages(8, false, 45));
    EXPECT_TRUE(std::isfinite(cross->getPixelThreshold()));
    EXPECT_EQ(8u, impl(cross).calibrationScores().size());
}

TEST(UniSLAD_PixelThreshold, saved_loaded_and_through_FileStorage)
{
    Ptr<UniSLAD> d = UniSLAD::create(tinyDetectorParams());
    d->fit(tinySampleImages(8, false, 51));
    d->setPixelThreshold(1.5f);
    const std::string path = cv::tempfile(".unislad");
    d->save(path);
    Ptr<UniSLAD> loaded = UniSLAD::load(path);
    std::remove(path.c_str());
    EXPECT_EQ(1.5f, loaded->getPixelThreshold());
    EXPECT_EQ(1.5f, loaded->detect(tinySampleImages(1, false, 52)[0]).pixelThreshold);

    FileStorage out(".yml", FileStorage::WRITE | FileStorage::MEMORY);
    out << "model" << "{";
    d->write(out);
    out << "}";
    FileStorage in(out.releaseAndGetString(), FileStorage::READ | FileStorage::MEMORY);
    Ptr<UniSLAD> read = UniSLAD::create(tinyDetectorParams());
    read->read(in["model"]);
    EXPECT_EQ(1.5f, read->getPixelThreshold());
}

ModelState without(ModelState s, const std::vector<std::string>& names)
{
    for (const std::string& n : names)
        s.tensors.erase(std::remove_if(s.tensors.begin(), s.tensors.end(),
                                       [&](const std::pair<String, Mat>& t) { return t.first == n; }),
                        s.tensors.end());
    return s;
}

TEST(UniSLAD_PixelThreshold, model_files_saved_before_it)
{
    const Fitted f = fitWithCalibration(tinyDetectorParams());
    const UniSLADImpl& fitted = impl(f.detector);
    const ModelState state = fitted.exportState();
    ASSERT_NE(state.tensors.end(), std::find_if(state.tensors.begin(), state.tensors.end(), [](const std::pair<String, Mat>& t) {
        return t.first == "pixel_threshold";
    }));

    // Without the tensor but with the calibration scores and sizes: the rule again, the value fit() gave.
    UniSLADImpl noTensor(tinyDetectorParams());
    noTensor.importState(without(state, { "pixel_threshold" }), "test");
    EXPECT_EQ(f.detector->getPixelThreshold(), noTensor.getPixelThreshold());

    // Without the sizes either: the rule on each image's largest cell of its fused patch map (the bound
    // of its map's peak at any size), so a threshold at least as high.
    UniSLADImpl noSizes(tinyDetectorParams());
    noSizes.importState(without(state, { "pixel_threshold", "calibration_sizes" }), "test");
    const Params p = f.detector->getParams();
    cv::uniSLAD::detail::FusionWeights weights;
    weights.w = p.w;
    weights.wI = p.wI;
    weights.wIG = p.wIG;
    std::vector<double> cells;
    for (const cv::uniSLAD::detail::ComponentScores& c : fitted.calibrationScores())
        cells.push_back(cv::uniSLAD::detail::maxInside(
            cv::uniSLAD::detail::fuseScores(c, weights, &fitted.calibrationStats()).patchMap));
    EXPECT_NEAR(referenceRule(cells), noSizes.getPixelThreshold(), 1e-5 * std::max(1.0, std::abs(referenceRule(cells))));
    EXPECT_GE(noSizes.getPixelThreshold(), f.detector->getPixelThreshold());

    // Without the calibration scores (saved before update() existed): the normal approximation
    // mean + (2.326 + 0.5) · std of those largest cells (the calibration keeps their mean and std).
    UniSLADImpl old(tinyDetectorParams());
    old.importState(without(state, { "pixel_threshold", "calibration_scores", "calibration_patch_local",
                                     "calibration_patch_global", "calibration_sizes" }), "test");
    double mean = 0, ss = 0;
    for (double c : cells) mean += c;
    mean /= cells.size();
    for (double c : cells) ss += (c - mean) * (c - mean);
    const double expected = mean + 2.826 * std::sqrt(ss / (cells.size() - 1));
    EXPECT_NEAR(expected, old.getPixelThreshold(), 1e-4 * std::max(1.0, std::abs(expected)));

    // Damaged tensors are refused, named.
    ModelState bad = without(state, { "pixel_threshold" });
    bad.tensors.push_back({ "pixel_threshold", Mat(1, 1, CV_32F, Scalar(std::numeric_limits<float>::quiet_NaN())) });
    UniSLADImpl refused(tinyDetectorParams());
    UNISLAD_EXPECT_THROW_MSG(refused.importState(bad, "test"), "pixel_threshold");
    ModelState badSizes = without(state, { "calibration_sizes" });
    badSizes.tensors.push_back({ "calibration_sizes", Mat(2, 2, CV_32S, Scalar(4)) });
    UNISLAD_EXPECT_THROW_MSG(refused.importState(badSizes, "test"), "calibration_sizes");
    for (const auto& t : state.tensors)
        if (t.first == "calibration_sizes") {
            ModelState halfEmpty = without(state, { "calibration_sizes" });
            Mat sizes = t.second.clone();
            sizes.at<int>(0, 0) = 0;   // 0 x 48
            halfEmpty.tensors.push_back({ "calibration_sizes", sizes });
            UNISLAD_EXPECT_THROW_MSG(refused.importState(halfEmpty, "test"), "calibration_sizes", "row 0");
        }
}

TEST(UniSLAD_PixelThreshold, update_recomputes_it_and_the_setter_checks)
{
    Ptr<UniSLAD> d = UniSLAD::create(tinyDetectorParams());
    d->fit(tinySampleImages(8, false, 61));
    const float fitted = d->getPixelThreshold();
    EXPECT_TRUE(std::isfinite(fitted));
    d->setPixelThreshold(-7.f);
    EXPECT_EQ(-7.f, d->getPixelThreshold());
    d->update(tinySampleImages(4, false, 62));
    // The rule on all the calibration scores (the added images' among them): what a model that lacks
    // the tensor computes from the same scores.
    EXPECT_NE(-7.f, d->getPixelThreshold());
    UniSLADImpl again(tinyDetectorParams());
    again.importState(without(impl(d).exportState(), { "pixel_threshold" }), "test");
    EXPECT_EQ(again.getPixelThreshold(), d->getPixelThreshold());
    EXPECT_NE(fitted, d->getPixelThreshold());

    UNISLAD_EXPECT_THROW_MSG(d->setPixelThreshold(std::numeric_limits<float>::quiet_NaN()), "setPixelThreshold", "finite");
    UNISLAD_EXPECT_THROW_MSG(d->setPixelThreshold(std::numeric_limits<float>::infinity()), "setPixelThreshold");
}

}} // namespace
