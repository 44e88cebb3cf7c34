// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// The Python module `unislad`: the names of the contrib bindings (cv2.uniSLAD), without an OpenCV build.
#include "bindings.hpp"
#include "errors.hpp"

#include <opencv2/unislad.hpp>

PYBIND11_MODULE(unislad, m)
{
    m.doc() = "UniSLAD: training-free structural and logical anomaly detection (OpenCV).";
    unislad_python::bindErrors(m);
    unislad_python::bindParams(m);
    unislad_python::bindDetector(m);
    m.attr("__version__") = cv::uniSLAD::getVersionString();
}
