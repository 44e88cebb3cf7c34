// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// numpy arrays <-> cv::Mat for the Python module: images in, float maps out.
#ifndef UNISLAD_PYTHON_NUMPY_MAT_HPP
#define UNISLAD_PYTHON_NUMPY_MAT_HPP

#include <opencv2/core.hpp>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

namespace unislad_python {

namespace py = pybind11;

/** An image argument: a cv::Mat header on the numpy array's memory, and the array it points into
    (kept alive while the call runs, with or without the GIL). */
struct Image
{
    cv::Mat mat;
    py::object owner;
};

/** A list of images (an `images` argument). */
struct Images
{
    std::vector<cv::Mat> mats;
    std::vector<py::object> owners;
};

/** A list of images or None, which is an empty list (the `calibrationImages` argument of fit). */
struct CalibrationImages : Images
{
};

/** A numpy image as a cv::Mat: dtype uint8 or uint16; shape H×W (gray), H×W×1, H×W×3 (BGR, as OpenCV
    reads them) or H×W×4 (BGRA). A C-contiguous array is shared, any other (a slice, a transposed
    view) copied. Anything else raises TypeError or ValueError naming `what`, the expected and the
    found value. */
Image imageFromArray(const py::handle& obj, const std::string& what);

/** Every element of a list or tuple (or another sequence) through imageFromArray, named what[i]; None
    gives an empty list when allowNone, a TypeError otherwise. */
Images imagesFromSequence(const py::handle& obj, const std::string& what, bool allowNone);

/** A 2-D single-channel CV_32F Mat (an anomaly map) as a new float32 array of its shape, owning its
    memory; an empty Mat gives an array of shape (0, 0). */
py::array_t<float> arrayFromFloatMap(const cv::Mat& map);

/** A 2-D float32 array (or anything numpy converts to one) as a new CV_32F Mat. */
cv::Mat floatMapFromArray(const py::handle& obj, const std::string& what);

/** A 2-D single-channel CV_8U Mat (a mask, Params::roi) as a new uint8 array of its shape; an empty
    Mat gives an array of shape (0, 0). */
py::array_t<uint8_t> arrayFromMask(const cv::Mat& mask);

/** A mask argument as a new CV_8U Mat: a 2-D (or H×W×1) uint8 array, non-zero inside, or a bool array
    (True inside, stored as 255); None or an empty array gives an empty Mat (no mask). Anything else
    raises TypeError or ValueError naming `what`. */
cv::Mat maskFromArray(const py::handle& obj, const std::string& what);

} // namespace unislad_python

#endif
