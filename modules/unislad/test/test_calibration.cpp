// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// Calibration on nominal scores (scoring/calibration.hpp): the statistics of FUSION_CALIBRATED and
// the decision threshold rule, against closed forms.
#include "test_precomp.hpp"
#include "scoring/calibration.hpp"
#include "scoring/score_fusion.hpp"

namespace opencv_test { namespace {

using namespace cv::uniSLAD::detail;

TEST(UniSLAD_Calibration, calibrated_mode_standardises_components_and_levels)
{
    // Nominal components: every component has mean m and std s by construction.
    std::vector<ComponentScores> nominal;
    RNG rng(1);
    for (int i = 0; i < 50; ++i) {
        ComponentScores c;
        c.patchLocal.create(3, 3, CV_32F);
        rng.fill(c.patchLocal, RNG::NORMAL, 100, 10);
        c.patchGlobal.create(3, 3, CV_32F);
        rng.fill(c.patchGlobal, RNG::NORMAL, 1, 0.1);
        c.classWeight = 0.5f;
        c.imageLocal = (float)rng.gaussian(3) + 1000;
        c.imageGlobal = (float)rng.gaussian(0.01) + 2;
        c.imageClass = (float)rng.gaussian(1) + 50;
        nominal.push_back(c);
    }
    FusionWeights w;
    const CalibrationStats s = calibrate(nominal, w);
    EXPECT_NEAR(100, s.patchLocal.mean, 1.0);
    EXPECT_NEAR(10, s.patchLocal.std, 1.0);
    EXPECT_NEAR(1000, s.imageLocal.mean, 1.5);
    // After calibration the nominal level scores are standardised: mean 0, std 1 exactly.
    std::vector<double> patch, image;
    for (const ComponentScores& c : nominal) {
        const FusedScores f = fuseScores(c, w, &s);
        patch.push_back(f.patchScore);
        image.push_back(f.imageScore);
    }
    const ScoreStats ps = ScoreStats::of(patch), is = ScoreStats::of(image);
    EXPECT_NEAR(0, ps.mean, 1e-9);
    EXPECT_NEAR(1, ps.std, 1e-9);
    EXPECT_NEAR(0, is.mean, 1e-9);
    EXPECT_NEAR(1, is.std, 1e-9);
    // A component far off its nominal scale moves the score by its standardised amount.
    ComponentScores odd = nominal[0];
    odd.imageGlobal += 0.1f;  // ten nominal standard deviations of a tiny-scale component
    EXPECT_GT(fuseScores(odd, w, &s).imageScore - fuseScores(nominal[0], w, &s).imageScore, 0.5);
    // Round trip of the statistics.
    const CalibrationStats back = CalibrationStats::fromMat(s.toMat());
    EXPECT_EQ(0, cv::norm(back.toMat(), s.toMat(), NORM_INF));
    Mat bad = s.toMat();
    bad.at<double>(3, 1) = 0;
    UNISLAD_EXPECT_THROW_MSG(CalibrationStats::fromMat(bad), "row 3", "positive std");
}

TEST(UniSLAD_Calibration, constant_scores_do_not_divide_by_zero)
{
    const ScoreStats s = ScoreStats::of({ 2.0, 2.0, 2.0 });
    EXPECT_GT(s.std, 0);
    EXPECT_TRUE(std::isfinite(s.standardize(3.0)));
}

TEST(UniSLAD_Calibration, scores_that_hardly_vary_get_the_spread_floor)
{
    // Three nearly equal calibration images: the floors keep the standardised score of an image
    // 10 % off the mean at 10 / (100 · kComponentSpreadFloor) = 20 instead of ~1e5.
    std::vector<ComponentScores> nominal;
    for (int i = 0; i < 3; ++i) {
        ComponentScores c;
        c.patchLocal = (Mat_<float>(2, 2) << 40, 41, 39, 40 + 1e-3f * i);
        c.patchGlobal = (Mat_<float>(2, 2) << 10, 11, 9, 10);
        c.classWeight = 0.5f;
        c.imageLocal = 20 + 1e-4f * i;
        c.imageGlobal = 8 + 1e-5f * i;
        c.imageClass = 30 + 1e-4f * i;
        nominal.push_back(c);
    }
    FusionWeights w;
    const CalibrationStats s = calibrate(nominal, w);
    EXPECT_NEAR(std::sqrt(6.0 / 11), s.patchLocal.std, 1e-3);   // {40, 41, 39, 40} three times: above the floor
    EXPECT_DOUBLE_EQ(kComponentSpreadFloor * std::abs(s.imageClass.mean), s.imageClass.std);
    EXPECT_DOUBLE_EQ(kComponentSpreadFloor * std::abs(s.imageGlobal.mean), s.imageGlobal.std);
    EXPECT_NEAR(20.0, s.imageClass.standardize(1.1 * s.imageClass.mean), 1e-6);
    EXPECT_GE(s.imageLevel.std, kLevelSpreadFloor);
    // Scores with no spread at all: copies of one image, refused.
    std::vector<ComponentScores> copies(3, nominal[0]);
    UNISLAD_EXPECT_THROW_MSG(calibrate(copies, w), "3 calibration scores", "all alike", "copies of one image");
}

TEST(UniSLAD_Calibration, quantile_interpolates_like_numpy)
{
    // numpy.quantile([3, 1, 2, 5, 4], p) with the default linear interpolation.
    const std::vector<double> v = { 3, 1, 2, 5, 4 };
    EXPECT_EQ(1.0, quantile(v, 0.0));
    EXPECT_EQ(5.0, quantile(v, 1.0));
    EXPECT_EQ(3.0, quantile(v, 0.5));
    EXPECT_NEAR(4.96, quantile(v, 0.99), 1e-12);
    EXPECT_NEAR(1.4, quantile(v, 0.1), 1e-12);
    EXPECT_EQ(7.0, quantile({ 7.0 }, 0.3));
}

TEST(UniSLAD_Calibration, threshold_is_quantile_plus_margin_times_std)
{
    const std::vector<double> v = { 3, 1, 2, 5, 4 };
    // Sample standard deviation (n - 1) of 1..5: sqrt(2.5).
    EXPECT_NEAR(4.96 + 0.5 * std::sqrt(2.5), decisionThreshold(v, 0.99, 0.5), 1e-12);
    EXPECT_NEAR(3.0, decisionThreshold(v, 0.5, 0.0), 1e-12);
    // One score: no spread to add, the threshold is that score.
    EXPECT_EQ(2.5, decisionThreshold({ 2.5 }, 0.99, 10.0));
}

}} // namespace
