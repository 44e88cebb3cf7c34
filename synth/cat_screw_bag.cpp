// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// screw_bag: a transparent bag holding one long screw, one short screw, two nuts and two washers,
// loosely arranged (any position and angle).
// Logical anomalies: missing_part (mask: where it lay), extra_part (mask: the extra part),
// wrong_screw_length (two screws of one length; mask: the wrong screw).
// Structural anomalies: damaged_thread (a flattened stretch of thread), bag_scratch (a thin bright
// scratch in the film), stain (a small oil stain).
#include "synth_categories.hpp"

namespace unislad {
namespace synth {
namespace detail {

namespace {

enum class PartType { LongScrew, ShortScrew, Nut, Washer };

const cv::Point2d kLight(-0.45, -0.85);
constexpr double kLong = 150, kShort = 100;

struct Part
{
    PartType type;
    cv::Point2d c; // screws: head end; nut/washer: centre
    double angle;
    double length = 0;          // screws
    double damageFrom = -1;     // damaged thread stretch along the axis (screws)
    double damageTo = -1;
    cv::Vec3f colour;
    uint32_t key;

    bool isScrew() const { return type == PartType::LongScrew || type == PartType::ShortScrew; }
    /** Footprint as circles, for non-overlapping placement. */
    std::vector<std::pair<cv::Point2d, double>> footprint() const
    {
        std::vector<std::pair<cv::Point2d, double>> f;
        if (isScrew())
        {
            const cv::Point2d d(std::cos(angle), std::sin(angle));
            for (double u = 8; u <= length; u += 12)
                f.push_back({c + d * u, u < 20 ? 17.0 : 10.0});
        }
        else
            f.push_back({c, 24});
        return f;
    }
    double sd(const cv::Point2d& p) const
    {
        if (isScrew())
        {
            const cv::Point2d l = toLocal(p, c, angle);
            const double head = sdBox(l, cv::Point2d(8, 0), 8, 15, 3, 0);
            const double shank = sdBox(l, cv::Point2d(16 + (length - 16) / 2, 0), (length - 16) / 2, 7.5, 2, 0);
            return std::min(head, shank);
        }
        if (type == PartType::Nut)
            return std::max(sdRegularPolygon(p, c, 23, 6, angle), -sdCircle(p, c, 9.5));
        return std::max(sdCircle(p, c, 23), -sdCircle(p, c, 10.5));
    }
    cv::Rect2d bounds() const
    {
        if (isScrew())
        {
            const cv::Point2d e = c + cv::Point2d(std::cos(angle), std::sin(angle)) * length;
            return boundsOf({c, e}, 18);
        }
        return cv::Rect2d(c.x - 26, c.y - 26, 52, 52);
    }
};

double metal(double across)
{
    // cylinder-like profile across a screw: dark edges, highlight above the axis
    const double a = std::min(1.0, std::abs(across));
    return 0.55 + 0.45 * std::sqrt(1 - a * a) + 0.35 * std::exp(-(across + 0.35) * (across + 0.35) / 0.02);
}

void paintPart(Canvas& canvas, const Part& part)
{
    const cv::Rect2d box = part.bounds();
    // contact shadow
    modulate(canvas, cv::Rect2d(box.x, box.y, box.width + 8, box.height + 8), [&](const cv::Point2d& p) {
        const double d = part.sd(p - cv::Point2d(4, 5));
        return static_cast<float>(1.0 - 0.35 * std::min(1.0, std::max(0.0, 1.0 - d / 5.0)));
    });
    paint(canvas, box, [&](const cv::Point2d& p) {
        Paint q;
        const double sd = part.sd(p);
        q.alpha = coverage(sd, canvas.s);
        if (q.alpha <= 0.f)
            return q;
        double f = 1.0;
        if (part.isScrew())
        {
            const cv::Point2d l = toLocal(p, part.c, part.angle);
            if (l.x < 16)
            {
                // hex head seen from the side: three facets
                const double v = l.y / 15;
                f = std::abs(v) < 0.33 ? 1.05 : (v < 0 ? 1.2 : 0.7);
                f *= 1.0 - 0.2 * std::exp(-std::pow(l.x - 15.5, 2) / 2);
            }
            else
            {
                const double across = l.y / 7.5;
                f = metal(across);
                const bool damaged = l.x >= part.damageFrom && l.x <= part.damageTo;
                if (!damaged)
                    f *= 0.78 + 0.22 * std::sin(2 * kPi * (l.x - 0.35 * l.y) / 4.2);
                else
                    f *= 0.8 + 0.12 * valueNoise(l.x / 1.2, l.y / 0.8, part.key);
                if (l.x > part.length - 5)
                    f *= 0.85;
            }
        }
        else if (part.type == PartType::Nut)
        {
            const double ang = std::atan2(p.y - part.c.y, p.x - part.c.x) - part.angle;
            const int facet = static_cast<int>(std::floor((ang + 8 * kPi) / (kPi / 3))) % 6;
            f = 0.82 + 0.07 * (facet % 3) + 0.1 * std::cos(ang + 2.2);
            const double rr = std::hypot(p.x - part.c.x, p.y - part.c.y);
            if (rr < 13.5)
                f *= 0.65 + 0.1 * std::sin(rr * 3.0);  // chamfer and thread in the hole
            f *= sphereShade(p, part.c, 60, kLight, 0.75, 0.0);
        }
        else
        {
            const double rr = std::hypot(p.x - part.c.x, p.y - part.c.y);
            const double ang = std::atan2(p.y - part.c.y, p.x - part.c.x);
            f = 0.85 + 0.18 * std::cos(ang + 2.1) * ((rr - 10.5) / 12.5) + 0.05 * std::sin(rr * 1.3);
        }
        f *= 1.0 + 0.04 * valueNoise(p.x / 1.5, p.y / 1.5, part.key + 9);
        q.colour = part.colour * static_cast<float>(f);
        return q;
    });
}

struct Bag
{
    cv::Point2d c;
    double hx, hy, angle;
    double sd(const cv::Point2d& p) const { return sdBox(p, c, hx, hy, 30, angle); }
};

/** Places a part of `type` inside the bag, avoiding `others`. */
Part placePart(cv::RNG& rng, const Bag& bag, PartType type, const std::vector<Part>& others, const cv::Vec3f& steel)
{
    Part best{type, {}, 0, 0, -1, -1, {}, 0};
    double bestGap = -1e9;
    for (int attempt = 0; attempt < 400; ++attempt)
    {
        Part p{type, {}, uni(rng, 0, 2 * kPi), 0, -1, -1, jitterColour(rng, steel, 0.04), static_cast<uint32_t>(rng.next())};
        if (type == PartType::LongScrew)
            p.length = kLong * uni(rng, 0.98, 1.02);
        if (type == PartType::ShortScrew)
            p.length = kShort * uni(rng, 0.98, 1.02);
        p.c = fromLocal(cv::Point2d(uni(rng, -bag.hx, bag.hx), uni(rng, -bag.hy, bag.hy)), bag.c, bag.angle);
        double gap = 1e9;
        for (const auto& fc : p.footprint())
        {
            gap = std::min(gap, -bag.sd(fc.first) - fc.second - 12);
            for (const Part& o : others)
                for (const auto& oc : o.footprint())
                    gap = std::min(gap, std::hypot(fc.first.x - oc.first.x, fc.first.y - oc.first.y) - fc.second - oc.second - 3);
        }
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

} // namespace

Sample renderScrewBag(Canvas& canvas, const RenderJob& job)
{
    cv::RNG& rng = canvas.rng;
    fillSurface(canvas, jitterColour(rng, cv::Vec3f(196, 198, 198), 0.05), 0.06, 60, 3);
    Bag bag{cv::Point2d(256 + uni(rng, -10, 10), 262 + uni(rng, -10, 10)), uni(rng, 198, 208), uni(rng, 168, 178),
            uni(rng, -3.0, 3.0) * kPi / 180};
    const cv::Vec3f steel(168, 166, 160);

    std::vector<PartType> types{PartType::LongScrew, PartType::ShortScrew, PartType::Nut, PartType::Nut,
                                PartType::Washer, PartType::Washer};
    int wrong = -1;
    if (job.defect == "wrong_screw_length")
    {
        wrong = uniInt(rng, 0, 1);
        types[static_cast<size_t>(wrong)] = wrong == 0 ? PartType::ShortScrew : PartType::LongScrew;
    }
    if (job.defect == "extra_part")
    {
        const int t = uniInt(rng, 0, 3);
        types.push_back(t == 0 ? (chance(rng, 0.5) ? PartType::LongScrew : PartType::ShortScrew)
                               : t == 1 ? PartType::Nut : PartType::Washer);
    }
    // place the long screws first: they need the most room
    std::vector<size_t> order(types.size());
    for (size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return (types[a] == PartType::LongScrew) > (types[b] == PartType::LongScrew);
    });
    std::vector<Part> parts(types.size());
    std::vector<Part> placed;
    for (size_t i : order)
    {
        parts[i] = placePart(rng, bag, types[i], placed, steel);
        placed.push_back(parts[i]);
    }

    auto markPart = [&](const Part& p) {
        markMask(canvas, p.bounds(), [&](const cv::Point2d& q) { return p.sd(q); });
    };
    if (job.defect == "missing_part")
    {
        const size_t k = static_cast<size_t>(uniInt(rng, 0, 5));
        markPart(parts[k]);
        parts.erase(parts.begin() + static_cast<long>(k));
    }
    else if (job.defect == "extra_part")
        markPart(parts.back());
    else if (wrong >= 0)
        markPart(parts[static_cast<size_t>(wrong)]);
    else if (job.defect == "damaged_thread")
    {
        Part& s = parts[static_cast<size_t>(uniInt(rng, 0, 1))];
        s.damageFrom = uni(rng, 30, s.length - 30);
        s.damageTo = s.damageFrom + uni(rng, 9, 15);
        const cv::Point2d d(std::cos(s.angle), std::sin(s.angle));
        const std::vector<cv::Point2d> seg{s.c + d * s.damageFrom, s.c + d * s.damageTo};
        markMask(canvas, boundsOf(seg, 10), [&](const cv::Point2d& p) { return sdPolyline(p, seg, 8.0); });
    }

    for (const Part& p : parts)
        paintPart(canvas, p);

    // the bag: haze, seal seam at the top, wrinkles (bright soft strokes), outline
    const uint32_t key = canvas.noiseKey + 31;
    struct Wrinkle
    {
        cv::Point2d a, b, c, d;
        double w, strength;
    };
    std::vector<Wrinkle> wrinkles;
    const int nw = uniInt(rng, 4, 7);
    for (int i = 0; i < nw; ++i)
    {
        auto rp = [&]() {
            return fromLocal(cv::Point2d(uni(rng, -bag.hx, bag.hx), uni(rng, -bag.hy, bag.hy)), bag.c, bag.angle);
        };
        wrinkles.push_back({rp(), rp(), rp(), rp(), uni(rng, 3, 9), uni(rng, 0.08, 0.2)});
    }
    std::vector<std::vector<cv::Point2d>> wrinkleLines;
    for (const Wrinkle& w : wrinkles)
    {
        std::vector<cv::Point2d> line;
        for (int t = 0; t <= 16; ++t)
            line.push_back(bezier(w.a, w.b, w.c, w.d, t / 16.0));
        wrinkleLines.push_back(line);
    }
    const double R = std::hypot(bag.hx, bag.hy) + 24;
    paint(canvas, cv::Rect2d(bag.c.x - R, bag.c.y - R, 2 * R, 2 * R), [&](const cv::Point2d& p) {
        Paint q;
        const double sd = bag.sd(p) - 14;
        const float a = coverage(sd, canvas.s);
        if (a <= 0.f)
            return q;
        double haze = 0.16 + 0.05 * fbm(p.x / 70, p.y / 70, key, 2);
        for (size_t i = 0; i < wrinkles.size(); ++i)
        {
            const double d = sdPolyline(p, wrinkleLines[i], 0);
            haze += wrinkles[i].strength * std::exp(-d * d / (wrinkles[i].w * wrinkles[i].w));
        }
        if (sd > -7)
            haze += 0.25;  // welded edge of the bag
        const cv::Point2d l = toLocal(p, bag.c, bag.angle);
        if (l.y < -bag.hy + 4 && l.y > -bag.hy - 10)
            haze += 0.1 + 0.1 * (std::sin(l.x * 1.2) > 0.6);  // seal seam
        q.alpha = static_cast<float>(a * std::min(0.75, haze));
        q.colour = cv::Vec3f(238, 238, 236);
        return q;
    });

    if (job.defect == "bag_scratch")
    {
        const cv::Point2d start = fromLocal(cv::Point2d(uni(rng, -0.7, 0.7) * bag.hx, uni(rng, -0.7, 0.7) * bag.hy), bag.c, bag.angle);
        const std::vector<cv::Point2d> line = randomStroke(rng, start, uni(rng, 28, 45), uni(rng, 0, 2 * kPi), 0.12, 10);
        paintScratch(canvas, line, 1.3, 55);
        markMask(canvas, boundsOf(line, 2), [&](const cv::Point2d& p) { return sdPolyline(p, line, 0.7); });
    }
    else if (job.defect == "stain")
    {
        const Part& target = parts[static_cast<size_t>(uniInt(rng, 0, static_cast<int>(parts.size()) - 1))];
        const cv::Point2d c = target.isScrew()
                                  ? target.c + cv::Point2d(std::cos(target.angle), std::sin(target.angle)) * uni(rng, 20, target.length - 10)
                                  : target.c + cv::Point2d(uni(rng, -12, 12), uni(rng, -12, 12));
        const double r = uni(rng, 6, 9);
        const uint32_t sk = static_cast<uint32_t>(rng.next());
        paintStain(canvas, c, r, cv::Vec3f(40, 62, 78), 0.75, sk);
        markMask(canvas, cv::Rect2d(c.x - 2 * r, c.y - 2 * r, 4 * r, 4 * r), [&](const cv::Point2d& p) { return sdStain(p, c, r, sk); });
    }
    return finish(canvas);
}

} // namespace detail
} // namespace synth
} // namespace unislad
