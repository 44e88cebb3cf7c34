// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "regions.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace unislad_gst {

std::vector<cv::Rect> anomalyRegions(const cv::Mat& map, float threshold)
{
    CV_CheckTypeEQ(map.type(), CV_32FC1, "anomalyRegions: map: expected CV_32FC1");
    std::vector<cv::Rect> boxes;
    if (map.empty())
        return boxes;
    const cv::Mat mask = map > threshold;
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(mask, labels, stats, centroids, 8, CV_32S);
    for (int i = 1; i < n; ++i)
        boxes.emplace_back(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                           stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
    std::sort(boxes.begin(), boxes.end(), [](const cv::Rect& a, const cv::Rect& b) {
        return a.y != b.y ? a.y < b.y : a.x < b.x;
    });
    return boxes;
}

double regionDisagreement(const cv::Mat& model, const cv::Mat& given)
{
    CV_CheckTypeEQ(model.type(), CV_8UC1, "regionDisagreement: model: expected CV_8UC1");
    CV_CheckTypeEQ(given.type(), CV_8UC1, "regionDisagreement: given: expected CV_8UC1");
    CV_Assert(!model.empty() && !given.empty());
    cv::Mat g;
    cv::resize(given >= 128, g, model.size(), 0, 0, cv::INTER_NEAREST_EXACT);
    cv::Mat differ;
    cv::compare(g, model != 0, differ, cv::CMP_NE);
    return cv::countNonZero(differ) / (double)model.total();
}

} // namespace unislad_gst
