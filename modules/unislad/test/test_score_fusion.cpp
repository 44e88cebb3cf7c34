// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "test_precomp.hpp"
#include "scoring/score_fusion.hpp"

namespace opencv_test { namespace {

using namespace cv::uniSLAD::detail;

ComponentScores example()
{
    ComponentScores c;
    c.patchLocal = (Mat_<float>(2, 2) << 1, 2, 3, 4);
    c.patchGlobal = (Mat_<float>(1, 1) << 10);  // one cell: upsampled to 10 everywhere
    c.classWeight = 0.25f;
    c.imageLocal = 5;
    c.imageGlobal = 7;
    c.imageClass = 9;
    return c;
}

TEST(UniSLAD_ScoreFusion, raw_mode_is_the_papers_equations)
{
    FusionWeights w;
    w.w = 0.5; w.wI = 0.2; w.wIG = 0.3;
    const FusedScores f = fuseScores(example(), w, nullptr);
    // Eq. 18 per location: 0.75 * 10 + 0.25 * S_p^l; the max is at S_p^l = 4.
    ASSERT_EQ(Size(2, 2), f.patchMap.size());
    EXPECT_FLOAT_EQ(0.75f * 10 + 0.25f * 1, f.patchMap.at<float>(0, 0));
    EXPECT_DOUBLE_EQ(0.75 * 10 + 0.25 * 4, f.patchScore);
    // S_i^g = 0.7 * 7 + 0.3 * 9; S_i = 0.8 * 5 + 0.2 * S_i^g (Eq. 20).
    const double sig = 0.7 * 7 + 0.3 * 9, si = 0.8 * 5 + 0.2 * sig;
    EXPECT_NEAR(si, f.imageScore, 1e-12);
    // Eq. 21.
    EXPECT_NEAR(0.5 * si + 0.5 * f.patchScore, f.score, 1e-12);
}

TEST(UniSLAD_ScoreFusion, ablations_drop_components)
{
    FusionWeights w;
    ComponentScores c = example();
    c.patchGlobal.release();   // no global branch: S_p = S_p^l, S_i = S_i^l
    c.classWeight = std::numeric_limits<float>::quiet_NaN();
    c.imageGlobal = c.imageClass = std::numeric_limits<float>::quiet_NaN();
    FusedScores f = fuseScores(c, w, nullptr);
    EXPECT_DOUBLE_EQ(4, f.patchScore);
    EXPECT_DOUBLE_EQ(5, f.imageScore);
    EXPECT_DOUBLE_EQ(0.5 * 5 + 0.5 * 4, f.score);
    c = example();
    c.imageLocal = c.imageGlobal = c.imageClass = std::numeric_limits<float>::quiet_NaN();  // no IDM: S = max S_p
    f = fuseScores(c, w, nullptr);
    EXPECT_FALSE(f.hasImage);
    EXPECT_DOUBLE_EQ(f.patchScore, f.score);
}

TEST(UniSLAD_ScoreFusion, calibrated_mode_standardises_components_and_levels)
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

TEST(UniSLAD_ScoreFusion, constant_scores_do_not_divide_by_zero)
{
    const ScoreStats s = ScoreStats::of({ 2.0, 2.0, 2.0 });
    EXPECT_GT(s.std, 0);
    EXPECT_TRUE(std::isfinite(s.standardize(3.0)));
}

}} // namespace
