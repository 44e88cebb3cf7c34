// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "heatmap_figure.hpp"
#include "plots.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace unislad {
namespace cli {

namespace {

const int kFont = cv::FONT_HERSHEY_SIMPLEX;
const cv::Scalar kBackground(30, 30, 30), kInk(245, 245, 245);
const cv::Scalar kMaskOutline(255, 0, 255);   // magenta: apart from every colour of the JET map
const int kBarWidth = 18, kBarPanel = 86;     // the bar, and the bar with its labels

std::string label(float v)
{
    char b[32];
    std::snprintf(b, sizeof(b), "%.3g", v);
    return b;
}

/** The colour bar beside an overlay of `height` rows: JET from lo (bottom) to hi (top), labelled at both
    ends, the threshold marked by a line across the bar and its value. */
cv::Mat colourBar(int height, float lo, float hi, float threshold)
{
    cv::Mat panel(height, kBarPanel, CV_8UC3, kBackground);
    const int top = 22, bottom = height - 10, x0 = 8;
    if (bottom - top < 8)
        return panel;
    cv::Mat levels(bottom - top, kBarWidth, CV_8U);
    for (int y = 0; y < levels.rows; ++y)
        levels.row(y).setTo(cv::Scalar(cvRound(255.0 * (levels.rows - 1 - y) / std::max(1, levels.rows - 1))));
    cv::Mat colours;
    cv::applyColorMap(levels, colours, cv::COLORMAP_JET);
    colours.copyTo(panel(cv::Rect(x0, top, kBarWidth, levels.rows)));
    const auto rowOf = [&](float v) {
        const double a = std::min(1.0, std::max(0.0, (v - lo) / (double)(hi - lo)));
        return top + (int)std::lround((1 - a) * (levels.rows - 1));
    };
    const double scale = 0.36;
    const int tx = x0 + kBarWidth + 4;
    cv::putText(panel, "map", cv::Point(x0, 14), kFont, scale, kInk, 1, cv::LINE_AA);
    cv::putText(panel, label(hi), cv::Point(tx, top + 8), kFont, scale, kInk, 1, cv::LINE_AA);
    cv::putText(panel, label(lo), cv::Point(tx, bottom), kFont, scale, kInk, 1, cv::LINE_AA);
    const int ty = rowOf(threshold);
    cv::line(panel, cv::Point(x0 - 4, ty), cv::Point(x0 + kBarWidth + 2, ty), cv::Scalar(255, 255, 255), 2);
    cv::line(panel, cv::Point(x0 - 4, ty), cv::Point(x0 + kBarWidth + 2, ty), cv::Scalar(0, 0, 0), 1);
    cv::putText(panel, "t " + label(threshold), cv::Point(tx, std::min(bottom - 14, std::max(top + 22, ty + 4))), kFont,
                scale, kInk, 1, cv::LINE_AA);
    return panel;
}

} // namespace

void heatmapScale(float t, float& lo, float& hi)
{
    if (t > 0) {
        lo = 0;
        hi = 2 * t;
    } else {
        lo = t - 1;
        hi = t + 1;
    }
}

HeatmapFigure thresholdHeatmap(const cv::Mat& image, const cv::Mat& map, const cv::Mat& roi, float pixelThreshold,
                               const std::vector<std::string>& caption, int maxSide)
{
    CV_Assert(!image.empty() && map.size() == image.size() && map.type() == CV_32FC1 && maxSide >= 256);
    HeatmapFigure fig;
    const int longer = std::max(image.cols, image.rows);
    const int side = std::max(256, std::min(maxSide, longer));
    fig.scale = (double)side / longer;
    float lo = 0, hi = 1;
    heatmapScale(pixelThreshold, lo, hi);
    cv::Mat out = heatmapOverlay(image, map, roi, lo, hi, {}, side);
    // The predicted mask's outline, from the mask at full resolution brought to the overlay's size.
    const cv::Mat mask = map > pixelThreshold;
    if (cv::countNonZero(mask) > 0) {
        cv::Mat shown;
        cv::resize(mask, shown, out.size(), 0, 0, cv::INTER_NEAREST);
        std::vector<std::vector<cv::Point>> contours;
        cv::findContours(shown, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
        cv::drawContours(out, contours, -1, cv::Scalar(0, 0, 0), 4, cv::LINE_8);
        cv::drawContours(out, contours, -1, kMaskOutline, 2, cv::LINE_8);
    }
    const int lineH = 20;
    cv::Mat framed(out.rows + lineH * (int)caption.size() + 8, out.cols + kBarPanel, CV_8UC3, kBackground);
    out.copyTo(framed(cv::Rect(0, 0, out.cols, out.rows)));
    colourBar(out.rows, lo, hi, pixelThreshold).copyTo(framed(cv::Rect(out.cols, 0, kBarPanel, out.rows)));
    for (size_t i = 0; i < caption.size(); ++i) {
        double scale = 0.45;
        int baseline = 0;
        while (scale > 0.25 && cv::getTextSize(caption[i], kFont, scale, 1, &baseline).width > framed.cols - 10)
            scale -= 0.025;
        cv::putText(framed, caption[i], cv::Point(6, out.rows + 18 + lineH * (int)i), kFont, scale, kInk, 1, cv::LINE_AA);
    }
    fig.image = framed;
    return fig;
}

} // namespace cli
} // namespace unislad
