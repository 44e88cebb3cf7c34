// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_FEATURE_EXTRACTOR_HPP
#define OPENCV_UNISLAD_FEATURE_EXTRACTOR_HPP

#include <opencv2/core.hpp>

#include "opencv2/unislad/backbone.hpp"
#include "opencv2/unislad/local_aggregation.hpp"

namespace cv {
namespace uniSLAD {

//! @addtogroup unislad
//! @{

/** @brief The dual feature extractor (paper III-A): local patch features from a CNN, global patch
tokens and a class feature from a second (or the same) backbone.

For N images, extract() gives
- local: (N·K²) × D_l, PatchCore's locally aware patch features on the K × K grid (Eq. 1-2);
- global: (N·G²) × D_g, the global tap(s) as one token per grid cell (Eq. 3-4); transformer outputs
  with T = G² + 1 tokens lose their leading class token;
- cls: N × D_c, the class feature (Eq. 4).
Rows are image-major, then row-major grid cells. A branch switched off in the parameters gives an empty
matrix and costs nothing.

Thread safety: extract() may be called from several threads; each backbone runs one batch at a time.
*/
class CV_EXPORTS_W DualFeatureExtractor
{
public:
    /** @brief What the dual feature extractor runs and which outputs it uses (paper III-A). */
    struct CV_EXPORTS_W_SIMPLE Params
    {
        CV_WRAP Params()
            : backend(COMPUTE_CPU), batchSize(8), useLocal(true), useGlobal(true)
        {}
        //! Manifest of the CNN backbone of the local branch (required).
        CV_PROP_RW String localManifest;
        //! Manifest of the backbone of the global branch and the class feature; empty: the local one
        //! (then a single forward pass serves both branches).
        CV_PROP_RW String globalManifest;
        //! Taps aggregated into local patch features; empty: the local manifest's default "local" taps.
        CV_PROP_RW std::vector<String> localTaps;
        //! Taps giving the global patch tokens; several are concatenated along channels and must share
        //! one grid. Empty: the global manifest's default "global" taps.
        CV_PROP_RW std::vector<String> globalTaps;
        //! Tap giving the class feature (a vector, or a map that is average-pooled). Empty: the global
        //! manifest's default "class" tap.
        CV_PROP_RW String classTap;
        //! Locally aware patch features: p, K, dimensions (Eq. 2).
        CV_PROP_RW LocalFeatureAggregator::Params localAggregation;
        //! ComputeBackend of both networks. Default COMPUTE_CPU.
        CV_PROP_RW int backend;
        //! Images per forward pass. Default 8.
        CV_PROP_RW int batchSize;
        //! Compute the local branch. Default true. Off: no local taps run or aggregated (localGrid() is 0).
        CV_PROP_RW bool useLocal;
        //! Compute the global branch and the class feature. Default true. Off: the global backbone is not
        //! loaded (globalGrid() and classDims() are 0).
        CV_PROP_RW bool useGlobal;

        /** @brief The offline default: ImageNet MobileNetV2 (models/make_default_backbone.py) for both
            branches, its manifest's default taps, local grid K = 28, 512-dim local features (256 per tap).
            @param modelDir folder of the generated backbones; empty: defaultModelDirectory(). */
        CV_WRAP static Params defaults(const String& modelDir = String());

        /** @brief The paper's backbones (models/export_torchvision.py): Wide-ResNet-50-2 layer2 + layer3
            for the local branch at K = 56 (paper), ViT-B/16 block 12 tokens and CLS for the global one.
            @param modelDir folder of the generated backbones; empty: defaultModelDirectory().
            @param weights "imagenet" (the paper; needs torchvision's weights, i.e. internet once) or
                   "random" (`--weights none`: proves the pipeline offline, useless for inspection). */
        CV_WRAP static Params paper(const String& modelDir = String(), const String& weights = "imagenet");
    };

    virtual ~DualFeatureExtractor();

    /** @brief Loads the backbones; raises cv::Exception naming the manifest or model that fails. */
    CV_WRAP static Ptr<DualFeatureExtractor> create(const Params& params);

    /** @brief Features of a list of images (8/16-bit, gray/BGR/BGRA, any size; see Preprocessor). */
    CV_WRAP virtual void extract(InputArrayOfArrays images, OutputArray local, OutputArray global, OutputArray cls) = 0;

    CV_WRAP virtual int localGrid() const = 0;   //!< K
    CV_WRAP virtual int globalGrid() const = 0;  //!< G
    CV_WRAP virtual int localDims() const = 0;   //!< D_l
    CV_WRAP virtual int globalDims() const = 0;  //!< D_g
    CV_WRAP virtual int classDims() const = 0;   //!< D_c
    CV_WRAP virtual Params getParams() const = 0;
    //! The local branch's backbone, and the global branch's (the same object when they share one).
    CV_WRAP virtual Ptr<Backbone> localBackbone() const = 0;
    CV_WRAP virtual Ptr<Backbone> globalBackbone() const = 0;
};

//! The former name of DualFeatureExtractor::Params.
typedef DualFeatureExtractor::Params FeatureExtractorParams;

//! @}

}} // namespace cv::uniSLAD

#endif // OPENCV_UNISLAD_FEATURE_EXTRACTOR_HPP
