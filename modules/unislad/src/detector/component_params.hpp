// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_DETECTOR_COMPONENT_PARAMS_HPP
#define OPENCV_UNISLAD_DETECTOR_COMPONENT_PARAMS_HPP

// The one mapping from a detector's Params to the parameters of each component it runs, and the check
// of every field (detector/params.cpp). Fitting and loading both build their components from here, so
// that a loaded model's components are configured exactly as the fitted ones were.

#include "opencv2/unislad.hpp"
#include "scoring/score_fusion.hpp"

namespace cv {
namespace uniSLAD {
namespace detail {

enum class BankKind { LOCAL, GLOBAL, CLASS };

/** Checks every parameter; raises cv::Exception naming the field, the expected and the found value. */
CV_EXPORTS void validateParams(const Params& p);

/** The parameters with the default backbone filled in where localManifest is empty
    (defaultModelDirectory() + "/mobilenet_v2_imagenet.yml", looked up when a detector is created). */
Params resolveBackbones(const Params& p);

/** The local and global patch banks: coreset ratio and seed of their branch (the global bank's seed is
    Params::seed + 1); the class bank: every class feature (no coreset), inner product (Eq. 17) and
    Params::classRegularization. */
CV_EXPORTS MemoryBank::Params bankParams(const Params& p, BankKind kind);
ImageFeatureConverter::Params converterParams(const Params& p);
GaussianModel::Params gaussianParams(const Params& p);
FusionWeights fusionWeights(const Params& p);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_DETECTOR_COMPONENT_PARAMS_HPP
