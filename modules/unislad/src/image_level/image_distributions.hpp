// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_IMAGE_LEVEL_IMAGE_DISTRIBUTIONS_HPP
#define OPENCV_UNISLAD_IMAGE_LEVEL_IMAGE_DISTRIBUTIONS_HPP

// The detector's image-level stage (paper III-C): a Gaussian (Eq. 15) of each image-level
// representation of the nominal images (the pooled local features, the pooled global tokens, the
// class feature) and each image's Mahalanobis distances to them (Eq. 19).

#include "opencv2/unislad.hpp"
#include "features/feature_set.hpp"
#include "scoring/component_scores.hpp"

namespace cv {
namespace uniSLAD {
namespace detail {

struct ImageDistributions
{
    //! The nominal image-level features, N × D, kept so that a loaded model refits the Gaussians exactly.
    Mat localFeatures, globalFeatures, classFeatures;
    Ptr<GaussianModel> local, global, cls;   //!< each empty where Params switches it off

    /** The Gaussians Params asks for (none without useImageDistribution), fitted on a feature set;
        progress "distributions" when given. */
    static ImageDistributions fit(const Params& params, const FeatureSet& features,
                                  const UniSLAD::ProgressCallback* progress);

    /** These distributions with the features of more nominal images: the stored features and the new
        ones, in that order, and the Gaussians fitted on them, as fit() on all the images fits them (the
        Ledoit-Wolf shrinkage needs every sample, not only their mean and covariance). */
    ImageDistributions extended(const Params& params, const FeatureSet& features) const;

    /** One Gaussian of nominal features x (N × D) with the shrinkage Params gives (deterministic). */
    static Ptr<GaussianModel> fitGaussian(const Params& params, const Mat& x);

    /** Fills the image-level distances of image i of a feature set. */
    void score(const FeatureSet& features, int i, ComponentScores& scores) const;
};

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_IMAGE_LEVEL_IMAGE_DISTRIBUTIONS_HPP
