// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_IO_FILE_TYPE_HPP
#define OPENCV_UNISLAD_IO_FILE_TYPE_HPP

// What a path names, found with stat() before anything opens it: opening a named pipe for reading
// blocks until a writer comes (forever, for a user who gave the wrong path), and reading a device
// never ends. Every file the library reads (model files, manifests, ONNX files) is checked here first.

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>

namespace cv {
namespace uniSLAD {
namespace detail {

/** Requires path to name a regular file (symbolic links followed) and returns its size. Raises
    StsObjectNotFound when it cannot be examined, with the system's reason ("No such file or
    directory", "Too many levels of symbolic links", "Permission denied"), and StsBadArg when it is
    something else, saying what: "<what> '<path>': expected a regular file, found a named pipe (FIFO)"
    (a directory, a character device, a block device, a socket). */
CV_EXPORTS uint64_t checkRegularFile(const std::string& path, const std::string& what);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_IO_FILE_TYPE_HPP
