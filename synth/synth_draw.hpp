// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef UNISLAD_SYNTH_DRAW_HPP
#define UNISLAD_SYNTH_DRAW_HPP

// Shared drawing helpers of the synthetic categories (private to synth/).
//
// Scenes are designed in a 512 × 512 "design" coordinate system and rendered at twice the output
// resolution onto a float canvas. Shapes are signed distance functions (negative inside, in design
// units); the painter turns a distance into anti-aliased coverage, so shapes look the same at every
// output size. finish() applies the camera: small global rotation/shift, anti-aliased downsampling,
// a lighting gradient, slight blur and sensor noise.

#include "synthetic_data.hpp"

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace unislad {
namespace synth {
namespace detail {

constexpr double kDesign = 512.0;
constexpr double kPi = 3.14159265358979323846;

/** What a category renderer is asked to draw. */
struct RenderJob
{
    Split split = Split::Train;
    int index = 0;
    std::string defect; //!< empty for nominal images
    bool isLogical() const { return split == Split::TestLogical; }
    bool isStructural() const { return split == Split::TestStructural; }
};

/** A working canvas: BGR float image and anomaly mask at twice the output size. */
struct Canvas
{
    Canvas(int outputSize, uint64_t seed);
    cv::Mat3f img;     //!< BGR, 0..255
    cv::Mat1b mask;    //!< 255 = anomalous
    double s;          //!< working pixels per design unit
    int outSize;       //!< output size in pixels
    cv::RNG rng;       //!< the image's random stream
    uint32_t noiseKey; //!< seed of the procedural noise of this image
};

/** Camera settings applied by finish(). */
struct FinishOptions
{
    double maxRotationDeg = 2.0; //!< global rotation, uniform in ±this
    double maxShift = 0.02;      //!< global shift, fraction of the size, uniform in ±this
    double maxScale = 0.02;      //!< global zoom, 1 ± this
    double light = 0.12;         //!< lighting gradient amplitude
    double exposure = 0.06;      //!< global gain, 1 ± this
    double noiseMin = 1.5;       //!< sensor noise sigma range (grey levels)
    double noiseMax = 3.5;
    double blurMin = 0.25;       //!< output blur sigma range (pixels)
    double blurMax = 0.7;
};

/** Applies the camera model and returns the 8-bit image and mask at the output size. */
Sample finish(Canvas& canvas, const FinishOptions& options = FinishOptions());

// ---- random helpers ----------------------------------------------------------------------------

inline double uni(cv::RNG& rng, double a, double b) { return rng.uniform(a, b); }
/** Integer in [a, b] (both inclusive). */
inline int uniInt(cv::RNG& rng, int a, int b) { return rng.uniform(a, b + 1); }
inline double gauss(cv::RNG& rng, double sigma) { return rng.gaussian(sigma); }
inline bool chance(cv::RNG& rng, double p) { return rng.uniform(0.0, 1.0) < p; }
/** Colour jittered per channel by ±amount (multiplicative, in fractions). */
cv::Vec3f jitterColour(cv::RNG& rng, const cv::Vec3f& c, double amount);

// ---- procedural noise --------------------------------------------------------------------------

uint32_t hash3(int32_t x, int32_t y, uint32_t key);
/** Hash value in [-1, 1] of an integer lattice point. */
inline float latticeValue(int32_t x, int32_t y, uint32_t key)
{
    return static_cast<float>(hash3(x, y, key) * (2.0 / 4294967295.0) - 1.0);
}
/** Smooth value noise in [-1, 1] with unit lattice spacing. */
float valueNoise(double x, double y, uint32_t key);
/** Fractal sum of `octaves` value noises, roughly in [-1, 1]. */
float fbm(double x, double y, uint32_t key, int octaves);

// ---- signed distances (design units, negative inside) ------------------------------------------

inline double sdCircle(const cv::Point2d& p, const cv::Point2d& c, double r) { return std::hypot(p.x - c.x, p.y - c.y) - r; }
/** Ellipse with half axes (a, b) rotated by `angle` radians (approximate distance). */
double sdEllipse(const cv::Point2d& p, const cv::Point2d& c, double a, double b, double angle);
/** Capsule of radius r around the segment a-b. */
double sdSegment(const cv::Point2d& p, const cv::Point2d& a, const cv::Point2d& b, double r);
/** Rounded box with half extents (hx, hy), corner radius rc, rotated by `angle` radians about c. */
double sdBox(const cv::Point2d& p, const cv::Point2d& c, double hx, double hy, double rc, double angle);
/** Regular n-gon with circumradius R rotated by `angle`. */
double sdRegularPolygon(const cv::Point2d& p, const cv::Point2d& c, double R, int n, double angle);
/** Polyline of radius r (min over segments). */
double sdPolyline(const cv::Point2d& p, const std::vector<cv::Point2d>& pts, double r);
/** Coordinates of p in the frame at c rotated by `angle` (u along the angle direction, v across). */
inline cv::Point2d toLocal(const cv::Point2d& p, const cv::Point2d& c, double angle)
{
    const double dx = p.x - c.x, dy = p.y - c.y, ca = std::cos(angle), sa = std::sin(angle);
    return cv::Point2d(dx * ca + dy * sa, -dx * sa + dy * ca);
}
inline cv::Point2d fromLocal(const cv::Point2d& q, const cv::Point2d& c, double angle)
{
    const double ca = std::cos(angle), sa = std::sin(angle);
    return cv::Point2d(c.x + q.x * ca - q.y * sa, c.y + q.x * sa + q.y * ca);
}

/** A random thin stroke: a smooth random walk from `start` of total `length` (design units). */
std::vector<cv::Point2d> randomStroke(cv::RNG& rng, const cv::Point2d& start, double length, double angle,
                                      double curl, int segments = 12);
/** Bounding box (design units) of points, grown by `margin`. */
cv::Rect2d boundsOf(const std::vector<cv::Point2d>& pts, double margin);
/** Point of a cubic Bezier curve at t. */
cv::Point2d bezier(const cv::Point2d& a, const cv::Point2d& b, const cv::Point2d& c, const cv::Point2d& d, double t);

// ---- painting ----------------------------------------------------------------------------------

/** Anti-aliased coverage of a signed distance at `s` working pixels per unit. */
inline float coverage(double sd, double s) { return static_cast<float>(std::min(1.0, std::max(0.0, 0.5 - sd * s))); }

/** Working-pixel rectangle covering a design box, clipped to the canvas. */
cv::Rect pixelRect(const Canvas& canvas, const cv::Rect2d& box);

/** A colour with coverage, as returned by a paint functor. */
struct Paint
{
    float alpha = 0.f;
    cv::Vec3f colour;
};

/** Composites fn(p) over the canvas for every working pixel inside the design box.
fn(const cv::Point2d& p) -> Paint, with p the pixel centre in design units. */
template <class Fn>
void paint(Canvas& canvas, const cv::Rect2d& box, Fn fn)
{
    const cv::Rect r = pixelRect(canvas, box);
    const double inv = 1.0 / canvas.s;
    for (int y = r.y; y < r.y + r.height; ++y)
    {
        cv::Vec3f* row = canvas.img.ptr<cv::Vec3f>(y);
        for (int x = r.x; x < r.x + r.width; ++x)
        {
            const Paint q = fn(cv::Point2d((x + 0.5) * inv, (y + 0.5) * inv));
            if (q.alpha <= 0.f)
                continue;
            row[x] = row[x] * (1.f - q.alpha) + q.colour * q.alpha;
        }
    }
}

/** Multiplies the canvas by fn(p) (a shading factor, 1 = unchanged) inside the design box. */
template <class Fn>
void modulate(Canvas& canvas, const cv::Rect2d& box, Fn fn)
{
    const cv::Rect r = pixelRect(canvas, box);
    const double inv = 1.0 / canvas.s;
    for (int y = r.y; y < r.y + r.height; ++y)
    {
        cv::Vec3f* row = canvas.img.ptr<cv::Vec3f>(y);
        for (int x = r.x; x < r.x + r.width; ++x)
            row[x] *= fn(cv::Point2d((x + 0.5) * inv, (y + 0.5) * inv));
    }
}

/** Marks the mask where sdf(p) <= margin (design units; at least one working pixel, so thin
defects stay visible in the mask at every size). */
template <class Fn>
void markMask(Canvas& canvas, const cv::Rect2d& box, Fn sdf, double margin = 1.0)
{
    const double m = std::max(margin, 1.0 / canvas.s);
    const cv::Rect r = pixelRect(canvas, cv::Rect2d(box.x - m, box.y - m, box.width + 2 * m, box.height + 2 * m));
    const double inv = 1.0 / canvas.s;
    for (int y = r.y; y < r.y + r.height; ++y)
    {
        uchar* row = canvas.mask.ptr<uchar>(y);
        for (int x = r.x; x < r.x + r.width; ++x)
            if (sdf(cv::Point2d((x + 0.5) * inv, (y + 0.5) * inv)) <= m)
                row[x] = 255;
    }
}

/** Fills the whole canvas with a textured surface: base colour, low-frequency blotches of
`amp` (fraction) at `scale` design units, and fine grain of `grain` grey levels. */
void fillSurface(Canvas& canvas, const cv::Vec3f& base, double amp, double scale, double grain);

/** Lambert-like shading of a sphere cap: factor for point p on a disc (c, r) lit from `light`
(unit 2-D direction of the light in the image plane, e.g. (-0.5,-0.7)). */
float sphereShade(const cv::Point2d& p, const cv::Point2d& c, double r, const cv::Point2d& light,
                  double ambient = 0.55, double specular = 0.35);

/** Paints a thin scratch along a stroke: a line slightly brighter (or darker) than what is below.
`delta` is added in grey levels (negative darkens), `width` in design units. */
void paintScratch(Canvas& canvas, const std::vector<cv::Point2d>& stroke, double width, double delta);
/** Paints a soft stain: an irregular blob of colour with soft edges; returns its sdf bounding box. */
void paintStain(Canvas& canvas, const cv::Point2d& c, double r, const cv::Vec3f& colour, double opacity,
                uint32_t key);
/** Signed distance of the irregular stain outline used by paintStain(). */
double sdStain(const cv::Point2d& p, const cv::Point2d& c, double r, uint32_t key);

} // namespace detail
} // namespace synth
} // namespace unislad

#endif // UNISLAD_SYNTH_DRAW_HPP
