// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_BACKBONE_MANIFEST_HPP
#define OPENCV_UNISLAD_BACKBONE_MANIFEST_HPP

#include "opencv2/unislad/backbone.hpp"

#include <string>

namespace cv {
namespace uniSLAD {
namespace detail {

/** BackboneManifest::read() of a manifest's text (YAML or JSON); `path` names it in errors and is the
    folder that a relative `model` is resolved against. The manifest fuzzer feeds it bytes. */
CV_EXPORTS BackboneManifest parseManifest(const std::string& text, const std::string& path);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_BACKBONE_MANIFEST_HPP
