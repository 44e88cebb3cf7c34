// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "errors.hpp"

#include <opencv2/core.hpp>

namespace unislad_python {

namespace py = pybind11;

namespace {

// Created once per process and never freed: the translator may run until the interpreter exits.
PyObject* errorType = nullptr;

void raiseError(const cv::Exception& e)
{
    py::object type = py::reinterpret_borrow<py::object>(errorType);
    py::object error = type(py::str(e.what()));
    error.attr("code") = e.code;
    error.attr("err") = e.err;
    error.attr("func") = e.func;
    error.attr("file") = e.file;
    error.attr("line") = e.line;
    error.attr("msg") = e.err;
    PyErr_SetObject(errorType, error.ptr());
}

} // namespace

void bindErrors(py::module_& m)
{
    if (!errorType)
        errorType = PyErr_NewExceptionWithDoc("unislad.error",
                                              "An error of the UniSLAD library (a cv::Exception): str(e) is its full "
                                              "text; code, err, func, file, line and msg its parts.",
                                              PyExc_RuntimeError, nullptr);
    if (!errorType)
        throw py::error_already_set();
    m.add_object("error", py::reinterpret_borrow<py::object>(errorType));
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p)
                std::rethrow_exception(p);
        } catch (const cv::Exception& e) {
            raiseError(e);
        }
    });
}

} // namespace unislad_python
