// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_SCORING_PIXEL_THRESHOLD_HPP
#define OPENCV_UNISLAD_SCORING_PIXEL_THRESHOLD_HPP

// The pixel threshold (UniSLAD::getPixelThreshold): the anomaly-map value above which a pixel is
// predicted defective. Its rule, on the nominal calibration images:
//   peak_n = the largest value of calibration image n's anomaly map as detect() makes it (its fused
//            patch map, Eq. 18, standardised per component in FUSION_CALIBRATED, brought to the image's
//            size and blurred; its score S everywhere without a patch level);
//   pixel threshold = quantile(peak, kPixelThresholdQuantile) + kPixelThresholdMargin · std(peak).
// The blur is in image pixels, so the peaks are taken at each calibration image's own size (the model
// keeps the sizes). An image whose size the model does not know (a model file saved before the sizes
// were kept) counts with its patch map's largest cell: upsampling and blur only average cells, so that is
// an upper bound of its map's peak at any size, and the threshold errs towards fewer flagged pixels.
// Measured against other rules in BENCHMARKS.md ("Defect masks").

#include "scoring/calibration.hpp"
#include "scoring/score_fusion.hpp"
#include "features/region_of_interest.hpp"

namespace cv {
namespace uniSLAD {
namespace detail {

constexpr double kPixelThresholdQuantile = 0.99;
constexpr double kPixelThresholdMargin = 0.5;

/** The rule above on the components of nominal images (not empty), fused as detect() fuses them
    (stats == nullptr: FUSION_RAW). sizes: each image's size, as many as nominal (an empty Size: not
    known); sigma: Params::mapSigma; roi: the detector's region of interest (the map is 0 outside). */
CV_EXPORTS double pixelThreshold(const std::vector<ComponentScores>& nominal, const std::vector<Size>& sizes,
                                 const FusionWeights& weights, const CalibrationStats* stats, double sigma,
                                 const RegionOfInterest& roi);

/** For a model file saved before the pixel threshold and without the calibration images' scores (so
    the rule cannot run): in FUSION_CALIBRATED with a patch level, the normal approximation of the rule
    from the mean and std of the patch maps' largest cells that the calibration keeps (patchLevel),
    mean + (2.326 + margin) · std (2.326: the standard normal's 0.99 quantile); otherwise the decision
    threshold, which is on the map's scale when the map holds S. */
CV_EXPORTS double fallbackPixelThreshold(const CalibrationStats& stats, bool calibrated, bool hasPatchLevel,
                                         double decisionThreshold);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_SCORING_PIXEL_THRESHOLD_HPP
