// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_SCORING_COMPONENT_SCORES_HPP
#define OPENCV_UNISLAD_SCORING_COMPONENT_SCORES_HPP

// What the patch banks (III-B, Eq. 16-17) and the image-level distributions (III-C, Eq. 19) say about
// one image, before fusion: the record the scoring stages fill and score_fusion.hpp combines.

#include <opencv2/core.hpp>

#include <limits>

namespace cv {
namespace uniSLAD {
namespace detail {

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

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_SCORING_COMPONENT_SCORES_HPP
