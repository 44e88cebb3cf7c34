// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// juice_bottle: a glass bottle with juice and a label carrying a fruit icon.
// Rules: the liquid's colour matches the icon (orange: orange, cherry: dark red, banana: pale
// yellow); the fill level is fixed (just below the shoulder); the label is present.
// Logical anomalies: wrong_fill_level (mask: between the expected and the actual level),
// label_mismatch (mask: the liquid), label_missing (mask: where the label belongs).
// Structural anomalies: contamination (a small particle in the juice), scratch (on the glass),
// label_tear (a torn-off label corner).
#include "synth_categories.hpp"

namespace unislad {
namespace synth {
namespace detail {

namespace {

enum Fruit { kOrange = 0, kCherry = 1, kBanana = 2 };

const cv::Vec3f kJuice[3] = {cv::Vec3f(30, 135, 232), cv::Vec3f(48, 30, 140), cv::Vec3f(110, 200, 232)};

struct Bottle
{
    double cx, top, bottom; // x of the axis, top of the neck, bottom
    double neckW = 26, bodyW = 78, shoulderTop = 95, shoulderBottom = 150;
    double halfWidth(double y) const
    {
        if (y < shoulderTop)
            return neckW;
        if (y < shoulderBottom)
        {
            const double t = (y - shoulderTop) / (shoulderBottom - shoulderTop);
            return neckW + (bodyW - neckW) * (0.5 - 0.5 * std::cos(kPi * t));
        }
        if (y > bottom - 16)
        {
            const double t = (y - (bottom - 16)) / 16;
            return bodyW - 16 * (1 - std::sqrt(std::max(0.0, 1 - t * t)));
        }
        return bodyW;
    }
    double sd(const cv::Point2d& p) const
    {
        return std::max({std::abs(p.x - cx) - halfWidth(p.y), top - p.y, p.y - bottom});
    }
    /** Inside of the glass (wall thickness 5). */
    double sdInner(const cv::Point2d& p) const { return std::max(sd(p) + 5, top + 10 - p.y); }
};

void paintIcon(Canvas& canvas, int fruit, const cv::Point2d& c, uint32_t key)
{
    const cv::Rect2d box(c.x - 30, c.y - 30, 60, 60);
    paint(canvas, box, [&](const cv::Point2d& p) {
        Paint q;
        if (fruit == kOrange)
        {
            const double d = sdCircle(p, c + cv::Point2d(0, 3), 17);
            const double leaf = sdEllipse(p, c + cv::Point2d(8, -17), 9, 4, -0.5);
            if (leaf < d)
            {
                q.alpha = coverage(leaf, canvas.s);
                q.colour = cv::Vec3f(50, 150, 60);
            }
            else
            {
                q.alpha = coverage(d, canvas.s);
                q.colour = cv::Vec3f(30, 135, 240) * sphereShade(p, c + cv::Point2d(0, 3), 17, cv::Point2d(-0.6, -0.7), 0.7, 0.2);
            }
        }
        else if (fruit == kCherry)
        {
            const cv::Point2d a = c + cv::Point2d(-10, 8), b = c + cv::Point2d(10, 10), top = c + cv::Point2d(2, -20);
            const double balls = std::min(sdCircle(p, a, 10), sdCircle(p, b, 10));
            const double stems = std::min(sdSegment(p, a, top, 1.3), sdSegment(p, b, top, 1.3));
            if (balls < 0.5)
            {
                q.alpha = coverage(balls, canvas.s);
                q.colour = cv::Vec3f(40, 30, 180);
            }
            else
            {
                q.alpha = coverage(stems, canvas.s);
                q.colour = cv::Vec3f(40, 90, 60);
            }
        }
        else
        {
            const double crescent = std::max(sdCircle(p, c + cv::Point2d(0, -8), 22), -sdCircle(p, c + cv::Point2d(0, -18), 22));
            q.alpha = coverage(crescent, canvas.s);
            q.colour = cv::Vec3f(60, 210, 240);
        }
        q.colour *= static_cast<float>(1.0 + 0.03 * valueNoise(p.x, p.y, key));
        return q;
    });
}

} // namespace

Sample renderJuiceBottle(Canvas& canvas, const RenderJob& job)
{
    cv::RNG& rng = canvas.rng;
    fillSurface(canvas, jitterColour(rng, cv::Vec3f(44, 40, 38), 0.1), 0.18, 35, 3);
    Bottle b;
    b.cx = 256 + uni(rng, -7, 7);
    b.top = 32 + uni(rng, -4, 4);
    b.bottom = b.top + 448;
    b.shoulderTop = b.top + 62;
    b.shoulderBottom = b.top + 118;

    const int fruit = uniInt(rng, 0, 2);
    int liquid = fruit;
    if (job.defect == "label_mismatch")
        liquid = (fruit + uniInt(rng, 1, 2)) % 3;
    const cv::Vec3f juice = jitterColour(rng, kJuice[liquid], 0.05);
    const double nominalFill = b.top + 98 + uni(rng, -2, 2);
    double fill = nominalFill;
    if (job.defect == "wrong_fill_level")
        fill = chance(rng, 0.6) ? nominalFill + uni(rng, 45, 80) : nominalFill - uni(rng, 30, 40);
    const double labelTop = b.top + 262 + uni(rng, -3, 3), labelBottom = labelTop + 124;
    const bool label = job.defect != "label_missing";
    const uint32_t key = canvas.noiseKey + 55;

    // shadow
    modulate(canvas, cv::Rect2d(b.cx - 110, b.top, 230, 470), [&](const cv::Point2d& p) {
        const double d = b.sd(p - cv::Point2d(10, 8));
        return static_cast<float>(1.0 - 0.5 * std::min(1.0, std::max(0.0, 1.0 - d / 16.0)));
    });
    // glass, liquid
    paint(canvas, cv::Rect2d(b.cx - 90, b.top - 4, 180, 460), [&](const cv::Point2d& p) {
        Paint q;
        const double sd = b.sd(p);
        q.alpha = coverage(sd, canvas.s);
        if (q.alpha <= 0.f)
            return q;
        const double w = b.halfWidth(p.y);
        const double across = (p.x - b.cx) / w; // -1 .. 1
        const double cyl = std::sqrt(std::max(0.0, 1 - across * across));
        const double inner = b.sdInner(p);
        const cv::Point2d pi(p.x * canvas.s, p.y * canvas.s);
        const cv::Vec3f below = canvas.img(std::min(canvas.img.rows - 1, static_cast<int>(pi.y)),
                                           std::min(canvas.img.cols - 1, static_cast<int>(pi.x)));
        cv::Vec3f col;
        if (inner < 0 && p.y > fill)
        {
            col = juice * static_cast<float>(0.55 + 0.55 * cyl);
            if (p.y < fill + 3)
                col *= 1.2f;  // meniscus
        }
        else
            col = below * 0.7f + cv::Vec3f(60, 66, 62) * static_cast<float>(0.4 + 0.4 * (1 - cyl));
        // glass edges and highlights
        if (inner >= 0)
            col = col * 0.6f + cv::Vec3f(110, 120, 112) * 0.4f;
        col += cv::Vec3f::all(static_cast<float>(120 * std::exp(-std::pow((across + 0.55) / 0.07, 2)) +
                                                 50 * std::exp(-std::pow((across - 0.72) / 0.05, 2))));
        q.colour = col;
        return q;
    });
    if (label)
    {
        paint(canvas, cv::Rect2d(b.cx - 82, labelTop - 2, 164, labelBottom - labelTop + 4), [&](const cv::Point2d& p) {
            Paint q;
            const double sd = std::max({std::abs(p.x - b.cx) - (b.bodyW - 1), labelTop - p.y, p.y - labelBottom});
            q.alpha = coverage(sd, canvas.s);
            if (q.alpha <= 0.f)
                return q;
            const double across = (p.x - b.cx) / b.bodyW;
            const double cyl = std::sqrt(std::max(0.0, 1 - across * across));
            cv::Vec3f col(228, 236, 240);
            // printed text bars and a thin coloured border line
            const double ly = p.y - labelTop;
            const double lx = std::abs(p.x - b.cx);
            if ((std::abs(ly - 84) < 3 && lx < 46) || (std::abs(ly - 96) < 2.2 && lx < 56) || (std::abs(ly - 107) < 2.2 && lx < 34))
                col = cv::Vec3f(70, 70, 70);
            if (std::abs(ly - 6) < 1.5 || std::abs(ly - 118) < 1.5)
                col = kJuice[fruit] * 0.9f;
            col *= static_cast<float>((0.62 + 0.42 * cyl) * (1.0 + 0.02 * valueNoise(p.x / 2, p.y / 2, key)));
            q.colour = col;
            return q;
        });
        paintIcon(canvas, fruit, cv::Point2d(b.cx, labelTop + 42), key + 3);
    }
    else
    {
        markMask(canvas, cv::Rect2d(b.cx - 82, labelTop, 164, labelBottom - labelTop), [&](const cv::Point2d& p) {
            return std::max({std::abs(p.x - b.cx) - (b.bodyW - 1), labelTop - p.y, p.y - labelBottom});
        }, 0.0);
    }

    if (job.defect == "wrong_fill_level")
    {
        const double y0 = std::min(fill, nominalFill), y1 = std::max(fill, nominalFill);
        markMask(canvas, cv::Rect2d(b.cx - 80, y0, 160, y1 - y0), [&](const cv::Point2d& p) {
            return std::max({b.sdInner(p), y0 - p.y, p.y - y1});
        }, 0.0);
    }
    else if (job.defect == "label_mismatch")
    {
        markMask(canvas, cv::Rect2d(b.cx - 80, fill, 160, b.bottom - fill), [&](const cv::Point2d& p) {
            return std::max(b.sdInner(p), fill - p.y);
        }, 0.0);
    }
    else if (job.defect == "contamination")
    {
        // a dark particle in the juice, above or below the label
        const bool above = chance(rng, 0.6);
        const cv::Point2d c(b.cx + uni(rng, -55, 55), above ? uni(rng, fill + 50, labelTop - 15) : uni(rng, labelBottom + 10, b.bottom - 20));
        const double r = uni(rng, 3.5, 6.0);
        const uint32_t sk = static_cast<uint32_t>(rng.next());
        paintStain(canvas, c, r, cv::Vec3f(25, 30, 32), 0.92, sk);
        markMask(canvas, cv::Rect2d(c.x - 2 * r, c.y - 2 * r, 4 * r, 4 * r), [&](const cv::Point2d& p) { return sdStain(p, c, r, sk); });
    }
    else if (job.defect == "scratch")
    {
        const cv::Point2d start(b.cx + uni(rng, -50, 30), uni(rng, b.shoulderBottom + 10, labelTop - 40));
        const std::vector<cv::Point2d> line = randomStroke(rng, start, uni(rng, 26, 42), uni(rng, -0.6, 0.6), 0.1, 10);
        paintScratch(canvas, line, 1.4, 70);
        markMask(canvas, boundsOf(line, 2), [&](const cv::Point2d& p) { return sdPolyline(p, line, 0.7); });
    }
    else if (job.defect == "label_tear" && label)
    {
        // a torn-off corner: the juice shows through, the torn edge is jagged and bright
        const double sx = chance(rng, 0.5) ? -1 : 1, sy = chance(rng, 0.5) ? -1 : 1;
        const cv::Point2d corner(b.cx + sx * (b.bodyW - 1), sy < 0 ? labelTop : labelBottom);
        const double a = uni(rng, 16, 24), c2 = uni(rng, 12, 20);
        const uint32_t tk = static_cast<uint32_t>(rng.next());
        auto sdTear = [&](const cv::Point2d& p) {
            // triangle with legs a (along x) and c2 (along y) at the corner, jagged hypotenuse
            const double u = (p.x - corner.x) * -sx, v = (p.y - corner.y) * -sy;
            const double jag = 1.8 * valueNoise(u * 0.6, v * 0.6, tk);
            return std::max({-u, -v, (u / a + v / c2 - 1) * std::min(a, c2) * 0.7 + jag});
        };
        const cv::Rect2d box(corner.x - a - 4, corner.y - c2 - 4, 2 * a + 8, 2 * c2 + 8);
        paint(canvas, box, [&](const cv::Point2d& p) {
            Paint q;
            const double sd = sdTear(p);
            q.alpha = coverage(sd, canvas.s);
            const double across = (p.x - b.cx) / b.bodyW;
            const double cyl = std::sqrt(std::max(0.0, 1 - across * across));
            q.colour = sd > -1.5 ? cv::Vec3f(245, 248, 250) : juice * static_cast<float>(0.55 + 0.55 * cyl);
            return q;
        });
        markMask(canvas, box, sdTear);
    }
    return finish(canvas);
}

} // namespace detail
} // namespace synth
} // namespace unislad
