// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_SCORING_NOMINAL_SCORES_HPP
#define OPENCV_UNISLAD_SCORING_NOMINAL_SCORES_HPP

// The component scores of the nominal calibration images as three tensors, so that a model file keeps
// them and UniSLAD::update() calibrates again on them together with the scores of the added images.

#include "scoring/component_scores.hpp"

#include <vector>

namespace cv {
namespace uniSLAD {
namespace detail {

struct CV_EXPORTS NominalScoreTensors
{
    Mat patchLocal;    //!< N × K² CV_32F, one S_p^l map per row; empty without the local bank
    Mat patchGlobal;   //!< N × G² CV_32F; empty without the global bank
    Mat scalars;       //!< N × 4 CV_32F: w_p, S_i^l, global image score, class score (NaN: not computed)

    static NominalScoreTensors pack(const std::vector<ComponentScores>& scores);
    /** The scores again; raises cv::Exception (StsBadSize) naming the tensor that does not fit. */
    std::vector<ComponentScores> unpack() const;
};

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_SCORING_NOMINAL_SCORES_HPP
