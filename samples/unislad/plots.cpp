// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "plots.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace unislad {
namespace cli {

namespace {

// Figures are drawn at kSuper times their size and shrunk with INTER_AREA: smooth lines and text.
const int kSuper = 2;
const int kWidth = 640, kHeight = 480;
const int kFont = cv::FONT_HERSHEY_SIMPLEX;
const cv::Scalar kInk(40, 40, 40), kGrid(225, 225, 225), kAxisGray(150, 150, 150), kWhite(255, 255, 255);

/** Drawing surface in figure coordinates (pixels of the final image). */
class Canvas
{
public:
    Canvas(int w, int h) : img_(h * kSuper, w * kSuper, CV_8UC3, kWhite) {}

    cv::Point at(double x, double y) const { return cv::Point((int)std::lround(x * kSuper * 16), (int)std::lround(y * kSuper * 16)); }

    void line(double x0, double y0, double x1, double y1, const cv::Scalar& c, double width = 1)
    {
        cv::line(img_, at(x0, y0), at(x1, y1), c, std::max(1, (int)std::lround(width * kSuper)), cv::LINE_AA, 4);
    }
    void dashed(double x0, double y0, double x1, double y1, const cv::Scalar& c, double width = 1, double dash = 6)
    {
        const double len = std::hypot(x1 - x0, y1 - y0);
        for (double s = 0; s < len; s += 2 * dash) {
            const double e = std::min(len, s + dash);
            line(x0 + (x1 - x0) * s / len, y0 + (y1 - y0) * s / len, x0 + (x1 - x0) * e / len, y0 + (y1 - y0) * e / len, c, width);
        }
    }
    void polyline(const std::vector<cv::Point2d>& pts, const cv::Scalar& c, double width)
    {
        std::vector<cv::Point> p;
        for (const cv::Point2d& q : pts)
            p.push_back(at(q.x, q.y));
        cv::polylines(img_, std::vector<std::vector<cv::Point>>{ p }, false, c, std::max(1, (int)std::lround(width * kSuper)),
                      cv::LINE_AA, 4);
    }
    void rect(double x0, double y0, double x1, double y1, const cv::Scalar& c, double alpha = 1)
    {
        const cv::Rect r(cv::Point((int)std::lround(x0 * kSuper), (int)std::lround(y0 * kSuper)),
                         cv::Point((int)std::lround(x1 * kSuper), (int)std::lround(y1 * kSuper)));
        const cv::Rect clipped = r & cv::Rect(0, 0, img_.cols, img_.rows);
        if (clipped.empty())
            return;
        cv::Mat roi = img_(clipped);
        if (alpha >= 1)
            roi.setTo(c);
        else
            cv::addWeighted(roi, 1 - alpha, cv::Mat(roi.size(), roi.type(), c), alpha, 0, roi);
    }
    void frame(double x0, double y0, double x1, double y1, const cv::Scalar& c, double width = 1)
    {
        line(x0, y0, x1, y0, c, width);
        line(x1, y0, x1, y1, c, width);
        line(x1, y1, x0, y1, c, width);
        line(x0, y1, x0, y0, c, width);
    }
    /** Text with its anchor: ax = 0 left, 0.5 centre, 1 right; ay = 0 top, 0.5 middle, 1 baseline. */
    void text(const std::string& s, double x, double y, double size, double ax = 0, double ay = 1, const cv::Scalar& c = kInk,
              int weight = 1)
    {
        const double scale = size * kSuper;
        int base = 0;
        const cv::Size t = cv::getTextSize(s, kFont, scale, weight * kSuper, &base);
        const cv::Point org((int)std::lround(x * kSuper - ax * t.width), (int)std::lround(y * kSuper + (1 - ay) * t.height));
        cv::putText(img_, s, org, kFont, scale, c, weight * kSuper, cv::LINE_AA);
    }
    /** Text rotated by 90 degrees (reading upwards), centred on (x, y). */
    void verticalText(const std::string& s, double x, double y, double size)
    {
        const double scale = size * kSuper;
        int base = 0;
        const cv::Size t = cv::getTextSize(s, kFont, scale, kSuper, &base);
        cv::Mat strip(t.height + base + 4, t.width + 4, CV_8UC3, kWhite);
        cv::putText(strip, s, cv::Point(2, t.height + 2), kFont, scale, kInk, kSuper, cv::LINE_AA);
        cv::Mat up;
        cv::rotate(strip, up, cv::ROTATE_90_COUNTERCLOCKWISE);
        const cv::Rect r((int)std::lround(x * kSuper - up.cols / 2.0), (int)std::lround(y * kSuper - up.rows / 2.0), up.cols, up.rows);
        const cv::Rect clipped = r & cv::Rect(0, 0, img_.cols, img_.rows);
        up(cv::Rect(clipped.x - r.x, clipped.y - r.y, clipped.width, clipped.height)).copyTo(img_(clipped));
    }
    double textWidth(const std::string& s, double size) const
    {
        int base = 0;
        return cv::getTextSize(s, kFont, size * kSuper, kSuper, &base).width / (double)kSuper;
    }
    cv::Mat result() const
    {
        cv::Mat out;
        cv::resize(img_, out, cv::Size(img_.cols / kSuper, img_.rows / kSuper), 0, 0, cv::INTER_AREA);
        return out;
    }

private:
    cv::Mat img_;
};

/** Plot area of the figures and the mapping of data coordinates into it. */
struct Axes
{
    double left = 78, top = 46, right = kWidth - 24, bottom = kHeight - 62;
    double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
    double px(double x) const { return left + (x - x0) / (x1 - x0) * (right - left); }
    double py(double y) const { return bottom - (y - y0) / (y1 - y0) * (bottom - top); }
};

/** Ticks at "nice" steps (1, 2, 5 times a power of ten) covering [lo, hi]. */
std::vector<double> niceTicks(double lo, double hi, int target, double& step)
{
    const double span = std::max(hi - lo, 1e-12);
    const double raw = span / std::max(1, target);
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    step = mag;
    for (double m : { 1.0, 2.0, 5.0, 10.0 })
        if (m * mag >= raw) {
            step = m * mag;
            break;
        }
    std::vector<double> ticks;
    for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + 1e-9 * step; t += step)
        ticks.push_back(std::abs(t) < 1e-12 * step ? 0.0 : t);
    return ticks;
}

std::string tickLabel(double v, double step)
{
    const int decimals = std::max(0, std::min(6, (int)std::ceil(-std::log10(step) - 1e-9)));
    char b[32];
    std::snprintf(b, sizeof(b), "%.*f", decimals, v);
    return b;
}

/** Grid, axis lines, tick labels, axis labels and title. */
void drawAxes(Canvas& c, const Axes& a, const std::vector<double>& xt, double xs, const std::vector<double>& yt, double ys,
              const std::string& xlabel, const std::string& ylabel, const std::string& title)
{
    for (double t : xt) {
        c.line(a.px(t), a.top, a.px(t), a.bottom, kGrid);
        c.line(a.px(t), a.bottom, a.px(t), a.bottom + 5, kAxisGray);
        c.text(tickLabel(t, xs), a.px(t), a.bottom + 9, 0.42, 0.5, 0);
    }
    for (double t : yt) {
        c.line(a.left, a.py(t), a.right, a.py(t), kGrid);
        c.line(a.left - 5, a.py(t), a.left, a.py(t), kAxisGray);
        c.text(tickLabel(t, ys), a.left - 9, a.py(t), 0.42, 1, 0.5);
    }
    c.frame(a.left, a.top, a.right, a.bottom, kAxisGray);
    c.text(xlabel, 0.5 * (a.left + a.right), kHeight - 16, 0.5, 0.5, 1);
    c.verticalText(ylabel, 18, 0.5 * (a.top + a.bottom), 0.5);
    c.text(title, 0.5 * (a.left + a.right), 28, 0.6, 0.5, 1, kInk, 1);
}

/** A legend box in a corner of the plot area (corner: 0 top-right, 1 bottom-right, 2 top-left). */
void drawLegend(Canvas& c, const Axes& a, const std::vector<std::pair<std::string, cv::Scalar>>& entries, int corner, bool bars)
{
    if (entries.empty())
        return;
    double w = 0;
    for (const auto& e : entries)
        w = std::max(w, c.textWidth(e.first, 0.42));
    const double rowH = 20, boxW = w + 48, boxH = rowH * entries.size() + 10;
    const double x0 = corner == 2 ? a.left + 10 : a.right - 10 - boxW;
    const double y0 = corner == 1 ? a.bottom - 10 - boxH : a.top + 10;
    c.rect(x0, y0, x0 + boxW, y0 + boxH, kWhite, 0.9);
    c.frame(x0, y0, x0 + boxW, y0 + boxH, kGrid);
    for (size_t i = 0; i < entries.size(); ++i) {
        const double y = y0 + 5 + rowH * (i + 0.5);
        if (bars) {
            c.rect(x0 + 8, y - 6, x0 + 32, y + 6, entries[i].second, 0.45);
            c.frame(x0 + 8, y - 6, x0 + 32, y + 6, entries[i].second, 1.2);
        } else {
            c.line(x0 + 8, y, x0 + 32, y, entries[i].second, 2.5);
        }
        c.text(entries[i].first, x0 + 40, y, 0.42, 0, 0.5);
    }
}

cv::Mat toDisplay(const cv::Mat& image)
{
    cv::Mat img = image;
    if (img.depth() == CV_16U)
        img.convertTo(img, CV_8U, 1.0 / 257.0);
    else if (img.depth() != CV_8U) {
        double lo = 0, hi = 0;
        cv::minMaxLoc(img.reshape(1), &lo, &hi);
        img.convertTo(img, CV_8U, hi > lo ? 255.0 / (hi - lo) : 1.0, hi > lo ? -255.0 * lo / (hi - lo) : 0.0);
    }
    if (img.channels() == 1)
        cv::cvtColor(img, img, cv::COLOR_GRAY2BGR);
    else if (img.channels() == 4)
        cv::cvtColor(img, img, cv::COLOR_BGRA2BGR);
    return img;
}

} // namespace

