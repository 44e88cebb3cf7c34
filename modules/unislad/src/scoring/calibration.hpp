// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_SCORING_CALIBRATION_HPP
#define OPENCV_UNISLAD_SCORING_CALIBRATION_HPP

// Calibration on nominal images (DESIGN "Calibration & threshold"): the statistics that
// FUSION_CALIBRATED standardises every component with, and the decision threshold rule
//   threshold = quantile(nominal scores, q) + margin · std(nominal scores).

#include "scoring/component_scores.hpp"

#include <vector>

namespace cv {
namespace uniSLAD {
namespace detail {

struct FusionWeights;

//! Mean and standard deviation of one score over nominal images.
struct CV_EXPORTS ScoreStats
{
    double mean = 0, std = 1;
    double standardize(double x) const { return (x - mean) / std; }
    //! From samples; std floored at 1e-12 · max(1, |mean|) so that a constant score cannot divide by 0.
    static ScoreStats of(const std::vector<double>& samples);
};

//! Standardisation of every component and of both levels (FUSION_CALIBRATED).
struct CV_EXPORTS CalibrationStats
{
    ScoreStats patchLocal, patchGlobal;               //!< per location: S_p^l, S_p^g
    ScoreStats imageLocal, imageGlobal, imageClass;   //!< S_i^l, global image, class
    ScoreStats patchLevel, imageLevel;                //!< max S_p and S_i after component fusion
    Mat toMat() const;                                //!< 7 x 2 CV_64F (mean, std) in the order above
    static CalibrationStats fromMat(const Mat& m);
};

/** Floors on the calibration spread, so that a few calibration images that happen to score alike
    (or copies of one image) do not turn the next image's small difference into a huge standardised
    score: a component's std is at least kComponentSpreadFloor · |mean| (its scores are distances), a
    level's at least kLevelSpreadFloor (its scores are already standardised). */
constexpr double kComponentSpreadFloor = 0.005;
constexpr double kLevelSpreadFloor = 0.05;

/** Estimates the calibrated-mode statistics from the components of nominal images, with the
    spread floors above (logged when one applies). */
CV_EXPORTS CalibrationStats calibrate(const std::vector<ComponentScores>& nominal, const FusionWeights& weights);

/** Quantile p in [0, 1] of samples, interpolating linearly between order statistics (numpy's
    default). samples must not be empty. */
CV_EXPORTS double quantile(std::vector<double> samples, double p);

/** The decision threshold of nominal fused scores: quantile(scores, q) + margin · std(scores), the
    std (ScoreStats::of) counted only with at least two scores. scores must not be empty. */
CV_EXPORTS double decisionThreshold(const std::vector<double>& scores, double q, double margin);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_SCORING_CALIBRATION_HPP
