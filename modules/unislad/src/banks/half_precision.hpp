// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_HALF_PRECISION_HPP
#define OPENCV_UNISLAD_HALF_PRECISION_HPP

// The coreset's fp16 storage of projected rows (HalfRows in coreset_kernels.hpp) and its inverse.

#include <opencv2/core.hpp>

namespace cv {
namespace uniSLAD {
namespace detail {
namespace coreset {

/** h = fp16(y · scale), rounded to nearest even; returns 1 / scale. n × p CV_32F -> n × p CV_16U. */
float roundToHalf(const Mat& y, Mat& h);

/** The float values the fp16 rows stand for (HalfRows::value), n × p CV_16U -> n × p CV_32F. */
void halfValues(const Mat& h, float unscale, Mat& y);

} // namespace coreset
}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_HALF_PRECISION_HPP
