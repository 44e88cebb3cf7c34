// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "opencv2/unislad.hpp"
#include "features/region_of_interest.hpp"

#include <opencv2/imgproc.hpp>

namespace cv {
namespace uniSLAD {
namespace detail {

RegionOfInterest::RegionOfInterest(const Mat& mask)
{
    if (mask.empty())
        return;
    CV_Assert(mask.type() == CV_8UC1 && mask.dims == 2);
    compare(mask, 0, mask_, CMP_NE);
}

std::vector<int> RegionOfInterest::cells(int grid) const
{
    std::vector<int> inside;
    if (whole() || grid <= 0)
        return inside;
    // INTER_AREA averages the mask over each cell: its share of the cell, 0..255.
    Mat coverage;
    resize(mask_, coverage, Size(grid, grid), 0, 0, INTER_AREA);
    coverage.convertTo(coverage, CV_32F, 1.0 / 255.0);
    for (int i = 0; i < grid * grid; ++i)
        if (coverage.at<float>(i) >= 0.5f)
            inside.push_back(i);
    if (inside.empty()) {
        double most = 0;
        minMaxLoc(coverage, nullptr, &most);
        if (most > 0) {
            for (int i = 0; i < grid * grid; ++i)
                if (coverage.at<float>(i) >= (float)most)
                    inside.push_back(i);
        } else {
            // A mask too thin for INTER_AREA's float sums to register: the cells its pixels fall in.
            std::vector<Point> pixels;
            findNonZero(mask_, pixels);
            for (const Point& p : pixels)
                inside.push_back((int)((int64)p.y * grid / mask_.rows) * grid + (int)((int64)p.x * grid / mask_.cols));
            std::sort(inside.begin(), inside.end());
            inside.erase(std::unique(inside.begin(), inside.end()), inside.end());
        }
    }
    return inside;
}

Mat RegionOfInterest::maskAt(const Size& size) const
{
    CV_Assert(!whole());
    if (size == mask_.size())
        return mask_;
    Mat m;
    resize(mask_, m, size, 0, 0, INTER_NEAREST_EXACT);
    return m;
}

Mat RegionOfInterest::masked(const Mat& image, const Scalar& fill) const
{
    if (whole())
        return image;
    const double scale = image.depth() == CV_16U ? 65535.0 / 255.0 : 1.0;
    Scalar value = fill * scale;
    if (image.channels() == 1)
        value = Scalar::all((fill[0] + fill[1] + fill[2]) / 3 * scale);
    else if (image.channels() == 4)
        value[3] = image.depth() == CV_16U ? 65535 : 255;
    Mat out = image.clone();
    Mat outside;
    bitwise_not(maskAt(image.size()), outside);
    out.setTo(value, outside);
    return out;
}

void RegionOfInterest::checkImage(const Size& mask, const Size& image, const char* func, const String& name)
{
    if (mask.empty())
        return;
    const double a = (double)mask.width / mask.height, b = (double)image.width / image.height;
    if (std::abs(a / b - 1) > 0.02)
        CV_Error(Error::StsBadSize, format("%s: %s: expected the aspect ratio of the region of interest (%dx%d, "
                                           "%.3f), found %dx%d (%.3f); the mask is resized to every image, so it "
                                           "must have the images' shape", func, name.c_str(), mask.width,
                                           mask.height, a, image.width, image.height, b));
}

} // namespace detail

void checkRegionOfInterest(InputArray roi, const Size& imageSize, const String& name)
{
    detail::RegionOfInterest::checkImage(roi.empty() ? Size() : roi.size(), imageSize, "cv::uniSLAD::checkRegionOfInterest", name);
}

}} // namespace cv::uniSLAD
