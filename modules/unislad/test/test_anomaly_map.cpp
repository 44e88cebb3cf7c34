// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// The anomaly map (scoring/anomaly_map.hpp): the fused patch map at the input's size, blurred.
#include "test_precomp.hpp"
#include "scoring/anomaly_map.hpp"
#include "scoring/component_scores.hpp"

namespace opencv_test { namespace {

using namespace cv::uniSLAD::detail;

TEST(UniSLAD_AnomalyMap, constant_patch_map_gives_a_constant_map)
{
    Mat map;
    anomalyMap(Mat(4, 4, CV_32F, Scalar(2.5)), 0.0, Size(40, 30), 4.0, map);
    ASSERT_EQ(CV_32F, map.type());
    ASSERT_EQ(Size(40, 30), map.size());
    double lo = 0, hi = 0;
    minMaxLoc(map, &lo, &hi);
    EXPECT_NEAR(2.5, lo, 1e-6);
    EXPECT_NEAR(2.5, hi, 1e-6);
}

TEST(UniSLAD_AnomalyMap, without_blur_it_interpolates_bilinearly_between_cell_centres)
{
    // Two cells side by side on a 2 x 1 grid, brought to 8 x 1: the cells' centres lie at x = 1.5 and
    // 5.5, so pixel x (centre x + 0.5) between them takes the straight line between 0 and 4.
    Mat patch = (Mat_<float>(1, 2) << 0.f, 4.f), map;
    anomalyMap(patch, 0.0, Size(8, 1), 0.0, map);
    const float expected[8] = { 0, 0, 0.5f, 1.5f, 2.5f, 3.5f, 4, 4 };
    for (int x = 0; x < 8; ++x)
        EXPECT_NEAR(expected[x], map.at<float>(0, x), 1e-6) << "x = " << x;
}

TEST(UniSLAD_AnomalyMap, one_hot_cell_peaks_where_it_lies_and_blur_keeps_the_mass)
{
    Mat patch(8, 8, CV_32F, Scalar(0));
    patch.at<float>(2, 5) = 1.f;   // row 2, column 5 of an 8 x 8 grid over 64 x 64 pixels
    Mat sharp, blurred;
    anomalyMap(patch, 0.0, Size(64, 64), 0.0, sharp);
    anomalyMap(patch, 0.0, Size(64, 64), 4.0, blurred);
    Point peak;
    minMaxLoc(blurred, nullptr, nullptr, nullptr, &peak);
    EXPECT_NEAR(5 * 8 + 3.5, peak.x, 1.0);
    EXPECT_NEAR(2 * 8 + 3.5, peak.y, 1.0);
    // A Gaussian blur with reflected borders keeps the sum, here far from the borders.
    EXPECT_NEAR(cv::sum(sharp)[0], cv::sum(blurred)[0], 1e-3 * cv::sum(sharp)[0]);
    double hiSharp = 0, hiBlurred = 0;
    minMaxLoc(sharp, nullptr, &hiSharp);
    minMaxLoc(blurred, nullptr, &hiBlurred);
    EXPECT_LT(hiBlurred, hiSharp);
}

TEST(UniSLAD_AnomalyMap, image_level_only_gives_the_score_everywhere)
{
    Mat map;
    anomalyMap(Mat(), -1.25, Size(5, 3), 4.0, map);
    ASSERT_EQ(Size(5, 3), map.size());
    EXPECT_EQ(0, countNonZero(map != -1.25f));
}

TEST(UniSLAD_AnomalyMap, cells_outside_the_region_neither_heat_nor_cool_and_the_map_is_zero_there)
{
    // A 4 x 4 grid whose right half lies outside the region (NaN): resampled as if those cells held the
    // smallest value inside, then set to 0 where the pixel mask is outside.
    const float nan = std::numeric_limits<float>::quiet_NaN();
    Mat patch = (Mat_<float>(4, 4) << 1, 2, nan, nan,
                                      3, 4, nan, nan,
                                      5, 6, nan, nan,
                                      7, 8, nan, nan);
    EXPECT_EQ(8.0, cv::uniSLAD::detail::maxInside(patch));
    const Mat filled = cv::uniSLAD::detail::filledOutside(patch);
    Mat expected = (Mat_<float>(4, 4) << 1, 2, 1, 1, 3, 4, 1, 1, 5, 6, 1, 1, 7, 8, 1, 1);
    EXPECT_EQ(0, cv::norm(filled, expected, NORM_INF));
    EXPECT_TRUE(std::isnan(patch.at<float>(0, 2))) << "the input is left as it was";
    Mat inside(32, 32, CV_8U, Scalar(0));
    inside(Rect(0, 0, 16, 32)).setTo(255);
    Mat map, reference;
    anomalyMap(patch, 0.0, Size(32, 32), 2.0, map, inside);
    anomalyMap(expected, 0.0, Size(32, 32), 2.0, reference);
    reference(Rect(16, 0, 16, 32)).setTo(0);
    EXPECT_EQ(0, cv::norm(map, reference, NORM_INF));
    EXPECT_EQ(0, countNonZero(map(Rect(16, 0, 16, 32))));
    EXPECT_TRUE(cv::checkRange(map));
    // No cell inside: nothing to take a maximum of.
    EXPECT_EQ(0.0, cv::uniSLAD::detail::maxInside(Mat(2, 2, CV_32F, Scalar(nan))));
}

}} // namespace
