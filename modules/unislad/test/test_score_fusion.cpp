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

}} // namespace
