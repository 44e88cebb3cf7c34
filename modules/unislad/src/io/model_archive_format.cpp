// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "io/model_archive_format.hpp"

namespace cv {
namespace uniSLAD {
namespace detail {

std::string hexBytes(const uchar* p, size_t n)
{
    std::string s;
    for (size_t i = 0; i < n; ++i)
        s += format(i ? " %02X" : "%02X", p[i]);
    return s;
}

std::string quoted(const uchar* p, size_t n)
{
    std::string s = "\"";
    for (size_t i = 0; i < n; ++i) {
        if (p[i] >= 0x20 && p[i] < 0x7F && p[i] != '"' && p[i] != '\\')
            s += (char)p[i];
        else
            s += format("\\x%02X", p[i]);
    }
    return s + "\"";
}

std::string nameProblem(const uchar* p, size_t n)
{
    if (n == 0 || n > ModelArchiveWriter::kMaxNameLength)
        return format("expected a name of 1 to %d bytes, found %zu bytes",
                      (int)ModelArchiveWriter::kMaxNameLength, n);
    for (size_t i = 0; i < n; ++i)
        if (p[i] < 0x20 || p[i] > 0x7E)
            return format("expected printable ASCII (0x20 to 0x7E), found byte 0x%02X at offset %zu of the name %s",
                          p[i], i, quoted(p, n).c_str());
    return std::string();
}

}}} // namespace cv::uniSLAD::detail
