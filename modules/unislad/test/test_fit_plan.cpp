// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// The calibration plan of fit() without calibration images (detector/fit_plan.hpp): one hold-out
// for many training images, every image held out once for few.
#include "test_precomp.hpp"
#include "detector/fit_plan.hpp"

namespace opencv_test { namespace {

using namespace cv::uniSLAD::detail;

TEST(UniSLAD_FitPlan, few_images_are_each_held_out_once)
{
    for (int n = kMinTrainingImages; n < kCrossCalibrationBelow; ++n)
        for (double fraction : { 0.2, 0.1, 0.5, 0.9 }) {
            SCOPED_TRACE(cv::format("n = %d, fraction = %g", n, fraction));
            const std::vector<HoldOut> folds = HoldOut::folds(n, fraction, 3);
            ASSERT_GE(folds.size(), 2u);
            std::vector<int> times(n, 0);
            for (const HoldOut& f : folds) {
                ASSERT_FALSE(f.heldOut.empty());
                EXPECT_GE((int)f.rest.size(), 3);
                EXPECT_EQ(n, (int)(f.heldOut.size() + f.rest.size()));
                EXPECT_TRUE(std::is_sorted(f.heldOut.begin(), f.heldOut.end()));
                EXPECT_TRUE(std::is_sorted(f.rest.begin(), f.rest.end()));
                for (int i : f.heldOut)
                    ++times[i];
                for (int i : f.rest)
                    EXPECT_FALSE(std::binary_search(f.heldOut.begin(), f.heldOut.end(), i));
            }
            EXPECT_EQ(std::vector<int>(n, 1), times);
        }
    // The default fraction 0.2: five folds, one image each at five images.
    EXPECT_EQ(5u, HoldOut::folds(5, 0.2, 0).size());
    EXPECT_EQ(5u, HoldOut::folds(30, 0.2, 0).size());
    EXPECT_EQ(4u, HoldOut::folds(4, 0.2, 0).size());
}

TEST(UniSLAD_FitPlan, many_images_keep_the_single_hold_out)
{
    for (int n : { kCrossCalibrationBelow, 60, 200 }) {
        const std::vector<HoldOut> folds = HoldOut::folds(n, 0.2, 5);
        ASSERT_EQ(1u, folds.size());
        const HoldOut one = HoldOut::split(n, 0.2, 5);
        EXPECT_EQ(one.heldOut, folds[0].heldOut);
        EXPECT_EQ(one.rest, folds[0].rest);
        EXPECT_EQ((int)std::lround(0.2 * n), (int)one.heldOut.size());
    }
}

TEST(UniSLAD_FitPlan, folds_follow_the_seed)
{
    const std::vector<HoldOut> a = HoldOut::folds(12, 0.2, 1), b = HoldOut::folds(12, 0.2, 1), c = HoldOut::folds(12, 0.2, 2);
    ASSERT_EQ(a.size(), b.size());
    bool differs = false;
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].heldOut, b[i].heldOut);
        differs = differs || a[i].heldOut != c[i].heldOut;
    }
    EXPECT_TRUE(differs);
}

}} // namespace opencv_test
