// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "image_level/ledoit_wolf.hpp"

namespace cv {
namespace uniSLAD {
namespace detail {

double ledoitWolfShrinkage(double n, int d, double traceS, double frobS2, double sumNorm4)
{
    CV_Assert(n >= 1 && d >= 1);
    if (d == 1)
        return 0.0;
    const double dd = (frobS2 - traceS * traceS / d) / d;
    double bb = (sumNorm4 / n - frobS2) / (n * d);
    if (!(dd > 0.0))  // S is a multiple of the identity: shrinking changes nothing
        return 0.0;
    bb = std::min(bb, dd);
    if (bb <= 0.0)
        return 0.0;
    return std::min(1.0, std::max(0.0, bb / dd));
}

Eigen::RowVectorXd columnMeans(const Mat& X)
{
    const int n = X.rows, d = X.cols;
    Eigen::RowVectorXd mean = Eigen::RowVectorXd::Zero(d);
    for (int i = 0; i < n; ++i)
        mean += Eigen::Map<const Eigen::RowVectorXf>(X.ptr<float>(i), d).cast<double>();
    mean /= n;
    return mean;
}

}}} // namespace cv::uniSLAD::detail
