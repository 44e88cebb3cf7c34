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

/** The same distance for a row stored in fp16 (as CoresetSampler stores projected rows): a[i] stands
    for the float (float)a[i] * unscale (binary16 bits a[i], exact conversion, one float multiply;
    unscale is a power of two in [2^-100, 2^100], which makes the product exact), and the result equals
    coresetSquaredDistance() of those floats and b, bit for bit (vector path). */
CV_EXPORTS float coresetHalfSquaredDistance(const ushort* a, float unscale, const float* b, int n);

/** The fp16 rounding of projected rows: h = fp16(y · 2^e), rounded to nearest even, with e chosen so
    that the largest |value| of y times 2^e lies in [2^14, 2^15) (e = 0 when y is all zeros; e is
    clamped to [-100, 100]). y: n × p CV_32FC1; h: n × p CV_16UC1 (binary16 bits). Returns 2^-e.
    project() returns (float)h · 2^-e. */
CV_EXPORTS float coresetRoundToHalf(const Mat& y, Mat& h);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_CORESET_DETAIL_HPP
