// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_CHECKS_HPP
#define OPENCV_UNISLAD_CHECKS_HPP

// Argument checks shared by every component. Each raises cv::Exception (StsBadArg, StsBadSize or
// StsOutOfRange) with a message of the form
//   "<function>: <argument>: expected <what>, found <what>"
// so that a user can tell from the message alone which input was wrong and how.

#include <opencv2/core.hpp>

#include <string>

namespace cv {
namespace uniSLAD {
namespace detail {

/** Human-readable description of a matrix: "empty", "3x4 CV_64FC1", "2x2x3 CV_8UC1". */
CV_EXPORTS std::string describeMat(const Mat& m);

/** Requires a non-empty, 2-D, single-channel CV_32F matrix (N × d feature set). When minRows or
    cols are given (>= 0), also requires at least minRows rows and exactly cols columns. */
CV_EXPORTS void checkFeatureMatrix(const Mat& m, const char* func, const char* arg,
                                   int minRows = 1, int cols = -1);

/** Requires every element of a CV_32F or CV_64F matrix to be finite; the message gives the row
    and column of the first NaN or Inf. */
CV_EXPORTS void checkFinite(const Mat& m, const char* func, const char* arg);

/** Requires lo <= value <= hi (loOpen/hiOpen make the bound strict). */
CV_EXPORTS void checkValueRange(double value, double lo, double hi, const char* func, const char* arg,
                           bool loOpen = false, bool hiOpen = false);

/** Checks a matrix of fitted state given back by a user (a mean, a transform, a covariance): non-empty,
    2-D, single-channel CV_32F or CV_64F, finite, rows × cols (-1: any). With rows == 1 a column
    vector is accepted and transposed. Returns the matrix (the transposed view for a column vector). */
CV_EXPORTS Mat checkStateMatrix(const Mat& m, int rows, int cols, const char* func, const char* arg);

/** Resolves a thread-count parameter: <= 0 means cv::getNumThreads(). Always >= 1. */
CV_EXPORTS int resolveThreads(int numThreads);

/** Checks an image for Preprocessor's rules (8/16-bit, 1/3/4 channels, at least 8 x 8, at most
    Preprocessor::kMaxImagePixels); the message is "<func>: <name>: expected ..., found ...". */
CV_EXPORTS void checkImage(const Mat& image, const char* func, const std::string& name);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_CHECKS_HPP
