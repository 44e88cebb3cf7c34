// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// unislad.error: what a cv::Exception of the library becomes in Python.
#ifndef UNISLAD_PYTHON_ERRORS_HPP
#define UNISLAD_PYTHON_ERRORS_HPP

#include <pybind11/pybind11.h>

namespace unislad_python {

/** Adds the exception type `error` (a subclass of RuntimeError) to the module and translates every
    cv::Exception that reaches Python into it. As OpenCV's cv2.error: str(e) is the exception's what()
    (file, line, code, message, function), and the attributes code, err, func, file, line and msg
    hold its parts (err and msg: the library's message). */
void bindErrors(pybind11::module_& m);

} // namespace unislad_python

#endif
