// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "opencv2/unislad/anomaly_regions.hpp"

#include <opencv2/imgproc.hpp>

namespace cv {
namespace uniSLAD {

std::vector<AnomalyRegion> findAnomalyRegions(InputArray _map, float threshold)
{
    std::vector<AnomalyRegion> regions;
    if (_map.empty())
        return regions;
    const Mat map = _map.getMat();
    CV_CheckTypeEQ(map.type(), CV_32FC1, "findAnomalyRegions: map: expected CV_32FC1");
    if (std::isnan(threshold))
        CV_Error(Error::StsBadArg, "findAnomalyRegions: threshold: expected a number, found NaN");
    const Mat mask = map > threshold;   // NaN compares false: outside every region
    Mat labels, stats, centroids;
    const int n = connectedComponentsWithStats(mask, labels, stats, centroids, 8, CV_32S);
    if (n <= 1)
        return regions;
    regions.resize(n - 1);
    std::vector<int> first(n - 1, -1);   // each region's first pixel, row-major, for the tie order
    for (int i = 1; i < n; ++i) {
        AnomalyRegion& r = regions[i - 1];
        r.box = Rect(stats.at<int>(i, CC_STAT_LEFT), stats.at<int>(i, CC_STAT_TOP), stats.at<int>(i, CC_STAT_WIDTH),
                     stats.at<int>(i, CC_STAT_HEIGHT));
        r.area = stats.at<int>(i, CC_STAT_AREA);
        r.peak = -std::numeric_limits<float>::infinity();
    }
    // One pass for the peaks, in row-major order, so that the first of equal peaks wins.
    for (int y = 0; y < map.rows; ++y) {
        const float* v = map.ptr<float>(y);
        const int* l = labels.ptr<int>(y);
        for (int x = 0; x < map.cols; ++x) {
            if (l[x] == 0)
                continue;
            AnomalyRegion& r = regions[l[x] - 1];
            if (first[l[x] - 1] < 0)
                first[l[x] - 1] = y * map.cols + x;
            if (v[x] > r.peak) {
                r.peak = v[x];
                r.peakLocation = Point(x, y);
            }
        }
    }
    std::vector<int> order(n - 1);
    for (int i = 0; i < n - 1; ++i)
        order[i] = i;
    std::sort(order.begin(), order.end(), [&](int a, int b) {
        const Rect &ra = regions[a].box, &rb = regions[b].box;
        if (ra.y != rb.y) return ra.y < rb.y;
        if (ra.x != rb.x) return ra.x < rb.x;
        return first[a] < first[b];
    });
    std::vector<AnomalyRegion> sorted;
    sorted.reserve(order.size());
    for (int i : order)
        sorted.push_back(regions[i]);
    return sorted;
}

}} // namespace cv::uniSLAD