cv::Scalar colorGood() { return cv::Scalar(180, 119, 31); }
cv::Scalar colorLogical() { return cv::Scalar(14, 127, 255); }
cv::Scalar colorStructural() { return cv::Scalar(40, 39, 214); }

cv::Mat plotRoc(const std::vector<RocSeries>& series, const std::string& title)
{
    Canvas c(kWidth, kHeight);
    Axes a;
    a.left = 70;
    a.right = a.left + (a.bottom - a.top) * 1.25;  // nearly square
    double step = 0.2;
    const std::vector<double> ticks = niceTicks(0, 1, 5, step);
    drawAxes(c, a, ticks, step, ticks, step, "false positive rate", "true positive rate", title);
    c.dashed(a.px(0), a.py(0), a.px(1), a.py(1), kAxisGray, 1);
    std::vector<std::pair<std::string, cv::Scalar>> legend;
    for (const RocSeries& s : series) {
        std::vector<cv::Point2d> pts;
        for (size_t i = 0; i < s.fpr.size() && i < s.tpr.size(); ++i)
            pts.push_back({ a.px(s.fpr[i]), a.py(s.tpr[i]) });
        if (pts.size() > 1)
            c.polyline(pts, s.color, 2.2);
        legend.push_back({ s.label, s.color });
    }
    drawLegend(c, a, legend, 1, false);
    return c.result();
}

