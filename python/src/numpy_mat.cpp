// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "numpy_mat.hpp"

#include <climits>
#include <cstring>

namespace unislad_python {

namespace {

std::string shapeText(const py::array& a)
{
    std::string s = "(";
    for (py::ssize_t i = 0; i < a.ndim(); ++i)
        s += (i ? ", " : "") + std::to_string(a.shape(i));
    return s + (a.ndim() == 1 ? ",)" : ")");
}

std::string typeName(const py::handle& obj)
{
    return py::str(py::type::handle_of(obj).attr("__name__"));
}

} // namespace

Image imageFromArray(const py::handle& obj, const std::string& what)
{
    if (!py::isinstance<py::array>(obj))
        throw py::type_error(what + ": expected a numpy array (an image), found " + typeName(obj));
    py::array a = py::reinterpret_borrow<py::array>(obj);
    int depth;
    if (a.dtype().equal(py::dtype::of<uint8_t>()))
        depth = CV_8U;
    else if (a.dtype().equal(py::dtype::of<uint16_t>()))
        depth = CV_16U;
    else
        throw py::type_error(what + ": expected dtype uint8 or uint16, found " + std::string(py::str(a.dtype())));
    const bool channelsOk = a.ndim() == 2 || (a.ndim() == 3 && (a.shape(2) == 1 || a.shape(2) == 3 || a.shape(2) == 4));
    if (!channelsOk)
        throw py::value_error(what + ": expected an image of shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), found shape " +
                              shapeText(a));
    if (a.size() == 0)
        throw py::value_error(what + ": expected a non-empty image, found shape " + shapeText(a));
    if (a.shape(0) > INT_MAX || a.shape(1) > INT_MAX)
        throw py::value_error(what + ": image too large, shape " + shapeText(a));
    if (!(a.flags() & py::array::c_style))
        a = py::array::ensure(a, py::array::c_style);  // a copy, C-contiguous
    const int channels = a.ndim() == 3 ? (int)a.shape(2) : 1;
    Image image;
    // const_cast: the detector only reads its input; a read-only array is fine.
    image.mat = cv::Mat((int)a.shape(0), (int)a.shape(1), CV_MAKETYPE(depth, channels), const_cast<void*>(a.data()));
    image.owner = std::move(a);
    return image;
}

Images imagesFromSequence(const py::handle& obj, const std::string& what, bool allowNone)
{
    Images images;
    if (obj.is_none() && allowNone)
        return images;
    if (py::isinstance<py::array>(obj) || !py::isinstance<py::sequence>(obj) || py::isinstance<py::str>(obj))
        throw py::type_error(what + ": expected a list of numpy arrays (images), found " + typeName(obj));
    const py::sequence seq = py::reinterpret_borrow<py::sequence>(obj);
    const size_t n = seq.size();
    images.mats.reserve(n);
    images.owners.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        Image image = imageFromArray(seq[i], what + "[" + std::to_string(i) + "]");
        images.mats.push_back(image.mat);
        images.owners.push_back(std::move(image.owner));
    }
    return images;
}

py::array_t<float> arrayFromFloatMap(const cv::Mat& map)
{
    if (map.empty())
        return py::array_t<float>(std::vector<py::ssize_t>{ 0, 0 });
    CV_Assert(map.type() == CV_32FC1 && map.dims == 2);
    py::array_t<float> out({ (py::ssize_t)map.rows, (py::ssize_t)map.cols });
    float* dst = out.mutable_data();
    for (int y = 0; y < map.rows; ++y)
        std::memcpy(dst + (size_t)y * map.cols, map.ptr<float>(y), sizeof(float) * map.cols);
    return out;
}

cv::Mat floatMapFromArray(const py::handle& obj, const std::string& what)
{
    const auto a = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(obj);
    if (!a)
        throw py::type_error(what + ": expected a 2-D float32 array, found " + typeName(obj));
    if (a.ndim() != 2)
        throw py::value_error(what + ": expected a 2-D float32 array, found shape " + shapeText(a));
    if (a.size() == 0)
        return cv::Mat();
    return cv::Mat((int)a.shape(0), (int)a.shape(1), CV_32FC1, const_cast<float*>(a.data())).clone();
}

py::array_t<uint8_t> arrayFromMask(const cv::Mat& mask)
{
    if (mask.empty())
        return py::array_t<uint8_t>(std::vector<py::ssize_t>{ 0, 0 });
    CV_Assert(mask.type() == CV_8UC1 && mask.dims == 2);
    py::array_t<uint8_t> out({ (py::ssize_t)mask.rows, (py::ssize_t)mask.cols });
    uint8_t* dst = out.mutable_data();
    for (int y = 0; y < mask.rows; ++y)
        std::memcpy(dst + (size_t)y * mask.cols, mask.ptr<uint8_t>(y), mask.cols);
    return out;
}

cv::Mat maskFromArray(const py::handle& obj, const std::string& what)
{
    if (obj.is_none())
        return cv::Mat();
    if (!py::isinstance<py::array>(obj))
        throw py::type_error(what + ": expected a numpy array (a mask) or None, found " + typeName(obj));
    py::array a = py::reinterpret_borrow<py::array>(obj);
    const bool isBool = a.dtype().equal(py::dtype::of<bool>());
    if (!isBool && !a.dtype().equal(py::dtype::of<uint8_t>()))
        throw py::type_error(what + ": expected dtype uint8 (non-zero inside) or bool, found " + std::string(py::str(a.dtype())));
    if (a.size() == 0)
        return cv::Mat();
    if (!(a.ndim() == 2 || (a.ndim() == 3 && a.shape(2) == 1)))
        throw py::value_error(what + ": expected a mask of shape (H, W) or (H, W, 1), found shape " + shapeText(a));
    if (a.shape(0) > INT_MAX || a.shape(1) > INT_MAX)
        throw py::value_error(what + ": mask too large, shape " + shapeText(a));
    a = py::array::ensure(a, py::array::c_style);
    // numpy's bool is one byte, 0 or 1: the same memory as a uint8 mask with 1 inside.
    const cv::Mat view((int)a.shape(0), (int)a.shape(1), CV_8UC1, const_cast<void*>(a.data()));
    cv::Mat mask;
    cv::compare(view, 0, mask, cv::CMP_NE);
    return mask;
}

} // namespace unislad_python
