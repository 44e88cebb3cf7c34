// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "synth_draw.hpp"

#include <opencv2/imgproc.hpp>

namespace unislad {
namespace synth {
namespace detail {

Canvas::Canvas(int outputSize, uint64_t seed)
    : s(2.0 * outputSize / kDesign), outSize(outputSize), rng(seed ? seed : 0x9E3779B97F4A7C15ULL)
{
    img.create(2 * outputSize, 2 * outputSize);
    img.setTo(cv::Scalar::all(0));
    mask = cv::Mat1b::zeros(2 * outputSize, 2 * outputSize);
    noiseKey = static_cast<uint32_t>(rng.next());
}

cv::Vec3f jitterColour(cv::RNG& rng, const cv::Vec3f& c, double amount)
{
    const double g = uni(rng, -amount, amount);
    cv::Vec3f out;
    for (int k = 0; k < 3; ++k)
        out[k] = static_cast<float>(c[k] * (1.0 + g + uni(rng, -amount, amount) * 0.5));
    return out;
}

uint32_t hash3(int32_t x, int32_t y, uint32_t key)
{
    uint32_t h = key ^ (static_cast<uint32_t>(x) * 0x27d4eb2dU) ^ (static_cast<uint32_t>(y) * 0x165667b1U);
    h ^= h >> 15;
    h *= 0x2c1b3c6dU;
    h ^= h >> 12;
    h *= 0x297a2d39U;
    h ^= h >> 15;
    return h;
}

float valueNoise(double x, double y, uint32_t key)
{
    const double fx = std::floor(x), fy = std::floor(y);
    const int32_t ix = static_cast<int32_t>(fx), iy = static_cast<int32_t>(fy);
    double tx = x - fx, ty = y - fy;
    tx = tx * tx * (3 - 2 * tx);
    ty = ty * ty * (3 - 2 * ty);
    const double a = latticeValue(ix, iy, key), b = latticeValue(ix + 1, iy, key);
    const double c = latticeValue(ix, iy + 1, key), d = latticeValue(ix + 1, iy + 1, key);
    return static_cast<float>((a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty);
}

float fbm(double x, double y, uint32_t key, int octaves)
{
    double sum = 0, amp = 1, norm = 0;
    for (int o = 0; o < octaves; ++o)
    {
        sum += amp * valueNoise(x, y, key + 0x9E37U * static_cast<uint32_t>(o));
        norm += amp;
        amp *= 0.5;
        x = x * 2.03 + 17.1;
        y = y * 2.03 - 5.3;
    }
    return static_cast<float>(sum / norm * 1.6);
}

double sdEllipse(const cv::Point2d& p, const cv::Point2d& c, double a, double b, double angle)
{
    const cv::Point2d q = toLocal(p, c, angle);
    const double k = std::hypot(q.x / a, q.y / b);
    return (k - 1.0) * std::min(a, b);
}

double sdSegment(const cv::Point2d& p, const cv::Point2d& a, const cv::Point2d& b, double r)
{
    const cv::Point2d ab = b - a, ap = p - a;
    const double len2 = ab.dot(ab);
    const double t = len2 > 0 ? std::min(1.0, std::max(0.0, ap.dot(ab) / len2)) : 0.0;
    const cv::Point2d d = ap - ab * t;
    return std::hypot(d.x, d.y) - r;
}

double sdBox(const cv::Point2d& p, const cv::Point2d& c, double hx, double hy, double rc, double angle)
{
    const cv::Point2d q = toLocal(p, c, angle);
    const double dx = std::abs(q.x) - (hx - rc), dy = std::abs(q.y) - (hy - rc);
    const double outside = std::hypot(std::max(dx, 0.0), std::max(dy, 0.0));
    return outside + std::min(std::max(dx, dy), 0.0) - rc;
}

double sdRegularPolygon(const cv::Point2d& p, const cv::Point2d& c, double R, int n, double angle)
{
    const double apothem = R * std::cos(kPi / n);
    double d = -1e30;
    for (int k = 0; k < n; ++k)
    {
        const double t = angle + (2 * kPi * k) / n;
        d = std::max(d, (p.x - c.x) * std::cos(t) + (p.y - c.y) * std::sin(t) - apothem);
    }
    return d;
}

double sdPolyline(const cv::Point2d& p, const std::vector<cv::Point2d>& pts, double r)
{
    double d = 1e30;
    for (size_t i = 1; i < pts.size(); ++i)
        d = std::min(d, sdSegment(p, pts[i - 1], pts[i], r));
    return d;
}

std::vector<cv::Point2d> randomStroke(cv::RNG& rng, const cv::Point2d& start, double length, double angle,
                                      double curl, int segments)
{
    std::vector<cv::Point2d> pts{start};
    double a = angle;
    const double step = length / segments;
    for (int i = 0; i < segments; ++i)
    {
        a += gauss(rng, curl);
        pts.push_back(pts.back() + cv::Point2d(std::cos(a), std::sin(a)) * step);
    }
    return pts;
}

cv::Rect2d boundsOf(const std::vector<cv::Point2d>& pts, double margin)
{
    double x0 = 1e30, y0 = 1e30, x1 = -1e30, y1 = -1e30;
    for (const cv::Point2d& p : pts)
    {
        x0 = std::min(x0, p.x);
        y0 = std::min(y0, p.y);
        x1 = std::max(x1, p.x);
        y1 = std::max(y1, p.y);
    }
    return cv::Rect2d(x0 - margin, y0 - margin, x1 - x0 + 2 * margin, y1 - y0 + 2 * margin);
}

cv::Point2d bezier(const cv::Point2d& a, const cv::Point2d& b, const cv::Point2d& c, const cv::Point2d& d, double t)
{
    const double u = 1 - t;
    return a * (u * u * u) + b * (3 * u * u * t) + c * (3 * u * t * t) + d * (t * t * t);
}

cv::Rect pixelRect(const Canvas& canvas, const cv::Rect2d& box)
{
    const int x0 = static_cast<int>(std::floor(box.x * canvas.s)) - 1;
    const int y0 = static_cast<int>(std::floor(box.y * canvas.s)) - 1;
    const int x1 = static_cast<int>(std::ceil((box.x + box.width) * canvas.s)) + 1;
    const int y1 = static_cast<int>(std::ceil((box.y + box.height) * canvas.s)) + 1;
    return cv::Rect(x0, y0, std::max(0, x1 - x0), std::max(0, y1 - y0)) & cv::Rect(0, 0, canvas.img.cols, canvas.img.rows);
}

void fillSurface(Canvas& canvas, const cv::Vec3f& base, double amp, double scale, double grain)
{
    const uint32_t key = canvas.noiseKey ^ 0x51ED270BU;
    const double inv = 1.0 / canvas.s;
    const double ox = uni(canvas.rng, 0, 1000), oy = uni(canvas.rng, 0, 1000);
    for (int y = 0; y < canvas.img.rows; ++y)
    {
        cv::Vec3f* row = canvas.img.ptr<cv::Vec3f>(y);
        for (int x = 0; x < canvas.img.cols; ++x)
        {
            const double px = (x + 0.5) * inv, py = (y + 0.5) * inv;
            const float blot = fbm(px / scale + ox, py / scale + oy, key, 3);
            const float fine = valueNoise(px * 0.9 + ox, py * 0.9 + oy, key + 7U);
            const float g = static_cast<float>(1.0 + amp * blot) ;
            row[x] = base * g + cv::Vec3f::all(static_cast<float>(grain * fine));
        }
    }
}

float sphereShade(const cv::Point2d& p, const cv::Point2d& c, double r, const cv::Point2d& light, double ambient,
                  double specular)
{
    const double nx = (p.x - c.x) / r, ny = (p.y - c.y) / r;
    const double d2 = std::min(1.0, nx * nx + ny * ny);
    const double nz = std::sqrt(1.0 - d2);
    // light from the upper side and above the plane
    const double lx = light.x * 0.6, ly = light.y * 0.6, lz = 0.8;
    const double lambert = std::max(0.0, nx * lx + ny * ly + nz * lz);
    const double hz = lz + 1.0;
    const double hn = (nx * lx + ny * ly + nz * hz) / std::sqrt(lx * lx + ly * ly + hz * hz);
    const double spec = std::pow(std::max(0.0, hn), 24.0);
    return static_cast<float>(ambient + (1.0 - ambient) * lambert + specular * spec);
}

void paintScratch(Canvas& canvas, const std::vector<cv::Point2d>& stroke, double width, double delta)
{
    const float d = static_cast<float>(delta);
    const double hw = 0.5 * width;
    paint(canvas, boundsOf(stroke, width + 2), [&](const cv::Point2d& p) {
        Paint q;
        const double sd = sdPolyline(p, stroke, hw);
        const float a = coverage(sd, canvas.s);
        if (a <= 0.f)
            return q;
        const cv::Point pi(static_cast<int>(p.x * canvas.s), static_cast<int>(p.y * canvas.s));
        const cv::Vec3f below = canvas.img(std::min(pi.y, canvas.img.rows - 1), std::min(pi.x, canvas.img.cols - 1));
        q.alpha = a;
        q.colour = below + cv::Vec3f::all(d);
        return q;
    });
}

double sdStain(const cv::Point2d& p, const cv::Point2d& c, double r, uint32_t key)
{
    const double ang = std::atan2(p.y - c.y, p.x - c.x);
    const double wobble = 1.0 + 0.28 * valueNoise(std::cos(ang) * 1.7 + 3.0, std::sin(ang) * 1.7 + 3.0, key);
    return std::hypot(p.x - c.x, p.y - c.y) - r * wobble;
}

void paintStain(Canvas& canvas, const cv::Point2d& c, double r, const cv::Vec3f& colour, double opacity, uint32_t key)
{
    const double R = r * 1.4 + 2;
    paint(canvas, cv::Rect2d(c.x - R, c.y - R, 2 * R, 2 * R), [&](const cv::Point2d& p) {
        Paint q;
        const double sd = sdStain(p, c, r, key);
        if (sd > 1.5)
            return q;
        // soft edge, denser centre, a little mottling
        const double core = std::min(1.0, std::max(0.0, -sd / (0.5 * r) + 0.35));
        const double mott = 0.85 + 0.15 * valueNoise(p.x * 0.4, p.y * 0.4, key + 3U);
        q.alpha = static_cast<float>(opacity * mott * std::min(1.0, 0.35 + core) * coverage(sd, canvas.s));
        q.colour = colour;
        return q;
    });
}

Sample finish(Canvas& canvas, const FinishOptions& o)
{
    cv::RNG& rng = canvas.rng;
    const int n = canvas.outSize;
    const int W = canvas.img.cols;

    // Camera pose: output pixel -> working pixel (inverse map), about the centre.
    const double rot = uni(rng, -o.maxRotationDeg, o.maxRotationDeg) * kPi / 180.0;
    const double zoom = 1.0 + uni(rng, -o.maxScale, o.maxScale);
    const double tx = uni(rng, -o.maxShift, o.maxShift) * W, ty = uni(rng, -o.maxShift, o.maxShift) * W;
    const double k = (static_cast<double>(W) / n) / zoom;
    const double ca = std::cos(rot) * k, sa = std::sin(rot) * k;
    const double cx = 0.5 * n, cy = 0.5 * n;
    cv::Matx23d M(ca, -sa, 0.5 * W + tx - ca * cx + sa * cy,
                  sa, ca, 0.5 * W + ty - sa * cx - ca * cy);
    // Anti-alias the 2x canvas, then resample.
    cv::Mat3f smooth;
    cv::GaussianBlur(canvas.img, smooth, cv::Size(0, 0), 0.8 * k);
    cv::Mat3f out;
    cv::warpAffine(smooth, out, M, cv::Size(n, n), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_REFLECT_101);
    cv::Mat1f maskf;
    canvas.mask.convertTo(maskf, CV_32F);
    cv::Mat1f maskOut;
    cv::warpAffine(maskf, maskOut, M, cv::Size(n, n), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT);

    // Lighting: gain, linear gradient and a soft vignette/hot spot.
    const double gain = 1.0 + uni(rng, -o.exposure, o.exposure);
    const double gx = uni(rng, -o.light, o.light), gy = uni(rng, -o.light, o.light);
    const double spot = uni(rng, -0.6, 0.6) * o.light;
    const double sx = uni(rng, 0.25, 0.75), sy = uni(rng, 0.25, 0.75);
    const cv::Vec3f tint(static_cast<float>(1.0 + uni(rng, -0.02, 0.02)), 1.f,
                         static_cast<float>(1.0 + uni(rng, -0.02, 0.02)));
    for (int y = 0; y < n; ++y)
    {
        cv::Vec3f* row = out.ptr<cv::Vec3f>(y);
        const double v = (y + 0.5) / n;
        for (int x = 0; x < n; ++x)
        {
            const double u = (x + 0.5) / n;
            const double r2 = (u - sx) * (u - sx) + (v - sy) * (v - sy);
            const float g = static_cast<float>(gain * (1.0 + gx * (u - 0.5) * 2 + gy * (v - 0.5) * 2 + spot * (0.3 - r2) * 2));
            row[x] = cv::Vec3f(row[x][0] * g * tint[0], row[x][1] * g * tint[1], row[x][2] * g * tint[2]);
        }
    }
    const double blur = uni(rng, o.blurMin, o.blurMax) * n / 256.0;
    if (blur > 0.2)
        cv::GaussianBlur(out, out, cv::Size(0, 0), blur);
    // Sensor noise: Gaussian, per channel, slightly stronger in bright areas.
    const double sigma = uni(rng, o.noiseMin, o.noiseMax);
    cv::Mat3f noise(n, n);
    rng.fill(noise, cv::RNG::NORMAL, cv::Scalar::all(0), cv::Scalar::all(1));
    for (int y = 0; y < n; ++y)
    {
        cv::Vec3f* row = out.ptr<cv::Vec3f>(y);
        const cv::Vec3f* nr = noise.ptr<cv::Vec3f>(y);
        for (int x = 0; x < n; ++x)
            for (int c = 0; c < 3; ++c)
                row[x][c] += static_cast<float>(nr[x][c] * sigma * (0.6 + 0.4 * std::max(0.f, row[x][c]) / 255.0));
    }

    Sample sample;
    out.convertTo(sample.image, CV_8U);
    cv::Mat1b m = maskOut >= 96.f;
    sample.mask = m;
    return sample;
}

} // namespace detail
} // namespace synth
} // namespace unislad
