// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_DETECTOR_FIT_PLAN_HPP
#define OPENCV_UNISLAD_DETECTOR_FIT_PLAN_HPP

// What fit() decides before it extracts anything: which training images are held out for calibration
// when no calibration images are given, and how many patch features per image fit in the memory bound.

#include "opencv2/unislad.hpp"
#include "features/feature_set.hpp"

namespace cv {
namespace uniSLAD {
namespace detail {

/** A seeded split of n training images into held-out calibration images and the rest, both ascending.
    held = clamp(round(fraction · n), 1, n - 2): at least one image to calibrate on, at least two to fit. */
struct HoldOut
{
    std::vector<int> heldOut, rest;
    static HoldOut split(int n, double fraction, int seed);
};

/** Patch rows per image that fit Params::maxFeatureMemoryMiB: all of them (keep 0) when the features
    of `images` images, plus the copy of the `fitted` of them that the calibration model is fitted on,
    stay within it; otherwise the same share of every image's rows (at least 1). Logs when it samples. */
PatchSampling patchSampling(const Params& params, const DualFeatureExtractor& extractor, int images, int fitted);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_DETECTOR_FIT_PLAN_HPP
