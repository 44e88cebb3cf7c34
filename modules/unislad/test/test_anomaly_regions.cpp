// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// findAnomalyRegions against hand-built maps whose regions are known and against a flood fill written
// here (8-connectivity, breadth first), on random maps of blobs, noise, ties and NaN.
#include "test_precomp.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <deque>
#include <tuple>

namespace opencv_test { namespace {

using cv::uniSLAD::AnomalyRegion;
using cv::uniSLAD::findAnomalyRegions;

/** The reference: every pixel above the threshold not yet labelled starts a breadth-first flood fill
    over its 8 neighbours; the box, area and first maximum (row-major) are gathered on the way; the
    regions are sorted by box top, box left, then first pixel (row-major). */
std::vector<AnomalyRegion> floodFillRegions(const Mat& map, float t)
{
    struct Found { AnomalyRegion r; int first; };
    std::vector<Found> found;
    Mat seen = Mat::zeros(map.size(), CV_8U);
    for (int y = 0; y < map.rows; ++y)
        for (int x = 0; x < map.cols; ++x) {
            if (seen.at<uchar>(y, x) || !(map.at<float>(y, x) > t))
                continue;
            std::deque<Point> queue{ Point(x, y) };
            seen.at<uchar>(y, x) = 1;
            int x0 = x, x1 = x, y0 = y, y1 = y, area = 0;
            std::vector<Point> pixels;
            while (!queue.empty()) {
                const Point p = queue.front();
                queue.pop_front();
                pixels.push_back(p);
                ++area;
                x0 = std::min(x0, p.x); x1 = std::max(x1, p.x); y0 = std::min(y0, p.y); y1 = std::max(y1, p.y);
                for (int dy = -1; dy <= 1; ++dy)
                    for (int dx = -1; dx <= 1; ++dx) {
                        const Point q(p.x + dx, p.y + dy);
                        if (q.x < 0 || q.y < 0 || q.x >= map.cols || q.y >= map.rows || seen.at<uchar>(q) ||
                            !(map.at<float>(q) > t))
                            continue;
                        seen.at<uchar>(q) = 1;
                        queue.push_back(q);
                    }
            }
            // The first maximum in row-major order: sort the pixels that way.
            std::sort(pixels.begin(), pixels.end(), [](const Point& a, const Point& b) {
                return a.y != b.y ? a.y < b.y : a.x < b.x;
            });
            Found f;
            f.r.box = Rect(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
            f.r.area = area;
            f.r.peak = map.at<float>(pixels[0]);
            f.r.peakLocation = pixels[0];
            for (const Point& p : pixels)
                if (map.at<float>(p) > f.r.peak) {
                    f.r.peak = map.at<float>(p);
                    f.r.peakLocation = p;
                }
            f.first = pixels[0].y * map.cols + pixels[0].x;
            found.push_back(f);
        }
    std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
        return std::make_tuple(a.r.box.y, a.r.box.x, a.first) < std::make_tuple(b.r.box.y, b.r.box.x, b.first);
    });
    std::vector<AnomalyRegion> out;
    for (const Found& f : found)
        out.push_back(f.r);
    return out;
}

void expectSameRegions(const std::vector<AnomalyRegion>& expected, const std::vector<AnomalyRegion>& found)
{
    ASSERT_EQ(expected.size(), found.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(expected[i].box, found[i].box);
        EXPECT_EQ(expected[i].area, found[i].area);
        EXPECT_EQ(expected[i].peak, found[i].peak);
        EXPECT_EQ(expected[i].peakLocation, found[i].peakLocation);
    }
}

TEST(UniSLAD_AnomalyRegions, hand_built_map)
{
    Mat map(40, 60, CV_32F, Scalar(0.5f));
    EXPECT_TRUE(findAnomalyRegions(map, 0.5f).empty()) << "strictly greater than the threshold";
    EXPECT_TRUE(findAnomalyRegions(map, 1.0f).empty());
    map(Rect(30, 2, 5, 4)).setTo(2.0f);     // a rectangle
    map(Rect(3, 10, 2, 8)).setTo(1.5f);     // an L: a bar ...
    map(Rect(3, 17, 9, 1)).setTo(1.5f);     // ... and its foot
    map.at<float>(12, 4) = 1.75f;           // the L's peak
    map.at<float>(30, 40) = 3.0f;           // two pixels touching by a corner: one region (8-connectivity)
    map.at<float>(31, 41) = 3.0f;           // an equal peak: the first in row-major order is reported
    map.at<float>(35, 55) = 0.50001f;       // barely above
    const std::vector<AnomalyRegion> r = findAnomalyRegions(map, 0.5f);
    ASSERT_EQ(4u, r.size());
    EXPECT_EQ(Rect(30, 2, 5, 4), r[0].box);  EXPECT_EQ(20, r[0].area); EXPECT_EQ(2.0f, r[0].peak);
    EXPECT_EQ(Point(30, 2), r[0].peakLocation);
    EXPECT_EQ(Rect(3, 10, 9, 8), r[1].box);  EXPECT_EQ(16 + 7, r[1].area); EXPECT_EQ(1.75f, r[1].peak);
    EXPECT_EQ(Point(4, 12), r[1].peakLocation);
    EXPECT_EQ(Rect(40, 30, 2, 2), r[2].box); EXPECT_EQ(2, r[2].area); EXPECT_EQ(Point(40, 30), r[2].peakLocation);
    EXPECT_EQ(Rect(55, 35, 1, 1), r[3].box); EXPECT_EQ(1, r[3].area); EXPECT_EQ(0.50001f, r[3].peak);
    // A higher threshold keeps only what exceeds it.
    const std::vector<AnomalyRegion> high = findAnomalyRegions(map, 1.5f);
    ASSERT_EQ(3u, high.size());
    EXPECT_EQ(Rect(30, 2, 5, 4), high[0].box);
    EXPECT_EQ(Rect(4, 12, 1, 1), high[1].box);
    EXPECT_EQ(Rect(40, 30, 2, 2), high[2].box);
}

TEST(UniSLAD_AnomalyRegions, equal_a_flood_fill_on_random_maps)
{
    RNG rng(20261203);
    for (int trial = 0; trial < 60; ++trial) {
        SCOPED_TRACE(trial);
        const Size size(rng.uniform(1, 90), rng.uniform(1, 70));
        Mat map(size, CV_32F);
        switch (trial % 3) {
        case 0:   // smooth blobs, as an anomaly map
            rng.fill(map, RNG::NORMAL, 0, 1);
            GaussianBlur(map, map, Size(), 2.5);
            break;
        case 1:   // noise: many small regions, many touching by a corner only
            rng.fill(map, RNG::UNIFORM, 0, 1);
            break;
        default:  // few levels: ties everywhere, also for the peaks
            rng.fill(map, RNG::UNIFORM, 0, 4);
            map.convertTo(map, CV_32S);
            map.convertTo(map, CV_32F);
            break;
        }
        for (int k = 0; k < size.area() / 20; ++k)   // NaN belongs to no region
            map.at<float>(rng.uniform(0, size.height), rng.uniform(0, size.width)) = std::numeric_limits<float>::quiet_NaN();
        double lo = 0, hi = 0;
        cv::minMaxIdx(map, &lo, &hi, nullptr, nullptr, map == map);
        for (const float t : { (float)lo - 1, (float)(lo + 0.5 * (hi - lo)), (float)(lo + 0.8 * (hi - lo)), (float)hi }) {
            SCOPED_TRACE(t);
            const std::vector<AnomalyRegion> found = findAnomalyRegions(map, t);
            expectSameRegions(floodFillRegions(map, t), found);
            // The areas add up to the mask's count.
            int sum = 0;
            for (const AnomalyRegion& r : found)
                sum += r.area;
            EXPECT_EQ(cv::countNonZero(map > t), sum);
        }
    }
}

TEST(UniSLAD_AnomalyRegions, inputs)
{
    EXPECT_TRUE(findAnomalyRegions(Mat(), 0.f).empty());
    EXPECT_TRUE(findAnomalyRegions(Mat(3, 3, CV_32F, Scalar(std::numeric_limits<float>::quiet_NaN())), -1e30f).empty());
    EXPECT_THROW(findAnomalyRegions(Mat(4, 4, CV_8U, Scalar(1)), 0.5f), cv::Exception);
    EXPECT_THROW(findAnomalyRegions(Mat(4, 4, CV_32FC3, Scalar::all(1)), 0.5f), cv::Exception);
    EXPECT_THROW(findAnomalyRegions(Mat(4, 4, CV_32F, Scalar(1)), std::numeric_limits<float>::quiet_NaN()), cv::Exception);
    // A view with its own stride.
    Mat big(20, 20, CV_32F, Scalar(0));
    big(Rect(5, 5, 3, 2)).setTo(1);
    const std::vector<AnomalyRegion> r = findAnomalyRegions(big(Rect(4, 4, 10, 10)), 0.5f);
    ASSERT_EQ(1u, r.size());
    EXPECT_EQ(Rect(1, 1, 3, 2), r[0].box);
}

}} // namespace
