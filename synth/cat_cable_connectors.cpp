// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// cable_connectors: two lever splicing connectors of the same size joined by a cable.
// Rule: both connectors have the same number of clamps and the cable colour codes it: 2-pin yellow,
// 3-pin blue, 5-pin red. The cable may run along any smooth path.
// Logical anomalies: wrong_cable_color (mask: the cable), cable_missing (mask: where the cable would
// run), mismatched_connectors (mask: the connector of the other size).
// Structural anomalies: cut_cable (a cut through the sheath showing copper), broken_clamp (the end of
// one lever broken off; mask: the missing part).
#include "synth_categories.hpp"

namespace unislad {
namespace synth {
namespace detail {

namespace {

const int kPins[3] = {2, 3, 5};
const cv::Vec3f kCable[3] = {cv::Vec3f(40, 200, 232), cv::Vec3f(190, 110, 40), cv::Vec3f(48, 48, 200)};
const cv::Point2d kLight(-0.5, -0.8);

struct Connector
{
    cv::Point2d c;
    double angle;
    int pins;
    int side; // -1: left (cable leaves to the right), +1: right
    int brokenLever = -1;
    double brokenKeep = 1;
    double halfHeight() const { return pins * 13.0 + 7; }
    /** Where the cable enters, in world coordinates. */
    cv::Point2d port() const { return fromLocal(cv::Point2d(-side * 36.0, 0), c, angle); }
    double sdHousing(const cv::Point2d& p) const { return sdBox(p, c, 34, halfHeight(), 5, angle); }
    cv::Rect2d bounds() const
    {
        const double R = std::hypot(46.0, halfHeight()) + 6;
        return cv::Rect2d(c.x - R, c.y - R, 2 * R, 2 * R);
    }
};

/** Lever k as a box in connector coordinates: centre (u, v), half extents (hu, hv). */
void leverBox(const Connector& k, int i, double keep, cv::Point2d& centre, double& hu, double& hv)
{
    const double v = -k.halfHeight() + 20 + 26.0 * i;
    const double len = 52 * keep;
    // the lever is hinged at the cable side and points outwards
    const double u0 = -k.side * 22.0, u1 = u0 + k.side * len;
    centre = cv::Point2d(0.5 * (u0 + u1), v);
    hu = 0.5 * len;
    hv = 9.0;
}

double sdLever(const Connector& k, int i, const cv::Point2d& p, double keep)
{
    cv::Point2d lc;
    double hu, hv;
    leverBox(k, i, keep, lc, hu, hv);
    const cv::Point2d l = toLocal(p, k.c, k.angle);
    return sdBox(l, lc, hu, hv, 2.5, 0);
}

void paintConnector(Canvas& canvas, const Connector& k, uint32_t key)
{
    const cv::Rect2d box = k.bounds();
    modulate(canvas, cv::Rect2d(box.x, box.y, box.width + 10, box.height + 10), [&](const cv::Point2d& p) {
        const double d = k.sdHousing(p - cv::Point2d(5, 7));
        return static_cast<float>(1.0 - 0.4 * std::min(1.0, std::max(0.0, 1.0 - d / 8.0)));
    });
    const cv::Vec3f housing(196, 198, 196), orange(30, 120, 236);
    paint(canvas, box, [&](const cv::Point2d& p) {
        Paint q;
        double lever = 1e9;
        for (int i = 0; i < k.pins; ++i)
            lever = std::min(lever, sdLever(k, i, p, i == k.brokenLever ? k.brokenKeep : 1.0));
        const double body = k.sdHousing(p);
        const cv::Point2d l = toLocal(p, k.c, k.angle);
        if (lever < 0.5)
        {
            q.alpha = coverage(lever, canvas.s);
            const double ridge = 1.0 + 0.08 * std::sin(l.x * 1.4);
            q.colour = orange * static_cast<float>(ridge * (lever > -1.5 ? 0.75 : 1.0) *
                                                  sphereShade(p, k.c, 80, kLight, 0.75, 0.15));
            return q;
        }
        q.alpha = coverage(body, canvas.s);
        if (q.alpha <= 0.f)
            return q;
        double f = 0.92 + 0.04 * valueNoise(p.x / 5, p.y / 5, key);
        if (body > -2.5)
            f *= 0.75;
        // wire entry holes on the cable side
        for (int i = 0; i < k.pins; ++i)
        {
            const double v = -k.halfHeight() + 20 + 26.0 * i;
            if (sdCircle(l, cv::Point2d(-k.side * 28.0, v), 4.5) < 0)
                f *= 0.45;
        }
        q.colour = housing * static_cast<float>(f * sphereShade(p, k.c, 90, kLight, 0.8, 0.1));
        return q;
    });
}

struct Cable
{
    std::vector<cv::Point2d> pts;
    double r = 8.0;
};

/** Distance to a polyline and the signed offset across it (positive on the left of the direction). */
double nearestOnPolyline(const std::vector<cv::Point2d>& pts, const cv::Point2d& p, double& across, double& along)
{
    double best = 1e30, acc = 0;
    for (size_t i = 1; i < pts.size(); ++i)
    {
        const cv::Point2d ab = pts[i] - pts[i - 1];
        const double len = std::hypot(ab.x, ab.y);
        const double t = len > 0 ? std::min(1.0, std::max(0.0, (p - pts[i - 1]).dot(ab) / (len * len))) : 0.0;
        const cv::Point2d d = p - (pts[i - 1] + ab * t);
        const double dist = std::hypot(d.x, d.y);
        if (dist < best)
        {
            best = dist;
            across = len > 0 ? (ab.x * d.y - ab.y * d.x) / len : 0.0;
            along = acc + t * len;
        }
        acc += len;
    }
    return best;
}

void paintCable(Canvas& canvas, const Cable& cable, const cv::Vec3f& colour, double cutAt, double cutDepth)
{
    const cv::Rect2d box = boundsOf(cable.pts, cable.r + 10);
    std::vector<cv::Point2d> shadow = cable.pts;
    for (cv::Point2d& q : shadow)
        q += cv::Point2d(4, 6);
    modulate(canvas, box, [&](const cv::Point2d& p) {
        const double d = sdPolyline(p, shadow, cable.r);
        return static_cast<float>(1.0 - 0.35 * std::min(1.0, std::max(0.0, 1.0 - d / 6.0)));
    });
    paint(canvas, box, [&](const cv::Point2d& p) {
        Paint q;
        double across = 0, along = 0;
        const double d = nearestOnPolyline(cable.pts, p, across, along);
        q.alpha = coverage(d - cable.r, canvas.s);
        if (q.alpha <= 0.f)
            return q;
        const double a = std::max(-1.0, std::min(1.0, across / cable.r));
        double f = 0.55 + 0.5 * std::sqrt(1 - a * a) + 0.35 * std::exp(-(a + 0.4) * (a + 0.4) / 0.03);
        cv::Vec3f col = colour;
        if (cutAt >= 0 && std::abs(along - cutAt) < 2.2 && a > 1 - 2 * cutDepth)
        {
            col = cv::Vec3f(60, 125, 195);  // copper strands in the cut
            f = 0.7 + 0.3 * std::sin(across * 3.0);
        }
        q.colour = col * static_cast<float>(f);
        return q;
    });
}

} // namespace

Sample renderCableConnectors(Canvas& canvas, const RenderJob& job)
{
    cv::RNG& rng = canvas.rng;
    fillSurface(canvas, jitterColour(rng, cv::Vec3f(150, 146, 142), 0.06), 0.1, 45, 3);
    const int size = uniInt(rng, 0, 2);
    int leftSize = size, rightSize = size, colourIdx = size;
    int odd = -1;
    if (job.defect == "mismatched_connectors")
    {
        odd = uniInt(rng, 0, 1);
        (odd == 0 ? leftSize : rightSize) = (size + uniInt(rng, 1, 2)) % 3;
    }
    if (job.defect == "wrong_cable_color")
        colourIdx = (size + uniInt(rng, 1, 2)) % 3;

    Connector left{cv::Point2d(92 + uni(rng, -10, 10), 256 + uni(rng, -30, 30)), uni(rng, -0.12, 0.12), kPins[leftSize], -1};
    Connector right{cv::Point2d(420 + uni(rng, -10, 10), 256 + uni(rng, -30, 30)), uni(rng, -0.12, 0.12), kPins[rightSize], 1};

    // cable: smooth random path between the two ports
    Cable cable;
    const cv::Point2d a = left.port(), d = right.port();
    const double span = d.x - a.x;
    const cv::Point2d b = a + cv::Point2d(span * uni(rng, 0.2, 0.45), uni(rng, -130, 130));
    const cv::Point2d c = d - cv::Point2d(span * uni(rng, 0.2, 0.45), uni(rng, -130, 130));
    for (int t = 0; t <= 48; ++t)
        cable.pts.push_back(bezier(a, b, c, d, t / 48.0));
    double cutAt = -1, cutDepth = 0;
    if (job.defect == "cut_cable")
    {
        double total = 0;
        for (size_t i = 1; i < cable.pts.size(); ++i)
            total += std::hypot(cable.pts[i].x - cable.pts[i - 1].x, cable.pts[i].y - cable.pts[i - 1].y);
        cutAt = total * uni(rng, 0.25, 0.75);
        cutDepth = uni(rng, 0.6, 0.9);
    }
    if (job.defect == "broken_clamp")
    {
        Connector& k = chance(rng, 0.5) ? left : right;
        k.brokenLever = uniInt(rng, 0, k.pins - 1);
        k.brokenKeep = uni(rng, 0.45, 0.65);
    }

    paintConnector(canvas, left, canvas.noiseKey + 1);
    paintConnector(canvas, right, canvas.noiseKey + 2);
    if (job.defect != "cable_missing")
        paintCable(canvas, cable, jitterColour(rng, kCable[colourIdx], 0.05), cutAt, cutDepth);

    if (job.defect == "wrong_cable_color" || job.defect == "cable_missing")
        markMask(canvas, boundsOf(cable.pts, cable.r + 2), [&](const cv::Point2d& p) { return sdPolyline(p, cable.pts, cable.r); });
    else if (odd >= 0)
    {
        const Connector& k = odd == 0 ? left : right;
        markMask(canvas, k.bounds(), [&](const cv::Point2d& p) {
            double s = k.sdHousing(p);
            for (int i = 0; i < k.pins; ++i)
                s = std::min(s, sdLever(k, i, p, 1.0));
            return s;
        });
    }
    else if (cutAt >= 0)
    {
        double acc = 0;
        cv::Point2d at = cable.pts.front();
        for (size_t i = 1; i < cable.pts.size(); ++i)
        {
            const double len = std::hypot(cable.pts[i].x - cable.pts[i - 1].x, cable.pts[i].y - cable.pts[i - 1].y);
            if (acc + len >= cutAt)
            {
                at = cable.pts[i - 1] + (cable.pts[i] - cable.pts[i - 1]) * ((cutAt - acc) / len);
                break;
            }
            acc += len;
        }
        markMask(canvas, cv::Rect2d(at.x - 12, at.y - 12, 24, 24), [&](const cv::Point2d& p) {
            return std::max(sdCircle(p, at, 6.0), sdPolyline(p, cable.pts, cable.r));
        });
    }
    else if (job.defect == "broken_clamp")
    {
        const Connector& k = left.brokenLever >= 0 ? left : right;
        markMask(canvas, k.bounds(), [&](const cv::Point2d& p) {
            return std::max(sdLever(k, k.brokenLever, p, 1.0), -sdLever(k, k.brokenLever, p, k.brokenKeep));
        });
    }
    return finish(canvas);
}

} // namespace detail
} // namespace synth
} // namespace unislad
