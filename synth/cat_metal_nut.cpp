// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// metal_nut: a four-lobed flat metal nut on a dark background, any orientation (MVTec AD object
// layout). Structural defects: crack (a thin dark branching line from the rim), scratch (a thin
// bright line), chip (a piece broken off the rim; mask: the missing piece).
#include "synth_categories.hpp"

namespace unislad {
namespace synth {
namespace detail {

namespace {

struct Nut
{
    cv::Point2d c;
    double phi;
    double outer(double theta) const { return 128 + 26 * std::tanh(3 * std::cos(4 * (theta - phi))); }
    double sd(const cv::Point2d& p) const
    {
        const double r = std::hypot(p.x - c.x, p.y - c.y), th = std::atan2(p.y - c.y, p.x - c.x);
        return std::max(r - outer(th), 52 - r) * 0.9;
    }
};

} // namespace

Sample renderMetalNut(Canvas& canvas, const RenderJob& job)
{
    cv::RNG& rng = canvas.rng;
    fillSurface(canvas, jitterColour(rng, cv::Vec3f(24, 24, 25), 0.1), 0.25, 30, 2);
    Nut nut{cv::Point2d(256 + uni(rng, -12, 12), 256 + uni(rng, -12, 12)), uni(rng, 0, 2 * kPi)};
    const cv::Vec3f steel = jitterColour(rng, cv::Vec3f(150, 152, 150), 0.05);
    const double lightAngle = uni(rng, -2.6, -1.8);
    const uint32_t key = canvas.noiseKey + 91;

    cv::Point2d chipC;
    double chipR = 0;
    if (job.defect == "chip")
    {
        // on a lobe tip or between lobes
        const double th = nut.phi + uniInt(rng, 0, 7) * kPi / 4 + uni(rng, -0.15, 0.15);
        chipR = uni(rng, 10, 15);
        chipC = nut.c + cv::Point2d(std::cos(th), std::sin(th)) * (nut.outer(th) + chipR * 0.3);
    }
    auto sdPart = [&](const cv::Point2d& p) {
        double d = nut.sd(p);
        if (chipR > 0)
            d = std::max(d, -(sdStain(p, chipC, chipR, key + 5)));
        return d;
    };
    paint(canvas, cv::Rect2d(nut.c.x - 170, nut.c.y - 170, 340, 340), [&](const cv::Point2d& p) {
        Paint q;
        const double sd = sdPart(p);
        q.alpha = coverage(sd, canvas.s);
        if (q.alpha <= 0.f)
            return q;
        const double r = std::hypot(p.x - nut.c.x, p.y - nut.c.y), th = std::atan2(p.y - nut.c.y, p.x - nut.c.x);
        double f = 0.78 + 0.05 * std::sin(r * 2.1 + 0.8 * valueNoise(r / 3, th * 8, key)) +
                   0.15 * std::cos(th - lightAngle) * (r / 150);
        if (r < 64)
            f = 0.55 + 0.5 * (r - 52) / 12 * (0.6 + 0.4 * std::cos(th - lightAngle + kPi));  // bevel of the hole
        if (sd > -5)
            f *= 0.72 + 0.25 * std::cos(th - lightAngle);  // rim chamfer
        f *= 1.0 + 0.04 * valueNoise(p.x / 1.3, p.y / 1.3, key + 1);
        q.colour = steel * static_cast<float>(f);
        return q;
    });
    if (chipR > 0)
        markMask(canvas, cv::Rect2d(chipC.x - 2 * chipR, chipC.y - 2 * chipR, 4 * chipR, 4 * chipR),
                 [&](const cv::Point2d& p) { return std::max(nut.sd(p), sdStain(p, chipC, chipR, key + 5)); });
    if (job.defect == "crack" || job.defect == "scratch")
    {
        const bool crack = job.defect == "crack";
        const double th = uni(rng, 0, 2 * kPi);
        const double r0 = crack ? nut.outer(th) - 2 : uni(rng, 75, 115);
        const cv::Point2d start = nut.c + cv::Point2d(std::cos(th), std::sin(th)) * r0;
        const double dir = crack ? th + kPi + gauss(rng, 0.3) : uni(rng, 0, 2 * kPi);
        std::vector<cv::Point2d> line = randomStroke(rng, start, uni(rng, 26, 42), dir, crack ? 0.35 : 0.06, 10);
        paintScratch(canvas, line, crack ? 1.5 : 1.4, crack ? -85 : 70);
        markMask(canvas, boundsOf(line, 2), [&](const cv::Point2d& p) { return sdPolyline(p, line, 0.8); });
        if (crack)
        {
            // a short branch
            const cv::Point2d mid = line[line.size() / 2];
            const std::vector<cv::Point2d> branch = randomStroke(rng, mid, uni(rng, 8, 14), dir + uni(rng, 0.5, 1.0), 0.3, 5);
            paintScratch(canvas, branch, 1.1, -70);
            markMask(canvas, boundsOf(branch, 2), [&](const cv::Point2d& p) { return sdPolyline(p, branch, 0.6); });
        }
    }
    FinishOptions o;
    o.maxRotationDeg = 0;  // the nut's own orientation varies fully
    return finish(canvas, o);
}

} // namespace detail
} // namespace synth
} // namespace unislad
