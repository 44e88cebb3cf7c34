// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// The parts of the Python module, each bound by one function (module.cpp calls them in order).
#ifndef UNISLAD_PYTHON_BINDINGS_HPP
#define UNISLAD_PYTHON_BINDINGS_HPP

#include <pybind11/pybind11.h>

namespace unislad_python {

/** The constants (enums of unislad.hpp and the component headers that Params fields take), the free
    functions, and Params. */
void bindParams(pybind11::module_& m);

/** Result, StageTimings and the detector class UniSLAD. */
void bindDetector(pybind11::module_& m);

} // namespace unislad_python

#endif
