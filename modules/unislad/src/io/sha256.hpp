// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_SHA256_HPP
#define OPENCV_UNISLAD_SHA256_HPP

// SHA-256 (FIPS 180-4) of files and buffers: backbone files are referenced by hash in manifests and
// model files and verified on load. Neither OpenCV nor Boost offers SHA-256, and the need is small.

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>

namespace cv {
namespace uniSLAD {
namespace detail {

class CV_EXPORTS Sha256
{
public:
    Sha256();
    void update(const void* data, size_t size);
    //! Lower-case hex digest; the object must not be updated afterwards.
    std::string hexDigest();

private:
    void block(const uint8_t* p);
    uint32_t h_[8];
    uint8_t buf_[64];
    size_t bufLen_ = 0;
    uint64_t total_ = 0;
};

CV_EXPORTS std::string sha256Hex(const void* data, size_t size);
//! Hash of a whole file; raises cv::Exception naming the path when it cannot be read.
CV_EXPORTS std::string sha256File(const std::string& path);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_SHA256_HPP
