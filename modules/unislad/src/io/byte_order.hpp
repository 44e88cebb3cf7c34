// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_BYTE_ORDER_HPP
#define OPENCV_UNISLAD_BYTE_ORDER_HPP

// Little-endian integers written and read byte by byte (so the same on every host), and a writer
// that feeds a ByteSink and a CRC-32 (the IEEE 802.3 one, boost::crc_32_type) at once.

#include "io/byte_sink.hpp"

#include <boost/crc.hpp>

#include <algorithm>
#include <cstdint>

namespace cv {
namespace uniSLAD {
namespace detail {

#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
constexpr bool kBigEndianHost = true;
#else
constexpr bool kBigEndianHost = false;
#endif

// ---- little-endian integers ------------------------------------------------------------------
template <typename T> void putLE(uchar* p, T v)
{
    for (size_t i = 0; i < sizeof(T); ++i)
        p[i] = (uchar)((uint64_t)v >> (8 * i));
}
template <typename T> T getLE(const uchar* p)
{
    uint64_t v = 0;
    for (size_t i = 0; i < sizeof(T); ++i)
        v |= (uint64_t)p[i] << (8 * i);
    return (T)v;
}

//! Reverses the bytes of each element of size `elem` (big-endian hosts only).
inline void swapElements(uchar* p, size_t count, size_t elem)
{
    if (elem < 2)
        return;
    for (size_t i = 0; i < count; ++i, p += elem)
        std::reverse(p, p + elem);
}

//! Feeds a sink and a CRC at once.
class CrcWriter
{
public:
    explicit CrcWriter(ByteSink& sink) : sink_(sink) {}
    void write(const void* data, size_t size)
    {
        crc_.process_bytes(data, size);
        sink_.write(data, size);
    }
    template <typename T> void writeLE(T v)
    {
        uchar b[sizeof(T)];
        putLE(b, v);
        write(b, sizeof(T));
    }
    uint32_t checksum() const { return crc_.checksum(); }
    void reset() { crc_.reset(); }
private:
    ByteSink& sink_;
    boost::crc_32_type crc_;
};

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_BYTE_ORDER_HPP
