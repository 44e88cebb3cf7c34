// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_BANKS_PATCH_BANKS_HPP
#define OPENCV_UNISLAD_BANKS_PATCH_BANKS_HPP

// The detector's memory-bank stage (paper III-B): the local and global patch banks (coreset,
// Mahalanobis transform, index; Eq. 5-11) and the class bank, fitted on nominal features and
// searched for each image's patch scores (Eq. 16) and class weight (Eq. 17).

#include "opencv2/unislad.hpp"
#include "features/feature_set.hpp"
#include "scoring/component_scores.hpp"

namespace cv {
namespace uniSLAD {
namespace detail {

struct PatchBanks
{
    Ptr<MemoryBank> local, global, cls;   //!< each empty where Params switches it off

    /** The banks Params asks for (none without usePatchBank; the class bank only with both branches),
        fitted on a feature set; progress "local bank" / "global bank" when given. */
    static PatchBanks fit(const Params& params, const FeatureSet& features, const UniSLAD::ProgressCallback* progress);

    /** These banks with the features of more nominal images (MemoryBank::extended; these are not
        changed); progress "local bank" / "global bank" when given. */
    PatchBanks extended(const FeatureSet& features, const UniSLAD::ProgressCallback* progress) const;

    /** Fills the patch maps (K × K, G × G) and the class weight of image i of a complete feature set. */
    void score(const FeatureSet& features, int i, ComponentScores& scores) const;
};

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_BANKS_PATCH_BANKS_HPP
