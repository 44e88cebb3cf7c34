// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_SCORE_FUSION_HPP
#define OPENCV_UNISLAD_SCORE_FUSION_HPP

// Score fusion (paper Eq. 18, 20, 21) in two modes:
//  * raw: the paper's weighted sums as written;
//  * calibrated: every component first standardised, z = (x - mean) / std, with mean and std of that
//    component over nominal calibration images (patch components over all locations of those images),
//    and the two level scores (max S_p and S_i) standardised again before Eq. 21, so that the weights
//    act on comparable scales (raw NN distances and Mahalanobis distances differ by orders of magnitude).
// Components a detector does not compute (ablations) drop out and the remaining weight is 1.

#include "scoring/calibration.hpp"
#include "scoring/component_scores.hpp"

namespace cv {
namespace uniSLAD {
namespace detail {

struct FusionWeights
{
    double w = 0.5, wI = 0.2, wIG = 0.5;
};

struct FusedScores
{
    Mat patchMap;                //!< fused S_p per location (Eq. 18) on the local grid (or G x G without it)
    double patchScore = 0;       //!< max S_p (standardised in calibrated mode)
    double imageScore = 0;       //!< S_i (Eq. 20; standardised in calibrated mode)
    double score = 0;            //!< S (Eq. 21)
    bool hasPatch = false, hasImage = false;
};

/** Fuses one image's components. stats == nullptr: raw mode. levels == false: stop before the
    level standardisation (used while the level statistics themselves are being estimated). */
CV_EXPORTS FusedScores fuseScores(const ComponentScores& c, const FusionWeights& weights,
                                  const CalibrationStats* stats, bool levels = true);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_SCORE_FUSION_HPP
