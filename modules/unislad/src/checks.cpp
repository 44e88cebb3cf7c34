// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"

#include <sstream>

namespace cv {
namespace uniSLAD {
namespace detail {

std::string describeMat(const Mat& m)
{
    if (m.empty())
        return "an empty matrix";
    std::ostringstream s;
    for (int i = 0; i < m.dims; ++i)
        s << (i ? "x" : "") << m.size[i];
    s << " " << typeToString(m.type());
    return s.str();
}

void checkFeatureMatrix(const Mat& m, const char* func, const char* arg, int minRows, int cols)
{
    const bool shapeOk = !m.empty() && m.dims == 2 && m.type() == CV_32FC1;
    if (!shapeOk)
        CV_Error(Error::StsBadArg, format("%s: %s: expected a non-empty 2-D CV_32FC1 matrix (N x d), found %s",
                                          func, arg, describeMat(m).c_str()));
    if (minRows >= 0 && m.rows < minRows)
        CV_Error(Error::StsBadSize, format("%s: %s: expected at least %d rows, found %d",
                                           func, arg, minRows, m.rows));
    if (cols >= 0 && m.cols != cols)
        CV_Error(Error::StsBadSize, format("%s: %s: expected %d columns, found %d", func, arg, cols, m.cols));
}

void checkFinite(const Mat& m, const char* func, const char* arg)
{
    CV_Assert(m.depth() == CV_32F || m.depth() == CV_64F);
    Point where;
    if (cv::checkRange(m, true, &where))
        return;
    const int cn = m.channels();
    CV_Error(Error::StsBadArg, format("%s: %s: expected finite values, found NaN or Inf at row %d, column %d",
                                      func, arg, where.y, where.x / std::max(cn, 1)));
}

void checkValueRange(double value, double lo, double hi, const char* func, const char* arg, bool loOpen, bool hiOpen)
{
    const bool okLo = loOpen ? value > lo : value >= lo;
    const bool okHi = hiOpen ? value < hi : value <= hi;
    if (okLo && okHi && !cvIsNaN(value))
        return;
    CV_Error(Error::StsOutOfRange, format("%s: %s: expected a value in %c%g, %g%c, found %g",
                                          func, arg, loOpen ? '(' : '[', lo, hi, hiOpen ? ')' : ']', value));
}

int resolveThreads(int numThreads)
{
    return numThreads > 0 ? numThreads : std::max(1, getNumThreads());
}

std::string yamlProblem(const std::string& text)
{
    const size_t kMaxText = size_t(1) << 20;
    if (text.size() > kMaxText)
        return format("expected at most %zu bytes of YAML/JSON, found %zu", kMaxText, text.size());
    if (text.compare(0, 5, "%YAML") != 0)
        return std::string();
    const size_t first = text.find('\n');
    if (first == std::string::npos)
        return "expected the line '---' after the '%YAML' line, found the end of the text";
    size_t end = text.find('\n', first + 1);
    std::string second = text.substr(first + 1, end == std::string::npos ? std::string::npos : end - first - 1);
    while (!second.empty() && (second.back() == '\r' || second.back() == ' '))
        second.pop_back();
    if (second != "---")
        return "expected the line '---' after the '%YAML' line, found '" + second.substr(0, 40) + "'";
    // OpenCV 4.6's YAML parser can loop forever on a later line that starts with "--" (found by
    // fuzz_manifest: fuzz/regressions/manifest/yaml_parser_hang_dashes_line.yml). No value the library writes or reads starts a line that way (list
    // items are "- ", negative numbers follow a key or "- "), so such text is refused before parsing.
    int line = 2;
    for (size_t pos = end; pos != std::string::npos;) {  // pos: the '\n' before the next line
        const size_t next = text.find('\n', pos + 1);
        const size_t lead = text.find_first_not_of(" \t", pos + 1);
        ++line;
        if (lead != std::string::npos && (next == std::string::npos || lead < next) && text.compare(lead, 2, "--") == 0)
            return format("expected no line starting with '--' after the '---' line, found one at line %d", line);
        pos = next;
    }
    return std::string();
}

}}} // namespace cv::uniSLAD::detail
