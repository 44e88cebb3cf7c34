// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// pin_grid: a pushpins-like box of 3 x 5 compartments.
// Rule: exactly one pin in every compartment, at any position and angle inside it.
// Logical anomalies: missing_pin (mask: the empty compartment), two_pins (mask: the extra pin).
// Structural anomalies: bent_pin (mask: the bent part of the needle), broken_tip (mask: where the
// missing part of the needle should be).
#include "synth_categories.hpp"

namespace unislad {
namespace synth {
namespace detail {

namespace {

constexpr int kCols = 5, kRows = 3;
const cv::Point2d kLight(-0.5, -0.8);

struct Box
{
    cv::Point2d c;
    double angle;
    double hx = 232, hy = 152, wall = 7;
    double cellW() const { return (2 * hx - (kCols + 1) * wall) / kCols; }
    double cellH() const { return (2 * hy - (kRows + 1) * wall) / kRows; }
    cv::Point2d cellCentre(int col, int row) const
    {
        const double u = -hx + wall + (cellW() + wall) * col + cellW() / 2;
        const double v = -hy + wall + (cellH() + wall) * row + cellH() / 2;
        return fromLocal(cv::Point2d(u, v), c, angle);
    }
    double sdCell(const cv::Point2d& p, int col, int row) const
    {
        return sdBox(p, cellCentre(col, row), cellW() / 2, cellH() / 2, 5, angle);
    }
};

struct Pin
{
    cv::Point2d head;
    double r;
    double angle;      // needle direction
    double length;     // needle length from the head centre
    double bendAt = 1; // fraction of the length where the needle bends (1: straight)
    double bend = 0;   // bend angle (radians)
    bool blunt = false;
    cv::Vec3f colour;
    std::vector<cv::Point2d> needle() const
    {
        const cv::Point2d d(std::cos(angle), std::sin(angle));
        const cv::Point2d k = head + d * (length * bendAt);
        const double rest = length * (1 - bendAt);
        const cv::Point2d d2(std::cos(angle + bend), std::sin(angle + bend));
        if (rest <= 0)
            return {head, k};
        return {head, k, k + d2 * rest};
    }
};

/** Random pin inside compartment (col, row); tries to keep away from `avoid` heads. */
Pin makePin(cv::RNG& rng, const Box& box, int col, int row, const std::vector<Pin>& avoid, const cv::Vec3f& colour)
{
    Pin best;
    double bestGap = -1e9;
    for (int attempt = 0; attempt < 200; ++attempt)
    {
        Pin p;
        p.r = uni(rng, 12, 14);
        p.angle = uni(rng, 0, 2 * kPi);
        p.length = uni(rng, 36, 40);
        p.colour = jitterColour(rng, colour, 0.05);
        const cv::Point2d cc = box.cellCentre(col, row);
        p.head = cc + cv::Point2d(uni(rng, -0.5, 0.5) * box.cellW(), uni(rng, -0.5, 0.5) * box.cellH());
        const cv::Point2d tip = p.head + cv::Point2d(std::cos(p.angle), std::sin(p.angle)) * p.length;
        double gap = std::min(-box.sdCell(p.head, col, row) - p.r - 2, -box.sdCell(tip, col, row) - 3);
        for (const Pin& o : avoid)
            gap = std::min(gap, std::hypot(p.head.x - o.head.x, p.head.y - o.head.y) - (p.r + o.r + 2));
        if (gap > bestGap)
        {
            bestGap = gap;
            best = p;
        }
        if (gap >= 0)
            break;
    }
    return best;
}

void paintPin(Canvas& canvas, const Pin& pin)
{
    const std::vector<cv::Point2d> needle = pin.needle();
    const cv::Point2d shadowOff(4, 6);
    std::vector<cv::Point2d> shadowNeedle = needle;
    for (cv::Point2d& q : shadowNeedle)
        q += shadowOff;
    const cv::Rect2d box = boundsOf(needle, pin.r + 10);
    // shadow of head and needle
    modulate(canvas, box, [&](const cv::Point2d& p) {
        const double d = std::min(sdCircle(p, pin.head + shadowOff, pin.r), sdPolyline(p, shadowNeedle, 1.4));
        const double t = std::min(1.0, std::max(0.0, 1.0 - d / 5.0));
        return static_cast<float>(1.0 - 0.4 * t);
    });
    // needle: metallic, tapering to a point over its last 8 units
    const cv::Vec3f steel(178, 176, 172);
    const double total = pin.length;
    paint(canvas, box, [&](const cv::Point2d& p) {
        Paint q;
        double best = 1e9, along = 0, acc = 0;
        for (size_t i = 1; i < needle.size(); ++i)
        {
            const cv::Point2d ab = needle[i] - needle[i - 1];
            const double len = std::hypot(ab.x, ab.y);
            const double t = std::min(1.0, std::max(0.0, (p - needle[i - 1]).dot(ab) / (len * len)));
            const cv::Point2d d = p - (needle[i - 1] + ab * t);
            const double dist = std::hypot(d.x, d.y);
            if (dist < best)
            {
                best = dist;
                along = acc + t * len;
            }
            acc += len;
        }
        const double toEnd = acc - along;
        double radius = 1.5;
        if (!pin.blunt && toEnd < 8)
            radius = 1.5 * std::max(0.15, toEnd / 8);
        q.alpha = coverage(best - radius, canvas.s);
        const double across = std::min(1.0, best / radius);
        q.colour = steel * static_cast<float>(0.7 + 0.45 * (1 - across * across));
        (void)total;
        return q;
    });
    // head: shaded dome with a darker collar ring
    paint(canvas, cv::Rect2d(pin.head.x - pin.r - 2, pin.head.y - pin.r - 2, 2 * pin.r + 4, 2 * pin.r + 4),
          [&](const cv::Point2d& p) {
              Paint q;
              const double sd = sdCircle(p, pin.head, pin.r);
              q.alpha = coverage(sd, canvas.s);
              const double rr = std::hypot(p.x - pin.head.x, p.y - pin.head.y) / pin.r;
              const float ring = (rr > 0.55 && rr < 0.68) ? 0.82f : 1.f;
              q.colour = pin.colour * (ring * sphereShade(p, pin.head, pin.r, kLight, 0.5, 0.45));
              return q;
          });
}

} // namespace

Sample renderPinGrid(Canvas& canvas, const RenderJob& job)
{
    cv::RNG& rng = canvas.rng;
    fillSurface(canvas, jitterColour(rng, cv::Vec3f(150, 152, 150), 0.06), 0.08, 50, 3);
    Box box;
    box.c = cv::Point2d(256 + uni(rng, -8, 8), 256 + uni(rng, -8, 8));
    box.angle = uni(rng, -2.0, 2.0) * kPi / 180;
    const cv::Vec3f wallColour = jitterColour(rng, cv::Vec3f(96, 92, 88), 0.05);
    const cv::Vec3f floorColour = jitterColour(rng, cv::Vec3f(62, 58, 55), 0.06);
    const uint32_t key = canvas.noiseKey + 11;
    const double R = std::hypot(box.hx, box.hy) + 14;
    // box shadow, body, compartments
    modulate(canvas, cv::Rect2d(box.c.x - R, box.c.y - R, 2 * R, 2 * R), [&](const cv::Point2d& p) {
        const double d = sdBox(p, box.c + cv::Point2d(5, 8), box.hx, box.hy, 10, box.angle);
        return static_cast<float>(1.0 - 0.45 * std::min(1.0, std::max(0.0, 1.0 - d / 12.0)));
    });
    paint(canvas, cv::Rect2d(box.c.x - R, box.c.y - R, 2 * R, 2 * R), [&](const cv::Point2d& p) {
        Paint q;
        const double sd = sdBox(p, box.c, box.hx, box.hy, 10, box.angle);
        q.alpha = coverage(sd, canvas.s);
        if (q.alpha <= 0.f)
            return q;
        const cv::Point2d l = toLocal(p, box.c, box.angle);
        const int col = std::min(kCols - 1, std::max(0, static_cast<int>((l.x + box.hx) / (2 * box.hx) * kCols)));
        const int row = std::min(kRows - 1, std::max(0, static_cast<int>((l.y + box.hy) / (2 * box.hy) * kRows)));
        const double dc = box.sdCell(p, col, row);
        const double tex = 1.0 + 0.04 * fbm(p.x / 20, p.y / 20, key, 2);
        if (dc < 0)
            q.colour = floorColour * static_cast<float>(tex * (1.0 - 0.3 * std::exp(dc / 6.0)));
        else
            q.colour = wallColour * static_cast<float>(tex * (dc < 2 ? 1.25 : 1.0));
        return q;
    });

    const cv::Vec3f yellow(40, 196, 232);
    int special = -1;
    if (job.isLogical() || job.isStructural())
        special = uniInt(rng, 0, kCols * kRows - 1);
    std::vector<Pin> pins;
    for (int k = 0; k < kCols * kRows; ++k)
    {
        const int col = k % kCols, row = k / kCols;
        if (k == special && job.defect == "missing_pin")
        {
            markMask(canvas, cv::Rect2d(box.cellCentre(col, row).x - 60, box.cellCentre(col, row).y - 60, 120, 120),
                     [&](const cv::Point2d& p) { return box.sdCell(p, col, row); }, 0.0);
            continue;
        }
        std::vector<Pin> here;
        here.push_back(makePin(rng, box, col, row, {}, yellow));
        if (k == special && job.defect == "two_pins")
        {
            here.push_back(makePin(rng, box, col, row, here, yellow));
            const Pin& e = here.back();
            const std::vector<cv::Point2d> nd = e.needle();
            markMask(canvas, boundsOf(nd, e.r + 2), [&](const cv::Point2d& p) {
                return std::min(sdCircle(p, e.head, e.r), sdPolyline(p, nd, 1.5));
            });
        }
        if (k == special && job.defect == "bent_pin")
        {
            Pin& b = here[0];
            b.bendAt = uni(rng, 0.45, 0.65);
            b.bend = (chance(rng, 0.5) ? 1 : -1) * uni(rng, 0.6, 1.0);
            const std::vector<cv::Point2d> nd = b.needle();
            const std::vector<cv::Point2d> bent{nd[1], nd[2]};
            markMask(canvas, boundsOf(bent, 4), [&](const cv::Point2d& p) { return sdPolyline(p, bent, 2.5); });
        }
        if (k == special && job.defect == "broken_tip")
        {
            Pin& b = here[0];
            const std::vector<cv::Point2d> full = b.needle();
            const double keep = uni(rng, 0.5, 0.65);
            const cv::Point2d d(std::cos(b.angle), std::sin(b.angle));
            const std::vector<cv::Point2d> missing{b.head + d * (b.length * keep), full.back()};
            b.length *= keep;
            b.blunt = true;
            markMask(canvas, boundsOf(missing, 4), [&](const cv::Point2d& p) { return sdPolyline(p, missing, 2.5); });
        }
        for (const Pin& p : here)
            pins.push_back(p);
    }
    for (const Pin& p : pins)
        paintPin(canvas, p);
    return finish(canvas);
}

} // namespace detail
} // namespace synth
} // namespace unislad