cv::Mat plotHistogram(const std::vector<HistogramSeries>& series, double threshold, const std::string& title)
{
    Canvas c(kWidth, kHeight);
    Axes a;
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    size_t total = 0;
    for (const HistogramSeries& s : series)
        for (float v : s.scores)
            if (std::isfinite(v)) {
                lo = std::min(lo, (double)v);
                hi = std::max(hi, (double)v);
                ++total;
            }
    if (std::isfinite(threshold) && total > 0) {
        lo = std::min(lo, threshold);
        hi = std::max(hi, threshold);
    }
    if (total == 0) {
        lo = 0;
        hi = 1;
    }
    if (hi - lo < 1e-9)
        hi = lo + 1;
    const double pad = 0.04 * (hi - lo);
    a.x0 = lo - pad;
    a.x1 = hi + pad;
    const int bins = std::max(10, std::min(40, (int)std::lround(2 * std::sqrt((double)total))));
    const double width = (a.x1 - a.x0) / bins;
    std::vector<std::vector<double>> shares;
    double top = 0;
    for (const HistogramSeries& s : series) {
        std::vector<double> h(bins, 0.0);
        size_t n = 0;
        for (float v : s.scores)
            if (std::isfinite(v)) {
                h[std::min(bins - 1, std::max(0, (int)((v - a.x0) / width)))] += 1;
                ++n;
            }
        for (double& x : h) {
            x = n ? x / n : 0;
            top = std::max(top, x);
        }
        shares.push_back(h);
    }
    double xs = 1, ys = 0.1;
    const std::vector<double> xt = niceTicks(a.x0, a.x1, 7, xs);
    niceTicks(0, std::max(0.05, top * 1.12), 5, ys);
    a.y1 = std::ceil(std::max(0.05, top * 1.12) / ys - 1e-9) * ys;
    const std::vector<double> yt = niceTicks(0, a.y1, 5, ys);
    drawAxes(c, a, xt, xs, yt, ys, "anomaly score", "share of the group's images", title);
    for (size_t k = 0; k < series.size(); ++k) {
        std::vector<cv::Point2d> outline{ { a.px(a.x0), a.py(0) } };
        for (int b = 0; b < bins; ++b) {
            const double x0 = a.x0 + b * width, x1 = x0 + width;
            if (shares[k][b] > 0)
                c.rect(a.px(x0), a.py(shares[k][b]), a.px(x1), a.py(0), series[k].color, 0.28);
            outline.push_back({ a.px(x0), a.py(shares[k][b]) });
            outline.push_back({ a.px(x1), a.py(shares[k][b]) });
        }
        outline.push_back({ a.px(a.x1), a.py(0) });
        c.polyline(outline, series[k].color, 1.6);
    }
    std::vector<std::pair<std::string, cv::Scalar>> legend;
    for (const HistogramSeries& s : series)
        legend.push_back({ s.label + " (" + std::to_string(s.scores.size()) + ")", s.color });
    if (std::isfinite(threshold)) {
        const cv::Scalar red(30, 30, 200);
        c.dashed(a.px(threshold), a.top, a.px(threshold), a.bottom, red, 1.6, 5);
        char b[48];
        std::snprintf(b, sizeof(b), "threshold %.3g", threshold);
        const bool leftSide = a.px(threshold) > 0.5 * (a.left + a.right);
        c.text(b, a.px(threshold) + (leftSide ? -6 : 6), a.top + 14, 0.42, leftSide ? 1 : 0, 0.5, red);
    }
    // The legend goes to the side the threshold label is not on.
    const bool thresholdRight = std::isfinite(threshold) && a.px(threshold) > 0.5 * (a.left + a.right);
    drawLegend(c, a, legend, thresholdRight ? 2 : 0, true);
    return c.result();
}

