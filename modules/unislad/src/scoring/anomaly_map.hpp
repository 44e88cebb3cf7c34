// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_SCORING_ANOMALY_MAP_HPP
#define OPENCV_UNISLAD_SCORING_ANOMALY_MAP_HPP

// The anomaly map (DESIGN "AnomalyMap"): the fused patch map (Eq. 18) brought to the input image's
// size by bilinear interpolation, then smoothed by a Gaussian of σ = Params::mapSigma pixels (paper
// and PatchCore: σ = 4), borders reflected.

#include <opencv2/core.hpp>

namespace cv {
namespace uniSLAD {
namespace detail {

/** The map of one image. patchMap: the fused S_p on its grid, CV_32F, NaN at the cells outside the
    region of interest (filledOutside() before resampling); empty when the detector has no patch level,
    and then the map holds `imageScore` everywhere (the image-level score is the only evidence, and it
    has no location). sigma 0: no blur. inside: the region of interest at `size` (CV_8U, non-zero
    inside), outside which the map is 0; empty: the whole image. Output: CV_32F of `size`. */
CV_EXPORTS void anomalyMap(const Mat& patchMap, double imageScore, const Size& size, double sigma, Mat& map,
                           const Mat& inside = Mat());

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_SCORING_ANOMALY_MAP_HPP
