// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_CORESET_DETAIL_HPP
#define OPENCV_UNISLAD_CORESET_DETAIL_HPP

#include <opencv2/core.hpp>

namespace cv {
namespace uniSLAD {
namespace detail {

/** The squared Euclidean distance used by CoresetSampler, bit for bit: 16 lane accumulators (lane l
    sums the dimensions l, l + 16, ... in increasing order with fused multiply-adds where the CPU has
    them), then a fixed pairwise reduction of the lanes. A reference implementation that calls this
    function computes exactly the values the sampler compares. */
CV_EXPORTS float coresetSquaredDistance(const float* a, const float* b, int n);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_CORESET_DETAIL_HPP
