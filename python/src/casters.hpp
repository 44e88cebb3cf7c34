// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// pybind11 argument conversions for Image, Images and CalibrationImages (numpy_mat.hpp), so that a
// bound method takes them as arguments: `[](const UniSLAD& d, const Image& image) { ... }`. The
// conversion happens before py::call_guard<py::gil_scoped_release> drops the GIL, and the arrays stay
// referenced until the call returns. A wrong argument raises the TypeError / ValueError of
// imageFromArray, which names the argument, rather than pybind11's "incompatible function arguments"
// (the bound functions are not overloaded, so each argument is converted once).
#ifndef UNISLAD_PYTHON_CASTERS_HPP
#define UNISLAD_PYTHON_CASTERS_HPP

#include "numpy_mat.hpp"

namespace pybind11 {
namespace detail {

template <>
struct type_caster<unislad_python::Image>
{
    PYBIND11_TYPE_CASTER(unislad_python::Image, const_name("numpy.ndarray"));
    bool load(handle src, bool)
    {
        value = unislad_python::imageFromArray(src, "image");
        return true;
    }
};

template <>
struct type_caster<unislad_python::Images>
{
    PYBIND11_TYPE_CASTER(unislad_python::Images, const_name("list[numpy.ndarray]"));
    bool load(handle src, bool)
    {
        value = unislad_python::imagesFromSequence(src, "images", false);
        return true;
    }
};

template <>
struct type_caster<unislad_python::CalibrationImages>
{
    PYBIND11_TYPE_CASTER(unislad_python::CalibrationImages, const_name("Optional[list[numpy.ndarray]]"));
    bool load(handle src, bool)
    {
        static_cast<unislad_python::Images&>(value) = unislad_python::imagesFromSequence(src, "calibrationImages", true);
        return true;
    }
};

}} // namespace pybind11::detail

#endif