void heatmapRange(const std::vector<cv::Mat>& maps, float& lo, float& hi)
{
    lo = HUGE_VALF;
    hi = -HUGE_VALF;
    for (const cv::Mat& m : maps) {
        if (m.empty())
            continue;
        cv::Mat flat = m.reshape(1, 1).clone();
        const int mid = flat.cols / 2;
        std::nth_element(flat.ptr<float>(), flat.ptr<float>() + mid, flat.ptr<float>() + flat.cols);
        double mx = 0;
        cv::minMaxLoc(m, nullptr, &mx);
        lo = std::min(lo, flat.at<float>(mid));
        hi = std::max(hi, (float)mx);
    }
    if (!(lo < hi)) {
        lo = std::isfinite(lo) ? lo : 0.f;
        hi = lo + 1.f;
    }
}

cv::Mat heatmapOverlay(const cv::Mat& image, const cv::Mat& map, const cv::Mat& mask, float lo, float hi,
                       const std::vector<std::string>& caption, int side)
{
    cv::Mat base = toDisplay(image);
    const double f = (double)side / std::max(base.cols, base.rows);
    const cv::Size size(std::max(1, (int)std::lround(base.cols * f)), std::max(1, (int)std::lround(base.rows * f)));
    cv::resize(base, base, size, 0, 0, f < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
    cv::Mat out = base.clone();
    if (!map.empty()) {
        cv::Mat m;
        cv::resize(map, m, size, 0, 0, cv::INTER_LINEAR);
        cv::Mat norm;
        m.convertTo(norm, CV_32F, 1.0 / std::max(1e-12f, hi - lo), -lo / std::max(1e-12f, hi - lo));
        norm = cv::max(cv::min(norm, 1.0), 0.0);
        cv::Mat levels, colors;
        norm.convertTo(levels, CV_8U, 255);
        cv::applyColorMap(levels, colors, cv::COLORMAP_JET);
        // Opacity grows with the score: nominal areas stay readable, hot spots stand out.
        for (int y = 0; y < size.height; ++y) {
            const float* a = norm.ptr<float>(y);
            const cv::Vec3b* b = base.ptr<cv::Vec3b>(y);
            const cv::Vec3b* c = colors.ptr<cv::Vec3b>(y);
            cv::Vec3b* o = out.ptr<cv::Vec3b>(y);
            for (int x = 0; x < size.width; ++x) {
                const float alpha = 0.25f + 0.45f * a[x];
                for (int k = 0; k < 3; ++k)
                    o[x][k] = cv::saturate_cast<uchar>((1 - alpha) * b[x][k] + alpha * c[x][k]);
            }
        }
    }
    if (!mask.empty() && cv::countNonZero(mask) > 0) {
        cv::Mat k;
        cv::resize(mask, k, size, 0, 0, cv::INTER_NEAREST);
        std::vector<std::vector<cv::Point>> contours;
        cv::findContours(k > 0, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
        cv::drawContours(out, contours, -1, cv::Scalar(0, 0, 0), 4, cv::LINE_AA);
        cv::drawContours(out, contours, -1, cv::Scalar(255, 255, 255), 2, cv::LINE_AA);
    }
    if (caption.empty())
        return out;
    const int lineH = 20;
    cv::Mat framed(out.rows + lineH * (int)caption.size() + 8, out.cols, CV_8UC3, cv::Scalar(30, 30, 30));
    out.copyTo(framed(cv::Rect(0, 0, out.cols, out.rows)));
    for (size_t i = 0; i < caption.size(); ++i) {
        double scale = 0.45;
        int baseline = 0;
        while (scale > 0.25 && cv::getTextSize(caption[i], kFont, scale, 1, &baseline).width > out.cols - 10)
            scale -= 0.025;
        cv::putText(framed, caption[i], cv::Point(6, out.rows + 18 + lineH * (int)i), kFont, scale, cv::Scalar(245, 245, 245), 1,
                    cv::LINE_AA);
    }
    return framed;
}

} // namespace cli
} // namespace unislad
