// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_SCORING_PIXEL_THRESHOLD_HPP
#define OPENCV_UNISLAD_SCORING_PIXEL_THRESHOLD_HPP

// The pixel threshold (UniSLAD::getPixelThreshold): the anomaly-map value above which a pixel is
// predicted defective. Its rule, on the nominal calibration images' component scores:
//   peak_n = the largest value of image n's fused patch map (Eq. 18, as the anomaly map holds it:
//            standardised per component in FUSION_CALIBRATED), or its score S without a patch level
//            (the map then holds S everywhere);
//   pixel threshold = quantile(peak, kPixelThresholdQuantile) + kPixelThresholdMargin · std(peak).
// The peaks are taken on the patch grid, before the upsampling and blur: both average neighbouring
// cells, so no pixel of an image's anomaly map exceeds its peak, and a calibration image whose peak is
// below the threshold has an empty mask whatever its size (measured in BENCHMARKS.md, "Masks").

#include "scoring/calibration.hpp"
#include "scoring/score_fusion.hpp"

namespace cv {
namespace uniSLAD {
namespace detail {

constexpr double kPixelThresholdQuantile = 0.99;
constexpr double kPixelThresholdMargin = 0.5;

/** The rule above on the components of nominal images (not empty), fused as detect() fuses them
    (stats == nullptr: FUSION_RAW). */
CV_EXPORTS double pixelThreshold(const std::vector<ComponentScores>& nominal, const FusionWeights& weights,
                                 const CalibrationStats* stats);

/** For a model file saved before the pixel threshold and without the calibration images' scores (so
    the rule cannot run): in FUSION_CALIBRATED with a patch level, the normal approximation of the rule
    from the peaks' mean and std that the calibration keeps, mean + (2.326 + margin) · std (2.326: the
    standard normal's 0.99 quantile); otherwise the decision threshold, which is on the map's scale
    when the map holds S. */
CV_EXPORTS double fallbackPixelThreshold(const CalibrationStats& stats, bool calibrated, bool hasPatchLevel,
                                         double decisionThreshold);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_SCORING_PIXEL_THRESHOLD_HPP
