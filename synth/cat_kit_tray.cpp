// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// kit_tray: a breakfast-box-like tray.
// Rules: the left compartment holds exactly two oranges and one peach (anywhere inside it); the top
// right compartment holds granola; the bottom right one banana chips and almonds, about 60 % chips.
// Logical anomalies (every part drawn by the nominal routines): missing_fruit, extra_fruit,
// wrong_fruit_type, cereal_in_wrong_compartment, wrong_ratio.
// Structural anomalies: fruit_bruise, foreign_object, tray_crack.
#include "synth_categories.hpp"

namespace unislad {
namespace synth {
namespace detail {

namespace {

enum class Fruit { Orange, Peach };

struct FruitPart
{
    Fruit type;
    cv::Point2d c;
    double r;
    double angle;
    uint32_t key;
};

struct Tray
{
    cv::Point2d c;
    double angle;
    cv::Vec3f colour;
    // compartments in tray coordinates: centre and half extents
    cv::Point2d compC[3];
    cv::Point2d compH[3];
    cv::Point2d toWorld(const cv::Point2d& q) const { return fromLocal(q, c, angle); }
    double sdComp(const cv::Point2d& p, int k) const { return sdBox(p, toWorld(compC[k]), compH[k].x, compH[k].y, 14, angle); }
    cv::Rect2d compBox(int k) const
    {
        const double R = std::hypot(compH[k].x, compH[k].y) + 4;
        const cv::Point2d w = toWorld(compC[k]);
        return cv::Rect2d(w.x - R, w.y - R, 2 * R, 2 * R);
    }
    /** A uniformly random point inside compartment k, at least `margin` from its walls. */
    cv::Point2d randomIn(cv::RNG& rng, int k, double margin) const
    {
        const double u = uni(rng, -compH[k].x + margin, compH[k].x - margin);
        const double v = uni(rng, -compH[k].y + margin, compH[k].y - margin);
        return toWorld(compC[k] + cv::Point2d(u, v));
    }
};

const cv::Point2d kLight(-0.55, -0.75);

double fruitRadius(cv::RNG& rng, Fruit t) { return t == Fruit::Orange ? uni(rng, 41, 46) : uni(rng, 46, 51); }

void paintShadow(Canvas& cv_, const cv::Point2d& c, double r, double strength)
{
    const cv::Point2d o = c + cv::Point2d(5, 7);
    const double R = r + 10;
    modulate(cv_, cv::Rect2d(o.x - R, o.y - R, 2 * R, 2 * R), [&](const cv::Point2d& p) {
        const double d = sdCircle(p, o, r);
        const double t = std::min(1.0, std::max(0.0, 1.0 - d / 9.0));
        return static_cast<float>(1.0 - strength * t * t);
    });
}

void paintFruit(Canvas& canvas, const FruitPart& f)
{
    paintShadow(canvas, f.c, f.r, 0.35);
    const double R = f.r + 2;
    const cv::Vec3f orange(28, 128, 236), peachRed(52, 48, 178), peachYellow(70, 165, 232);
    const cv::Point2d stem = f.c + cv::Point2d(std::cos(f.angle), std::sin(f.angle)) * (0.35 * f.r);
    paint(canvas, cv::Rect2d(f.c.x - R, f.c.y - R, 2 * R, 2 * R), [&](const cv::Point2d& p) {
        Paint q;
        const double sd = sdEllipse(p, f.c, f.r * 1.03, f.r * 0.97, f.angle);
        q.alpha = coverage(sd, canvas.s);
        if (q.alpha <= 0.f)
            return q;
        cv::Vec3f base;
        double spec;
        if (f.type == Fruit::Orange)
        {
            // dimpled peel
            const double dimple = valueNoise(p.x / 2.2, p.y / 2.2, f.key) * 0.07 + valueNoise(p.x / 9, p.y / 9, f.key + 1) * 0.05;
            base = orange * static_cast<float>(1.0 + dimple);
            spec = 0.30;
        }
        else
        {
            // red blush over yellow, with a crease through the stem
            const double m = std::min(1.0, std::max(0.0, 0.55 + 0.7 * fbm(p.x / 28, p.y / 28, f.key, 3)));
            base = peachRed * static_cast<float>(m) + peachYellow * static_cast<float>(1 - m);
            const cv::Point2d dir(std::cos(f.angle + 1.2), std::sin(f.angle + 1.2));
            const double crease = std::abs((p - stem).cross(dir));
            if (crease < 4 && sdCircle(p, f.c, f.r * 0.85) < 0)
                base *= static_cast<float>(0.82 + 0.18 * crease / 4);
            spec = 0.12;
        }
        if (sdCircle(p, stem, 2.6) < 0)
            base = cv::Vec3f(40, 70, 80);
        q.colour = base * sphereShade(p, f.c, f.r, kLight, 0.5, spec);
        return q;
    });
}

void paintGranola(Canvas& canvas, const cv::Point2d& c, double r, uint32_t key, double tone)
{
    const cv::Vec3f col(static_cast<float>(48 * tone), static_cast<float>(102 * tone), static_cast<float>(160 * tone));
    const double R = r * 1.4 + 2;
    paint(canvas, cv::Rect2d(c.x - R, c.y - R, 2 * R, 2 * R), [&](const cv::Point2d& p) {
        Paint q;
        const double sd = sdStain(p, c, r, key);
        q.alpha = coverage(sd, canvas.s);
        if (q.alpha <= 0.f)
            return q;
        const double grain = 1.0 + 0.16 * valueNoise(p.x / 1.6, p.y / 1.6, key + 5);
        q.colour = col * static_cast<float>(grain * sphereShade(p, c, r * 1.2, kLight, 0.6, 0.1));
        return q;
    });
}

void paintChip(Canvas& canvas, const cv::Point2d& c, double r, uint32_t key)
{
    const cv::Vec3f inner(150, 212, 236), ring(95, 160, 205);
    const double R = r + 2;
    paint(canvas, cv::Rect2d(c.x - R, c.y - R, 2 * R, 2 * R), [&](const cv::Point2d& p) {
        Paint q;
        const double sd = sdCircle(p, c, r);
        q.alpha = coverage(sd, canvas.s);
        if (q.alpha <= 0.f)
            return q;
        const double t = std::min(1.0, std::max(0.0, (-sd) / 3.0));
        cv::Vec3f col = ring * static_cast<float>(1 - t) + inner * static_cast<float>(t);
        // seed dots around the centre
        const double ang = std::atan2(p.y - c.y, p.x - c.x), rad = std::hypot(p.x - c.x, p.y - c.y);
        if (std::abs(rad - 0.35 * r) < 1.2 && std::cos(6 * ang + key % 7) > 0.6)
            col *= 0.7f;
        col *= static_cast<float>(1.0 + 0.05 * valueNoise(p.x / 2, p.y / 2, key));
        q.colour = col * sphereShade(p, c, r * 1.6, kLight, 0.75, 0.05);
        return q;
    });
}

void paintAlmond(Canvas& canvas, const cv::Point2d& c, double a, double angle, uint32_t key)
{
    const cv::Vec3f col(52, 96, 150);
    const double R = a + 2;
    paint(canvas, cv::Rect2d(c.x - R, c.y - R, 2 * R, 2 * R), [&](const cv::Point2d& p) {
        Paint q;
        const cv::Point2d l = toLocal(p, c, angle);
        // almond: ellipse narrowing towards one end
        const double taper = 1.0 - 0.25 * std::max(0.0, l.x / a);
        const double sd = (std::hypot(l.x / a, l.y / (0.58 * a * taper)) - 1.0) * 0.58 * a;
        q.alpha = coverage(sd, canvas.s);
        if (q.alpha <= 0.f)
            return q;
        const double streak = 1.0 + 0.1 * valueNoise(l.x / 6, l.y / 1.2, key);
        q.colour = col * static_cast<float>(streak * sphereShade(p, c, a, kLight, 0.55, 0.15));
        return q;
    });
}

Tray makeTray(cv::RNG& rng)
{
    Tray t;
    t.c = cv::Point2d(256 + uni(rng, -10, 10), 262 + uni(rng, -10, 10));
    t.angle = uni(rng, -2.0, 2.0) * kPi / 180;
    t.colour = jitterColour(rng, cv::Vec3f(212, 220, 226), 0.04);
    t.compC[0] = cv::Point2d(-106, 0);
    t.compH[0] = cv::Point2d(96, 154);
    t.compC[1] = cv::Point2d(104, -79);
    t.compH[1] = cv::Point2d(98, 75);
    t.compC[2] = cv::Point2d(104, 81);
    t.compH[2] = cv::Point2d(98, 73);
    return t;
}

void paintTray(Canvas& canvas, const Tray& t)
{
    const double hx = 218, hy = 172;
    // soft shadow on the table
    modulate(canvas, cv::Rect2d(t.c.x - hx - 30, t.c.y - hy - 30, 2 * hx + 60, 2 * hy + 60), [&](const cv::Point2d& p) {
        const double d = sdBox(p, t.c + cv::Point2d(6, 9), hx, hy, 26, t.angle);
        const double k = std::min(1.0, std::max(0.0, 1.0 - d / 14.0));
        return static_cast<float>(1.0 - 0.45 * k);
    });
    const uint32_t key = canvas.noiseKey + 101;
    paint(canvas, cv::Rect2d(t.c.x - hx - 6, t.c.y - hy - 6, 2 * hx + 12, 2 * hy + 12), [&](const cv::Point2d& p) {
        Paint q;
        const double sd = sdBox(p, t.c, hx, hy, 26, t.angle);
        q.alpha = coverage(sd, canvas.s);
        if (q.alpha <= 0.f)
            return q;
        double f = 1.0 + 0.025 * fbm(p.x / 30, p.y / 30, key, 2);
        // rim bevel: lit edge on the upper left
        if (sd > -5)
            f *= 0.9;
        double inComp = 1e9;
        for (int k = 0; k < 3; ++k)
            inComp = std::min(inComp, t.sdComp(p, k));
        if (inComp < 0)
        {
            // compartment floor: darker, more so close to the walls (ambient occlusion)
            f *= 0.9 * (1.0 - 0.22 * std::exp(inComp / 7.0));
        }
        else if (inComp < 3)
            f *= 0.78;  // wall edge
        q.colour = t.colour * static_cast<float>(f);
        return q;
    });
}

/** Places fruits of the given types at random non-overlapping positions in the left compartment. */
std::vector<FruitPart> placeFruits(cv::RNG& rng, const Tray& t, const std::vector<Fruit>& types, double overlap)
{
    std::vector<FruitPart> out;
    for (Fruit type : types)
    {
        FruitPart f{type, {}, fruitRadius(rng, type), uni(rng, 0, 2 * kPi), static_cast<uint32_t>(rng.next())};
        FruitPart best = f;
        double bestGap = -1e9;
        for (int attempt = 0; attempt < 300; ++attempt)
        {
            f.c = t.randomIn(rng, 0, f.r + 3);
            double gap = 1e9;
            for (const FruitPart& o : out)
                gap = std::min(gap, std::hypot(f.c.x - o.c.x, f.c.y - o.c.y) - overlap * (f.r + o.r));
            if (gap > bestGap)
            {
                bestGap = gap;
                best = f;
            }
            if (gap >= 0)
                break;
        }
        out.push_back(best);
    }
    return out;
}

/** The loose food of the right compartments. */
struct Loose
{
    int kind; // 0 granola, 1 chip, 2 almond
    cv::Point2d c;
    double r;
    double angle;
    double tone;
    uint32_t key;
};

void fillCompartment(cv::RNG& rng, const Tray& t, int comp, int count, double chipShare, std::vector<Loose>& out,
                     const std::function<bool(const cv::Point2d&)>& skip = {}, int forceKind = -1)
{
    for (int i = 0; i < count; ++i)
    {
        Loose l;
        l.c = t.randomIn(rng, comp, 8);
        if (forceKind >= 0)
            l.kind = forceKind;
        else
            l.kind = comp == 1 ? 0 : (chance(rng, chipShare) ? 1 : 2);
        l.r = l.kind == 0 ? uni(rng, 6.5, 10.5) : l.kind == 1 ? uni(rng, 11, 14) : uni(rng, 12, 15);
        l.angle = uni(rng, 0, 2 * kPi);
        l.tone = uni(rng, 0.8, 1.15);
        l.key = static_cast<uint32_t>(rng.next());
        if (skip && skip(l.c))
            continue;
        out.push_back(l);
    }
}

} // namespace

Sample renderKitTray(Canvas& canvas, const RenderJob& job)
{
    cv::RNG& rng = canvas.rng;
    fillSurface(canvas, jitterColour(rng, cv::Vec3f(78, 84, 88), 0.08), 0.12, 40, 4);
    const Tray tray = makeTray(rng);
    paintTray(canvas, tray);

    // --- fruits ---
    std::vector<Fruit> types{Fruit::Orange, Fruit::Orange, Fruit::Peach};
    int replaced = -1;
    if (job.defect == "wrong_fruit_type")
    {
        replaced = uniInt(rng, 0, 2);
        types[static_cast<size_t>(replaced)] = types[static_cast<size_t>(replaced)] == Fruit::Orange ? Fruit::Peach : Fruit::Orange;
    }
    if (job.defect == "extra_fruit")
        types.push_back(chance(rng, 0.5) ? Fruit::Orange : Fruit::Peach);
    std::vector<FruitPart> fruits = placeFruits(rng, tray, types, job.defect == "extra_fruit" ? 0.9 : 1.0);
    if (job.defect == "missing_fruit")
    {
        const size_t k = static_cast<size_t>(uniInt(rng, 0, 2));
        const FruitPart f = fruits[k];
        markMask(canvas, cv::Rect2d(f.c.x - f.r, f.c.y - f.r, 2 * f.r, 2 * f.r),
                 [&](const cv::Point2d& p) { return sdCircle(p, f.c, f.r); });
        fruits.erase(fruits.begin() + static_cast<long>(k));
    }
    if (job.defect == "extra_fruit" || replaced >= 0)
    {
        const FruitPart f = fruits[replaced >= 0 ? static_cast<size_t>(replaced) : 3];
        markMask(canvas, cv::Rect2d(f.c.x - f.r, f.c.y - f.r, 2 * f.r, 2 * f.r),
                 [&](const cv::Point2d& p) { return sdCircle(p, f.c, f.r); });
    }

    // --- loose food ---
    std::vector<Loose> loose;
    fillCompartment(rng, tray, 1, uniInt(rng, 260, 320), 0, loose);
    double chipShare = uni(rng, 0.52, 0.68);
    if (job.defect == "wrong_ratio")
    {
        chipShare = chance(rng, 0.5) ? uni(rng, 0.05, 0.15) : uni(rng, 0.95, 1.0);
        markMask(canvas, tray.compBox(2), [&](const cv::Point2d& p) { return tray.sdComp(p, 2); }, 0.0);
    }
    const int bottomCount = uniInt(rng, 110, 130);
    if (job.defect == "cereal_in_wrong_compartment")
    {
        // a heap of granola replaces the chips in part of the bottom compartment
        const cv::Point2d hc = tray.randomIn(rng, 2, 38);
        const double ha = uni(rng, 34, 46), hb = uni(rng, 26, 34), hang = uni(rng, 0, kPi);
        auto inHeap = [&](const cv::Point2d& p) { return sdEllipse(p, hc, ha, hb, hang) < 0; };
        fillCompartment(rng, tray, 2, bottomCount, chipShare, loose, inHeap);
        const size_t before = loose.size();
        fillCompartment(rng, tray, 2, 260, 0, loose, [&](const cv::Point2d& p) { return !inHeap(p); }, 0);
        cv::Rect2d box(hc.x - ha - 12, hc.y - ha - 12, 2 * ha + 24, 2 * ha + 24);
        markMask(canvas, box, [&](const cv::Point2d& p) {
            return std::max(sdEllipse(p, hc, ha, hb, hang) - 8.0, tray.sdComp(p, 2));
        });
        (void)before;
    }
    else
        fillCompartment(rng, tray, 2, bottomCount, chipShare, loose);
    // shuffle-free deterministic draw order: food lies in the order it was generated
    for (const Loose& l : loose)
    {
        if (l.kind == 0)
            paintGranola(canvas, l.c, l.r, l.key, l.tone);
        else if (l.kind == 1)
            paintChip(canvas, l.c, l.r, l.key);
        else
            paintAlmond(canvas, l.c, l.r, l.angle, l.key);
    }
    for (const FruitPart& f : fruits)
        paintFruit(canvas, f);

    // --- structural defects ---
    if (job.defect == "fruit_bruise")
    {
        const FruitPart& f = fruits[static_cast<size_t>(uniInt(rng, 0, static_cast<int>(fruits.size()) - 1))];
        const double a = uni(rng, 0, 2 * kPi), d = uni(rng, 0.1, 0.55) * f.r;
        const cv::Point2d c = f.c + cv::Point2d(std::cos(a), std::sin(a)) * d;
        const double r = uni(rng, 6, 10);
        const uint32_t key = static_cast<uint32_t>(rng.next());
        paintStain(canvas, c, r, cv::Vec3f(30, 52, 88), 0.8, key);
        markMask(canvas, cv::Rect2d(c.x - 2 * r, c.y - 2 * r, 4 * r, 4 * r),
                 [&](const cv::Point2d& p) { return sdStain(p, c, r, key); });
    }
    else if (job.defect == "foreign_object")
    {
        const int comp = uniInt(rng, 0, 2);
        const cv::Point2d c = tray.randomIn(rng, comp, 15);
        const double a = uni(rng, 8, 13), b = uni(rng, 2.5, 4.5), ang = uni(rng, 0, kPi);
        const cv::Vec3f col = chance(rng, 0.5) ? cv::Vec3f(190, 110, 35) : cv::Vec3f(70, 160, 60);
        paint(canvas, cv::Rect2d(c.x - a - 2, c.y - a - 2, 2 * a + 4, 2 * a + 4), [&](const cv::Point2d& p) {
            Paint q;
            q.alpha = coverage(sdBox(p, c, a, b, 1.5, ang), canvas.s);
            q.colour = col * sphereShade(p, c, a, kLight, 0.7, 0.4);
            return q;
        });
        markMask(canvas, cv::Rect2d(c.x - a, c.y - a, 2 * a, 2 * a), [&](const cv::Point2d& p) { return sdBox(p, c, a, b, 1.5, ang); });
    }
    else if (job.defect == "tray_crack")
    {
        // across the top or bottom rim of the tray
        const double side = chance(rng, 0.5) ? -1 : 1;
        const cv::Point2d start = tray.toWorld(cv::Point2d(uni(rng, -170, 170), side * 171));
        const std::vector<cv::Point2d> crack =
            randomStroke(rng, start, uni(rng, 22, 34), tray.angle - side * kPi / 2 + gauss(rng, 0.3), 0.35, 8);
        paintScratch(canvas, crack, 1.4, -70);
        markMask(canvas, boundsOf(crack, 2), [&](const cv::Point2d& p) { return sdPolyline(p, crack, 0.7); });
    }
    return finish(canvas);
}

} // namespace detail
} // namespace synth
} // namespace unislad
