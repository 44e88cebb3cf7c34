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
struct CV_EXPORTS HoldOut
{
    std::vector<int> heldOut, rest;
    static HoldOut split(int n, double fraction, int seed);

    /** The calibration plan for n training images without calibration images. From
        kCrossCalibrationBelow images on: one split(). Below: every image is held out once, over
        min(n, round(1 / fraction)) folds of the same seeded order (5 folds at the default 0.2, one
        image per fold from 5 images down; every fold's model rests on at least 3), so that the calibration statistics rest on n scores
        instead of the one or two a single hold-out of a few images leaves. */
    static std::vector<HoldOut> folds(int n, double fraction, int seed);
};

/** Training images from which a single hold-out gives enough calibration scores (10 at the default
    calibrationFraction); fewer are cross-calibrated (HoldOut::folds). */
constexpr int kCrossCalibrationBelow = 50;

/** The fewest training images fit() accepts. The Ledoit-Wolf covariance of two images is singular
    (each centred sample's outer product equals their covariance, so the estimated shrinkage is 0), and
    with three each cross-calibration fold's model would rest on two. */
constexpr int kMinTrainingImages = MIN_TRAINING_IMAGES;

/** The fewest calibration images fit() accepts when they are given: the image-level components have
    one score per image, and their spread standardises each of them. */
constexpr int kMinCalibrationImages = MIN_CALIBRATION_IMAGES;

/** Patch rows per image that fit Params::maxFeatureMemoryMiB: all of them (keep 0) when the features
    of `images` images, plus the copy of the `fitted` of them that the calibration model is fitted on,
    stay within it; otherwise the same share of every image's rows (at least 1). Logs when it samples. */
PatchSampling patchSampling(const Params& params, const DualFeatureExtractor& extractor, int images, int fitted);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_DETECTOR_FIT_PLAN_HPP
