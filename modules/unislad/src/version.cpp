// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "opencv2/unislad.hpp"

namespace cv {
namespace uniSLAD {

String getVersionString()
{
#ifdef UNISLAD_VERSION_STRING
    return UNISLAD_VERSION_STRING;
#else
    return "0.1.0";  // contrib build: keep in step with project(VERSION) in the top-level CMakeLists.txt
#endif
}

}} // namespace cv::uniSLAD
