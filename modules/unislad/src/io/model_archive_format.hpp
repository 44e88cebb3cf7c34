// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_MODEL_ARCHIVE_FORMAT_HPP
#define OPENCV_UNISLAD_MODEL_ARCHIVE_FORMAT_HPP

// What the archive's reader and writer share: the layout constants of the format (described in
// io/model_archive.hpp), the rule for section names and how bytes are shown in messages.

#include "io/model_archive.hpp"

#include <cstdint>
#include <string>

namespace cv {
namespace uniSLAD {
namespace detail {

inline constexpr uchar kMagic[8] = { 'U', 'N', 'I', 'S', 'L', 'A', 'D', 0 };
constexpr uint32_t kByteOrderMarker = 0x01020304u;
constexpr size_t kHeaderSize = 24;

//! The number of tensor-payload bytes before the elements.
inline size_t tensorHeaderSize(int dims) { return 8 + 4 * (size_t)dims; }

std::string hexBytes(const uchar* p, size_t n);

//! A byte string as a quoted literal with non-printable bytes escaped.
std::string quoted(const uchar* p, size_t n);

//! Empty when the name is valid, otherwise what is wrong with it.
std::string nameProblem(const uchar* p, size_t n);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_MODEL_ARCHIVE_FORMAT_HPP
