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
    Mat patchLocal;    //!< K x K CV_32F, S_p^l (Eq. 16); NaN at cells outside the region of interest
    Mat patchGlobal;   //!< G x G CV_32F, S_p^g (Eq. 16); NaN at cells outside the region of interest
    float classWeight = std::numeric_limits<float>::quiet_NaN();   //!< w_p (Eq. 17), clamped to [0, 1]
    float imageLocal = std::numeric_limits<float>::quiet_NaN();    //!< S_i^l (Eq. 19)
    float imageGlobal = std::numeric_limits<float>::quiet_NaN();   //!< global image feature score
    float imageClass = std::numeric_limits<float>::quiet_NaN();    //!< class feature score
};

/** The largest value of a patch map over the cells inside the region of interest (not NaN); 0 when
    there is none. */
CV_EXPORTS double maxInside(const Mat& map);

/** A copy of a patch map with the cells outside the region of interest (NaN) set to the smallest value
    inside, for the resampling that spreads each cell over its neighbours (upsampling, blur): the cells
    that do not count then neither add heat nor cool their neighbours below the coolest cell inside. */
CV_EXPORTS Mat filledOutside(const Mat& map);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_SCORING_COMPONENT_SCORES_HPP
