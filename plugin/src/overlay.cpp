// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "overlay.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <vector>

namespace unislad_gst {

namespace {

/** A BGR colour in the frame's layout. */
cv::Scalar inOrder(const cv::Scalar& bgr, PixelOrder order)
{
    switch (order) {
    case PixelOrder::RGB: return cv::Scalar(bgr[2], bgr[1], bgr[0]);
    case PixelOrder::GRAY: return cv::Scalar(0.114 * bgr[0] + 0.587 * bgr[1] + 0.299 * bgr[2]);
    case PixelOrder::BGR: break;
    }
    return cv::Scalar(bgr[0], bgr[1], bgr[2], 255);
}

/** A BGR CV_8UC3 image converted to the frame's layout. */
cv::Mat toOrder(const cv::Mat& bgr, PixelOrder order, int channels)
{
    cv::Mat out;
    if (order == PixelOrder::RGB)
        cv::cvtColor(bgr, out, cv::COLOR_BGR2RGB);
    else if (order == PixelOrder::GRAY)
        cv::cvtColor(bgr, out, cv::COLOR_BGR2GRAY);
    else if (channels == 4)
        cv::cvtColor(bgr, out, cv::COLOR_BGR2BGRA);
    else
        out = bgr;
    return out;
}

} // namespace

cv::Rect verdictBox(const cv::Size& frame)
{
    const int h = std::max(10, std::min(40, frame.height / 12));
    return cv::Rect(0, 0, 7 * h, h) & cv::Rect(cv::Point(), frame);
}

void drawOverlay(cv::Mat& frame, PixelOrder order, const cv::Mat& map, float threshold, bool isAnomaly, float score,
                 double alpha)
{
    const int expected = order == PixelOrder::GRAY ? 1 : 3;
    if (frame.depth() != CV_8U ||
        !(frame.channels() == expected || (order == PixelOrder::BGR && frame.channels() == 4)))
        CV_Error(cv::Error::StsBadArg, cv::format("drawOverlay: frame: expected 8-bit with %s channels, found depth %d "
                                                  "with %d channels", order == PixelOrder::GRAY ? "1" :
                                                  order == PixelOrder::RGB ? "3" : "3 or 4", frame.depth(),
                                                  frame.channels()));
    CV_CheckTypeEQ(map.type(), CV_32FC1, "drawOverlay: map: expected CV_32FC1");
    if (map.size() != frame.size())
        CV_Error(cv::Error::StsBadSize, cv::format("drawOverlay: map: expected the frame's size %dx%d, found %dx%d",
                                                   frame.cols, frame.rows, map.cols, map.rows));
    if (!(alpha >= 0 && alpha <= 1))
        CV_Error(cv::Error::StsOutOfRange, cv::format("drawOverlay: alpha: expected a value in [0, 1], found %g", alpha));

    // Heat map: JET levels 160 (yellow) at the threshold to 255 (dark red) at the maximum.
    const cv::Mat mask = map > threshold;
    if (alpha > 0 && cv::countNonZero(mask) > 0) {
        double maxValue = 0;
        cv::minMaxLoc(map, nullptr, &maxValue, nullptr, nullptr, mask);
        const double span = maxValue - threshold;
        const double scale = span > 0 ? 95.0 / span : 0.0;
        cv::Mat level, colour, blended;
        map.convertTo(level, CV_8U, scale, 160.0 - scale * threshold);
        cv::applyColorMap(level, colour, cv::COLORMAP_JET);
        cv::addWeighted(frame, 1.0 - alpha, toOrder(colour, order, frame.channels()), alpha, 0.0, blended);
        blended.copyTo(frame, mask);
    }

    // Verdict label, clipped to its box (drawing into a view clips).
    const cv::Rect box = verdictBox(frame.size());
    if (box.area() == 0)
        return;
    cv::Mat label = frame(box);
    label.setTo(inOrder(isAnomaly ? cv::Scalar(40, 40, 220) : cv::Scalar(60, 160, 60), order));
    const std::string text = cv::format("%s %.3g", isAnomaly ? "ANOMALY" : "OK", score);
    int baseline = 0;
    const cv::Size unit = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, 1.0, 1, &baseline);
    const double fontScale = 0.6 * box.height / std::max(1, unit.height);
    const int y = (box.height + (int)(fontScale * unit.height)) / 2;
    cv::putText(label, text, cv::Point(3, y), cv::FONT_HERSHEY_SIMPLEX, fontScale, cv::Scalar::all(255), 1,
                cv::LINE_AA);
}

void drawRegionOutline(cv::Mat& frame, PixelOrder order, const cv::Mat& roi)
{
    CV_CheckTypeEQ(roi.type(), CV_8UC1, "drawRegionOutline: roi: expected CV_8UC1");
    CV_CheckDepthEQ(frame.depth(), CV_8U, "drawRegionOutline: frame: expected 8-bit");
    cv::Mat inside;
    cv::resize(roi != 0, inside, frame.size(), 0, 0, cv::INTER_NEAREST_EXACT);
    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(inside, contours, cv::RETR_LIST, cv::CHAIN_APPROX_SIMPLE);
    cv::drawContours(frame, contours, -1, inOrder(cv::Scalar(255, 255, 255), order), 1, cv::LINE_8);
}

} // namespace unislad_gst
