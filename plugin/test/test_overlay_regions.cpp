// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// The element's plain-OpenCV parts: the overlay (what changes, what does not, channel orders, strides) and
// the region-of-interest check. (The regions of a map are the library's, tested in test_anomaly_regions.cpp.)
#include "overlay.hpp"
#include "regions.hpp"

#include <opencv2/imgproc.hpp>

#include <gtest/gtest.h>

namespace opencv_test {
namespace {

using namespace unislad_gst;

/** A textured BGR frame and a map with one blob above threshold 1 away from the verdict box. */
struct Scene
{
    cv::Mat frame, map;
    float threshold = 1.0f;
    cv::Mat heat;  // map > threshold, outside the verdict box
    Scene()
    {
        frame.create(120, 160, CV_8UC3);
        cv::RNG rng(3);
        rng.fill(frame, cv::RNG::UNIFORM, 0, 256);
        map = cv::Mat(frame.size(), CV_32F, cv::Scalar(0.2f));
        cv::circle(map, cv::Point(100, 80), 15, cv::Scalar(1.8), -1);
        cv::circle(map, cv::Point(100, 80), 6, cv::Scalar(3.0), -1);
        heat = map > threshold;
        heat(verdictBox(frame.size())).setTo(0);
    }
};

cv::Mat changedPixels(const cv::Mat& a, const cv::Mat& b)
{
    std::vector<cv::Mat> planes;
    cv::Mat diff;
    cv::absdiff(a, b, diff);
    cv::split(diff, planes);
    cv::Mat any = cv::Mat::zeros(a.size(), CV_8U);
    for (const cv::Mat& p : planes)
        any |= p > 0;
    return any;
}

TEST(UniSLAD_GstRegions, disagreement_of_region_masks)
{
    cv::Mat model(40, 60, CV_8U, cv::Scalar(0));
    model(cv::Rect(15, 10, 30, 20)).setTo(255);
    cv::Mat same;   // the same region, saved at twice the size with gray levels of a light pen
    cv::resize(model, same, cv::Size(120, 80), 0, 0, cv::INTER_NEAREST);
    same.setTo(200, same);
    EXPECT_EQ(0.0, unislad_gst::regionDisagreement(model, same));
    cv::Mat shifted(40, 60, CV_8U, cv::Scalar(0));
    shifted(cv::Rect(21, 10, 30, 20)).setTo(255);   // 6 columns of 20 rows on each side: 240 of 2400
    EXPECT_DOUBLE_EQ(240.0 / 2400.0, unislad_gst::regionDisagreement(model, shifted));
    EXPECT_DOUBLE_EQ(1.0, unislad_gst::regionDisagreement(model, 255 - model));
    cv::Mat dim = model.clone();
    dim.setTo(100, model);   // darker than half: outside
    EXPECT_DOUBLE_EQ(600.0 / 2400.0, unislad_gst::regionDisagreement(model, dim));
    EXPECT_THROW(unislad_gst::regionDisagreement(model, cv::Mat(4, 4, CV_8UC3)), cv::Exception);
}

TEST(UniSLAD_GstOverlay, region_outline_follows_the_mask_border)
{
    cv::Mat roi(20, 20, CV_8U, cv::Scalar(0));
    roi(cv::Rect(5, 5, 10, 10)).setTo(1);
    for (const auto order : { unislad_gst::PixelOrder::BGR, unislad_gst::PixelOrder::GRAY }) {
        cv::Mat frame(40, 40, order == unislad_gst::PixelOrder::GRAY ? CV_8UC1 : CV_8UC3, cv::Scalar::all(50));
        unislad_gst::drawRegionOutline(frame, order, roi);
        // The mask at the frame's size is the square 10..29: its border pixels, and only those, are white.
        cv::Mat expected(40, 40, CV_8U, cv::Scalar(0));
        cv::rectangle(expected, cv::Rect(10, 10, 20, 20), cv::Scalar(255), 1);
        cv::Mat gray = frame;
        if (frame.channels() == 3)
            cv::cvtColor(frame, gray, cv::COLOR_BGR2GRAY);
        EXPECT_EQ(0, cv::norm(gray == 255, expected, cv::NORM_INF));
        EXPECT_EQ(0, cv::countNonZero((gray != 255) & (gray != 50)));
    }
    cv::Mat frame(8, 8, CV_8UC3);
    EXPECT_THROW(unislad_gst::drawRegionOutline(frame, unislad_gst::PixelOrder::BGR, cv::Mat(8, 8, CV_32F)), cv::Exception);
}

TEST(UniSLAD_GstOverlay, changes_only_the_heat_map_and_the_verdict_box)
{
    const Scene s;
    ASSERT_GT(cv::countNonZero(s.heat), 0);
    cv::Mat allowed = s.map > s.threshold;
    allowed(verdictBox(s.frame.size())).setTo(255);
    for (double alpha : { 0.0, 0.5, 1.0 }) {
        SCOPED_TRACE(alpha);
        cv::Mat out = s.frame.clone();
        drawOverlay(out, PixelOrder::BGR, s.map, s.threshold, true, 3.0f, alpha);
        const cv::Mat changed = changedPixels(s.frame, out);
        EXPECT_EQ(0, cv::countNonZero(changed & ~allowed));
        EXPECT_GT(cv::countNonZero(changed(verdictBox(s.frame.size()))), 0) << "the verdict is always drawn";
        if (alpha == 0)
            EXPECT_EQ(0, cv::countNonZero(changed & s.heat)) << "alpha 0: no heat map";
        else
            EXPECT_GT(cv::countNonZero(changed & s.heat), cv::countNonZero(s.heat) / 2);
    }
}

TEST(UniSLAD_GstOverlay, heat_map_blends_linearly_and_peaks_red)
{
    const Scene s;
    cv::Mat opaque = s.frame.clone(), half = s.frame.clone();
    drawOverlay(opaque, PixelOrder::BGR, s.map, s.threshold, true, 3.0f, 1.0);
    drawOverlay(half, PixelOrder::BGR, s.map, s.threshold, true, 3.0f, 0.5);
    // alpha 0.5 is the mean of the frame and the opaque heat map (to rounding).
    cv::Mat mean;
    cv::addWeighted(s.frame, 0.5, opaque, 0.5, 0.0, mean);
    cv::Mat diff, diffHeat = cv::Mat::zeros(s.frame.size(), CV_8UC3);
    cv::absdiff(mean, half, diff);
    diff.copyTo(diffHeat, s.heat);
    EXPECT_LE(cv::norm(diffHeat, cv::NORM_INF), 1.0);
    // At the map's maximum the opaque colour is JET's top end: red dominates.
    const cv::Vec3b peak = opaque.at<cv::Vec3b>(80, 100);
    EXPECT_GT(peak[2], 100);
    EXPECT_LT(peak[1], 60);
    EXPECT_LT(peak[0], 60);
}

TEST(UniSLAD_GstOverlay, channel_orders_and_strides_agree)
{
    const Scene s;
    cv::Mat bgr = s.frame.clone();
    drawOverlay(bgr, PixelOrder::BGR, s.map, s.threshold, false, 0.25f, 0.7);

    cv::Mat rgb;
    cv::cvtColor(s.frame, rgb, cv::COLOR_BGR2RGB);
    drawOverlay(rgb, PixelOrder::RGB, s.map, s.threshold, false, 0.25f, 0.7);
    cv::cvtColor(rgb, rgb, cv::COLOR_RGB2BGR);
    EXPECT_EQ(0, cv::norm(bgr, rgb, cv::NORM_INF)) << "RGB is BGR with the channels swapped";

    cv::Mat bgrx;
    cv::cvtColor(s.frame, bgrx, cv::COLOR_BGR2BGRA);
    drawOverlay(bgrx, PixelOrder::BGR, s.map, s.threshold, false, 0.25f, 0.7);
    cv::cvtColor(bgrx, bgrx, cv::COLOR_BGRA2BGR);
    EXPECT_EQ(0, cv::norm(bgr, bgrx, cv::NORM_INF)) << "BGRx draws the same colours";

    // A view into a larger buffer (its own stride): the same pixels, nothing outside the view touched.
    cv::Mat big(s.frame.rows + 10, s.frame.cols + 30, CV_8UC3, cv::Scalar(7, 8, 9));
    cv::Mat view = big(cv::Rect(20, 5, s.frame.cols, s.frame.rows));
    s.frame.copyTo(view);
    ASSERT_FALSE(view.isContinuous());
    drawOverlay(view, PixelOrder::BGR, s.map, s.threshold, false, 0.25f, 0.7);
    EXPECT_EQ(0, cv::norm(bgr, view, cv::NORM_INF));
    cv::Mat outside = cv::Mat::ones(big.size(), CV_8U);
    outside(cv::Rect(20, 5, s.frame.cols, s.frame.rows)).setTo(0);
    const cv::Mat borderChanged = changedPixels(big, cv::Mat(big.size(), CV_8UC3, cv::Scalar(7, 8, 9)));
    EXPECT_EQ(0, cv::countNonZero(borderChanged & outside));

    // Gray frames: only the heat map and the verdict box change.
    cv::Mat gray;
    cv::cvtColor(s.frame, gray, cv::COLOR_BGR2GRAY);
    cv::Mat grayOut = gray.clone();
    drawOverlay(grayOut, PixelOrder::GRAY, s.map, s.threshold, true, 2.0f, 0.7);
    cv::Mat allowed = s.map > s.threshold;
    allowed(verdictBox(gray.size())).setTo(255);
    EXPECT_EQ(0, cv::countNonZero(changedPixels(gray, grayOut) & ~allowed));
    EXPECT_GT(cv::countNonZero(changedPixels(gray, grayOut) & s.heat), 0);
}

TEST(UniSLAD_GstOverlay, verdict_colour_follows_the_verdict)
{
    const Scene s;
    const cv::Rect box = verdictBox(s.frame.size());
    EXPECT_EQ(cv::Rect(0, 0, 70, 10), box) << "rows / 12 = 10, width 7 x height";
    EXPECT_EQ(cv::Rect(0, 0, 280, 40), verdictBox(cv::Size(1920, 1080)));
    EXPECT_EQ(cv::Rect(0, 0, 8, 8), verdictBox(cv::Size(8, 8))) << "clipped to the frame";
    cv::Mat bad = s.frame.clone(), good = s.frame.clone();
    drawOverlay(bad, PixelOrder::BGR, s.map, s.threshold, true, 3.0f, 0.5);
    drawOverlay(good, PixelOrder::BGR, s.map, s.threshold, false, 0.1f, 0.5);
    const cv::Scalar b = cv::mean(bad(box)), g = cv::mean(good(box));
    EXPECT_GT(b[2], b[1] + 50) << "anomaly: red";
    EXPECT_GT(g[1], g[2] + 50) << "nominal: green";
}

TEST(UniSLAD_GstOverlay, rejects_bad_arguments)
{
    const Scene s;
    cv::Mat frame = s.frame.clone();
    EXPECT_THROW(drawOverlay(frame, PixelOrder::BGR, s.map(cv::Rect(0, 0, 10, 10)), 1.0f, true, 1.0f, 0.5),
                 cv::Exception);
    EXPECT_THROW(drawOverlay(frame, PixelOrder::BGR, s.map, 1.0f, true, 1.0f, 1.5), cv::Exception);
    EXPECT_THROW(drawOverlay(frame, PixelOrder::GRAY, s.map, 1.0f, true, 1.0f, 0.5), cv::Exception);
    cv::Mat f16(s.frame.size(), CV_16UC3);
    EXPECT_THROW(drawOverlay(f16, PixelOrder::BGR, s.map, 1.0f, true, 1.0f, 0.5), cv::Exception);
}

}} // namespace opencv_test::<anonymous>
