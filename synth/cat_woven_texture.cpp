// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// woven_texture: a carpet-like plain-weave fabric filling the image (MVTec AD texture layout).
// Every image has its own weave phase, angle, thread pitch, yarn colours and lighting.
// Structural defects: scratch (a thin pulled/cut line), stain (a small colour spot), hole.
#include "synth_categories.hpp"

namespace unislad {
namespace synth {
namespace detail {

Sample renderWovenTexture(Canvas& canvas, const RenderJob& job)
{
    cv::RNG& rng = canvas.rng;
    const double angle = uni(rng, -4.0, 4.0) * kPi / 180;
    const double pitch = 14 * uni(rng, 0.97, 1.03);
    const cv::Point2d phase(uni(rng, 0, 100), uni(rng, 0, 100));
    const cv::Vec3f warp = jitterColour(rng, cv::Vec3f(112, 140, 168), 0.06);
    const cv::Vec3f weft = jitterColour(rng, warp * 0.9f, 0.04);
    const uint32_t key = canvas.noiseKey + 77;
    const cv::Point2d centre(256, 256);
    paint(canvas, cv::Rect2d(0, 0, kDesign, kDesign), [&](const cv::Point2d& p) {
        Paint q;
        q.alpha = 1.f;
        const cv::Point2d l = toLocal(p, centre, angle) + phase * pitch;
        const double gu = l.x / pitch, gv = l.y / pitch;
        const double iu = std::floor(gu), iv = std::floor(gv);
        const double fu = gu - iu, fv = gv - iv;
        const bool weftOnTop = (static_cast<long>(iu) + static_cast<long>(iv)) % 2 == 0;
        // thread cross profiles (1 at the thread's middle, 0 in the gaps)
        const double pw = std::max(0.0, std::cos(kPi * (fu - 0.5) * 1.15));  // vertical (warp) thread
        const double ph = std::max(0.0, std::cos(kPi * (fv - 0.5) * 1.15));  // horizontal (weft) thread
        // the thread on top dips where it goes under at both ends of the cell
        const double along = weftOnTop ? fu : fv;
        const double dip = 0.75 + 0.25 * std::sin(kPi * along);
        const float yarnW = static_cast<float>(1.0 + 0.08 * latticeValue(static_cast<int32_t>(iu), 0, key));
        const float yarnH = static_cast<float>(1.0 + 0.08 * latticeValue(0, static_cast<int32_t>(iv), key + 1));
        cv::Vec3f col;
        double f;
        if (weftOnTop ? ph > 0.05 : pw <= 0.05)
        {
            col = weft * yarnH;
            f = (0.45 + 0.6 * ph) * dip;
        }
        else
        {
            col = warp * yarnW;
            f = (0.45 + 0.6 * pw) * dip;
        }
        // fibres: fine anisotropic noise along the thread
        const double fib = weftOnTop ? valueNoise(l.x / 3.0, l.y / 0.7, key + 2) : valueNoise(l.x / 0.7, l.y / 3.0, key + 3);
        f *= 1.0 + 0.1 * fib + 0.05 * fbm(p.x / 40, p.y / 40, key + 4, 2);
        q.colour = col * static_cast<float>(f);
        return q;
    });

    if (job.defect == "scratch")
    {
        const cv::Point2d start(uni(rng, 120, 390), uni(rng, 120, 390));
        const std::vector<cv::Point2d> line = randomStroke(rng, start, uni(rng, 35, 60), uni(rng, 0, 2 * kPi), 0.08, 12);
        paintScratch(canvas, line, 1.6, chance(rng, 0.5) ? 60 : -55);
        markMask(canvas, boundsOf(line, 2), [&](const cv::Point2d& p) { return sdPolyline(p, line, 0.8); });
    }
    else if (job.defect == "stain")
    {
        const cv::Point2d c(uni(rng, 80, 430), uni(rng, 80, 430));
        const double r = uni(rng, 8, 14);
        const uint32_t sk = static_cast<uint32_t>(rng.next());
        const cv::Vec3f colours[3] = {cv::Vec3f(60, 80, 110), cv::Vec3f(150, 110, 70), cv::Vec3f(80, 120, 90)};
        paintStain(canvas, c, r, colours[uniInt(rng, 0, 2)], 0.6, sk);
        markMask(canvas, cv::Rect2d(c.x - 2 * r, c.y - 2 * r, 4 * r, 4 * r), [&](const cv::Point2d& p) { return sdStain(p, c, r, sk); });
    }
    else if (job.defect == "hole")
    {
        const cv::Point2d c(uni(rng, 80, 430), uni(rng, 80, 430));
        const double r = uni(rng, 6, 10);
        const uint32_t hk = static_cast<uint32_t>(rng.next());
        paint(canvas, cv::Rect2d(c.x - 2 * r, c.y - 2 * r, 4 * r, 4 * r), [&](const cv::Point2d& p) {
            Paint q;
            const double sd = sdStain(p, c, r, hk);
            q.alpha = coverage(sd - 1.5 * valueNoise(p.x / 1.2, p.y / 1.2, hk + 1), canvas.s);
            q.colour = cv::Vec3f(22, 24, 26) * static_cast<float>(1.0 + 0.8 * std::max(0.0, 1 + sd / 3));
            return q;
        });
        markMask(canvas, cv::Rect2d(c.x - 2 * r, c.y - 2 * r, 4 * r, 4 * r), [&](const cv::Point2d& p) { return sdStain(p, c, r, hk); });
    }
    FinishOptions o;
    o.maxRotationDeg = 0;  // the weave angle already varies
    return finish(canvas, o);
}

} // namespace detail
} // namespace synth
} // namespace unislad
