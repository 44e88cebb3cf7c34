// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_BYTE_SINK_HPP
#define OPENCV_UNISLAD_BYTE_SINK_HPP

// Where an encoder's bytes go: a file being written (writeFileAtomically, io/atomic_file.hpp) or
// memory (VectorSink), so that one encoder serves both.

#include <opencv2/core.hpp>

#include <vector>

namespace cv {
namespace uniSLAD {
namespace detail {

class ByteSink
{
public:
    virtual ~ByteSink() {}
    //! Takes all size bytes or raises cv::Exception.
    virtual void write(const void* data, size_t size) = 0;
};

//! Appends to a vector.
class VectorSink : public ByteSink
{
public:
    explicit VectorSink(std::vector<uchar>& out) : out_(out) {}
    void write(const void* data, size_t size) CV_OVERRIDE
    {
        const uchar* p = static_cast<const uchar*>(data);
        out_.insert(out_.end(), p, p + size);
    }
private:
    std::vector<uchar>& out_;
};

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_BYTE_SINK_HPP
