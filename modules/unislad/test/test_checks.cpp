// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "test_precomp.hpp"
#include "checks.hpp"

namespace opencv_test { namespace {

using namespace cv::uniSLAD::detail;

TEST(UniSLAD_Checks, version_matches_semver)
{
    const std::string v = cv::uniSLAD::getVersionString();
    int major = -1, minor = -1, patch = -1;
    ASSERT_EQ(3, std::sscanf(v.c_str(), "%d.%d.%d", &major, &minor, &patch)) << v;
}

TEST(UniSLAD_Checks, feature_matrix_messages_name_argument_expected_and_found)
{
    UNISLAD_EXPECT_THROW_MSG(checkFeatureMatrix(Mat(), "f", "bank"), "f", "bank", "CV_32FC1", "empty");
    UNISLAD_EXPECT_THROW_MSG(checkFeatureMatrix(Mat(3, 4, CV_64F, Scalar(0)), "f", "bank"), "3x4 CV_64FC1");
    UNISLAD_EXPECT_THROW_MSG(checkFeatureMatrix(Mat(3, 4, CV_32FC2, Scalar(0)), "f", "bank"), "CV_32FC2");
    UNISLAD_EXPECT_THROW_MSG(checkFeatureMatrix(Mat(3, 4, CV_32F, Scalar(0)), "f", "q", 5), "at least 5 rows", "found 3");
    UNISLAD_EXPECT_THROW_MSG(checkFeatureMatrix(Mat(3, 4, CV_32F, Scalar(0)), "f", "q", 1, 8), "expected 8 columns", "found 4");
    EXPECT_NO_THROW(checkFeatureMatrix(Mat(3, 4, CV_32F, Scalar(0)), "f", "q", 3, 4));
}

TEST(UniSLAD_Checks, finite_reports_position)
{
    Mat m(3, 4, CV_32F, Scalar(1));
    EXPECT_NO_THROW(checkFinite(m, "f", "x"));
    m.at<float>(2, 1) = std::numeric_limits<float>::quiet_NaN();
    UNISLAD_EXPECT_THROW_MSG(checkFinite(m, "f", "x"), "NaN or Inf", "row 2", "column 1");
    m.at<float>(2, 1) = 0.f;
    m.at<float>(0, 3) = std::numeric_limits<float>::infinity();
    UNISLAD_EXPECT_THROW_MSG(checkFinite(m, "f", "x"), "row 0", "column 3");
}

TEST(UniSLAD_Checks, value_range_bounds)
{
    EXPECT_NO_THROW(checkValueRange(1.0, 0.0, 1.0, "f", "ratio", true, false));
    UNISLAD_EXPECT_THROW_MSG(checkValueRange(0.0, 0.0, 1.0, "f", "ratio", true, false), "ratio", "(0, 1]", "found 0");
    UNISLAD_EXPECT_THROW_MSG(checkValueRange(1.5, 0.0, 1.0, "f", "ratio", true, false), "found 1.5");
    UNISLAD_EXPECT_THROW_MSG(checkValueRange(std::nan(""), 0.0, 1.0, "f", "ratio"), "ratio");
    EXPECT_EQ(3, resolveThreads(3));
    EXPECT_GE(resolveThreads(0), 1);
}

}} // namespace
