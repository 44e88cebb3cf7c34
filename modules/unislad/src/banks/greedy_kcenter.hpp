// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_GREEDY_KCENTER_HPP
#define OPENCV_UNISLAD_GREEDY_KCENTER_HPP

#include "banks/coreset_kernels.hpp"

#include <opencv2/core.hpp>

#include <vector>

namespace cv {
namespace uniSLAD {
namespace detail {
namespace coreset {

/** Greedy k-center selection of `count` rows (1 <= count <= n) of `rows` (continuous, n × p, stored in
    the row format fmt: CV_32F for FloatRows, CV_16U for HalfRows), the first centre being row `start`.
    Returns the selected row indices in the order of selection. `rows` is released once its rows are
    copied into the clusters. */
std::vector<int> greedyKCenter(const FloatRows& fmt, Mat& rows, int count, int start);
std::vector<int> greedyKCenter(const HalfRows& fmt, Mat& rows, int count, int start);

} // namespace coreset
}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_GREEDY_KCENTER_HPP
