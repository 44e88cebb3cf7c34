// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// Included by OpenCV's Python bindings (modules/python collects misc/python/pyopencv_*.hpp of every
// wrapped module). The generator names a nested struct Outer::Params "Outer_Params" in the code it
// emits, so each one needs this alias, as OpenCV's own modules provide for theirs.
#ifdef HAVE_OPENCV_UNISLAD
#include "opencv2/unislad.hpp"

namespace cv {
namespace uniSLAD {
typedef CoresetSampler::Params CoresetSampler_Params;
typedef GaussianModel::Params GaussianModel_Params;
typedef ImageFeatureConverter::Params ImageFeatureConverter_Params;
typedef MahalanobisTransform::Params MahalanobisTransform_Params;
}} // namespace cv::uniSLAD
#endif
