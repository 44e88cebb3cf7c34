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

#include <opencv2/core.hpp>

namespace cv {
namespace uniSLAD {
namespace detail {

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

//! The raw component scores of one image. Empty maps / NaN scalars mark components not computed.
struct ComponentScores
{
    Mat patchLocal;    //!< K x K CV_32F, S_p^l (Eq. 16)
    Mat patchGlobal;   //!< G x G CV_32F, S_p^g (Eq. 16)
    float classWeight = std::numeric_limits<float>::quiet_NaN();   //!< w_p (Eq. 17), clamped to [0, 1]
    float imageLocal = std::numeric_limits<float>::quiet_NaN();    //!< S_i^l (Eq. 19)
    float imageGlobal = std::numeric_limits<float>::quiet_NaN();   //!< global image feature score
    float imageClass = std::numeric_limits<float>::quiet_NaN();    //!< class feature score
};

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

/** Estimates the calibrated-mode statistics from the components of nominal images. */
CV_EXPORTS CalibrationStats calibrate(const std::vector<ComponentScores>& nominal, const FusionWeights& weights);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_SCORE_FUSION_HPP
