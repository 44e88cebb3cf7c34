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

Mat checkStateMatrix(const Mat& m, int rows, int cols, const char* func, const char* arg)
{
    if (m.empty() || m.dims != 2 || m.channels() != 1 || (m.depth() != CV_32F && m.depth() != CV_64F))
        CV_Error(Error::StsBadArg, format("%s: %s: expected a non-empty 2-D CV_32FC1 or CV_64FC1 matrix, found %s",
                                          func, arg, describeMat(m).c_str()));
    Mat r = m;
    if (rows == 1 && m.cols == 1 && m.rows > 1)
        r = m.t();  // a column vector is accepted for a row
    if ((rows >= 0 && r.rows != rows) || (cols >= 0 && r.cols != cols))
        CV_Error(Error::StsBadSize, format("%s: %s: expected a %dx%d matrix, found %s", func, arg,
                                           rows >= 0 ? rows : r.rows, cols >= 0 ? cols : r.cols, describeMat(m).c_str()));
    checkFinite(r, func, arg);
    return r;
}

}}} // namespace cv::uniSLAD::detail
