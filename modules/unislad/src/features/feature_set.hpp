// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_FEATURES_FEATURE_SET_HPP
#define OPENCV_UNISLAD_FEATURES_FEATURE_SET_HPP

// The feature stage of the detector (paper III-A and the pooling of III-C): images in, one typed
// record out that carries the patch features of both branches, their grids, the class features and
// the image-level features pooled from all patches of each image.

#include "opencv2/unislad.hpp"
#include "features/region_of_interest.hpp"

namespace cv {
namespace uniSLAD {
namespace detail {

/** Features of a set of images, rows image-major (see DualFeatureExtractor). local and global hold
    localCells and globalCells rows per image: every cell of the K × K and G × G grids inside the region
    of interest (localRoi, globalRoi; all cells without one), in grid order, or in a memory-bounded fit
    a seeded random subset of those (then the set only fits banks and is never scored: sampled() is
    true). localImage and globalImage are the image-level features (Eq. 12-14, one row per image) of
    all the cells inside; empty when the image-level distributions are off. */
struct FeatureSet
{
    Mat local, global, cls;
    Mat localImage, globalImage;
    int count = 0;
    int localGrid = 0, globalGrid = 0;     //!< K and G (0: the branch is off)
    int localCells = 0, globalCells = 0;   //!< patch rows per image kept
    std::vector<int> localRoi, globalRoi;  //!< grid cells inside the region of interest; empty: all

    int localInside() const { return localRoi.empty() ? localGrid * localGrid : (int)localRoi.size(); }
    int globalInside() const { return globalRoi.empty() ? globalGrid * globalGrid : (int)globalRoi.size(); }
    bool sampled() const { return localCells != localInside() || globalCells != globalInside(); }
    Mat localOf(int i) const { return local.rowRange(i * localCells, (i + 1) * localCells); }
    Mat globalOf(int i) const { return global.rowRange(i * globalCells, (i + 1) * globalCells); }
    /** The features of some of the images, in the order given. */
    FeatureSet subset(const std::vector<int>& images) const;
};

/** How many patch rows per image a memory-bounded fit keeps (0: all). */
struct PatchSampling
{
    int keepLocal = 0, keepGlobal = 0;
    int seed = 0;   //!< Params::seed; each image's subset also depends on its index in the list
};

/** Runs the dual feature extractor on images, one batch at a time, and pools each image's patches
    into its image-level features (when a converter is given). */
class FeatureStage
{
public:
    /** roi: Params::roi (empty: the whole image). */
    FeatureStage(const Ptr<DualFeatureExtractor>& extractor, const Ptr<ImageFeatureConverter>& converter, int batchSize,
                 const Mat& roi = Mat());

    /** Features of images; progress ("features", images done, images) after each batch when given. */
    FeatureSet extract(const std::vector<Mat>& images, const UniSLAD::ProgressCallback* progress = nullptr,
                       const PatchSampling& sampling = PatchSampling()) const;

    int batchSize() const { return batchSize_; }
    const Ptr<DualFeatureExtractor>& extractor() const { return extractor_; }
    const RegionOfInterest& roi() const { return roi_; }

private:
    Ptr<DualFeatureExtractor> extractor_;
    Ptr<ImageFeatureConverter> converter_;
    int batchSize_;
    RegionOfInterest roi_;
    std::vector<int> localRoi_, globalRoi_;
    Scalar fill_;   // the colour outside the region: the backbone's mean, BGR
};

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_FEATURES_FEATURE_SET_HPP
