// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_CORESET_KERNELS_HPP
#define OPENCV_UNISLAD_CORESET_KERNELS_HPP

// The coreset's row formats and squared-distance kernels, shared by the greedy k-center
// (greedy_kcenter.cpp), the fp16 rounding (half_precision.cpp) and the public distance functions
// (coreset.cpp). Header-only and inline: they are inlined into the hot loops of the selection. The
// code path is chosen by the ISA macros of the compiler (__AVX512F__, __AVX2__, __FMA__, __F16C__),
// which are the same for every source of the library (one -march for all).

#include <opencv2/core.hpp>

#include <cmath>

#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace cv {
namespace uniSLAD {
namespace detail {
namespace coreset {

/* Row formats. The rows a cluster stores are either floats (FloatRows: selection in the original
   space) or IEEE binary16 numbers h with one power-of-two scale (HalfRows: the projected space),
   standing for the floats (float)h * unscale. Both expose the values as floats, computed the same way
   by the vector and the scalar code, so a distance computed from stored rows equals the one computed
   from the float values themselves (what project() returns). */
struct FloatRows
{
    typedef float T;
    float value(float v) const { return v; }
};

struct HalfRows
{
    typedef ushort T;
    /** A power of two in [2^-100, 2^100]: (float)h * unscale is exact (a normal float), so the vector
        code may fuse the multiply with the following subtraction without changing any result. */
    float unscale;
    float value(ushort h) const { return (float)float16_t::fromBits(h) * unscale; }
};

/* Squared distance with fixed rounding. 16 lanes: lane l accumulates the dimensions l, l + 16, ...
   in increasing order with fused multiply-adds (the missing dimensions of a last partial step add
   0), then the lanes are reduced pairwise: (l, l + 8), (l, l + 4), (l, l + 2), (0, 1). The three
   code paths (AVX-512, AVX2 + FMA, scalar) compute the same value, and so do both row formats for
   the same float values.

   Every step adds a non-negative term and rounding is monotonic, so reducing the lanes after any
   number of whole steps gives a value <= the final result, bit for bit: a partial sum that already
   reaches a bound proves the full distance reaches it too (exact early exit). */
#if defined(__AVX512F__)

/** Loads 16 values of a row as floats. */
struct Load16
{
    __m512 unscale;
    explicit Load16(const FloatRows&) : unscale(_mm512_set1_ps(1.f)) {}
    explicit Load16(const HalfRows& f) : unscale(_mm512_set1_ps(f.unscale)) {}
    __m512 operator()(const float* a) const { return _mm512_loadu_ps(a); }
    __m512 operator()(const ushort* a) const
    {
        return _mm512_mul_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)a)), unscale);
    }
};

struct Lanes
{
    __m512 v;
    static Lanes zero() { return Lanes{_mm512_setzero_ps()}; }
    template <typename T>
    void step(const Load16& ld, const T* a, const float* b)
    {
        const __m512 t = _mm512_sub_ps(ld(a), _mm512_loadu_ps(b));
        v = _mm512_fmadd_ps(t, t, v);
    }
    void tail(const float* a, const float* b, int valid)
    {
        const __mmask16 m = (__mmask16)((1u << valid) - 1u);
        const __m512 t = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a), _mm512_maskz_loadu_ps(m, b));
        v = _mm512_fmadd_ps(t, t, v);
    }
    float reduce() const
    {
        const __m256 s8 = _mm256_add_ps(_mm512_castps512_ps256(v),
                                        _mm512_castps512_ps256(_mm512_shuffle_f32x4(v, v, 0xEE)));
        const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
        const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
        return _mm_cvtss_f32(_mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1)));
    }
};

#elif defined(__AVX2__) && defined(__FMA__)

struct Load16
{
    __m256 unscale;
    explicit Load16(const FloatRows&) : unscale(_mm256_set1_ps(1.f)) {}
    explicit Load16(const HalfRows& f) : unscale(_mm256_set1_ps(f.unscale)) {}
    __m256 lo(const float* a) const { return _mm256_loadu_ps(a); }
    __m256 hi(const float* a) const { return _mm256_loadu_ps(a + 8); }
#if defined(__F16C__)
    __m256 lo(const ushort* a) const
    {
        return _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)a)), unscale);
    }
    __m256 hi(const ushort* a) const { return lo(a + 8); }
#else
    __m256 lo(const ushort* a) const { return convert(a); }
    __m256 hi(const ushort* a) const { return convert(a + 8); }
    __m256 convert(const ushort* a) const
    {
        alignas(32) float t[8];
        for (int l = 0; l < 8; ++l)
            t[l] = (float)float16_t::fromBits(a[l]);
        return _mm256_mul_ps(_mm256_load_ps(t), unscale);
    }
#endif
};

struct Lanes
{
    __m256 lo, hi;
    static Lanes zero() { return Lanes{_mm256_setzero_ps(), _mm256_setzero_ps()}; }
    template <typename T>
    void step(const Load16& ld, const T* a, const float* b)
    {
        const __m256 t0 = _mm256_sub_ps(ld.lo(a), _mm256_loadu_ps(b));
        const __m256 t1 = _mm256_sub_ps(ld.hi(a), _mm256_loadu_ps(b + 8));
        lo = _mm256_fmadd_ps(t0, t0, lo);
        hi = _mm256_fmadd_ps(t1, t1, hi);
    }
    void tail(const float* a, const float* b, int valid)
    {
        alignas(32) float ta[16] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
        alignas(32) float tb[16] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
        for (int l = 0; l < valid; ++l) {
            ta[l] = a[l];
            tb[l] = b[l];
        }
        step(Load16(FloatRows()), ta, tb);
    }
    float reduce() const
    {
        const __m256 s8 = _mm256_add_ps(lo, hi);
        const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
        const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
        return _mm_cvtss_f32(_mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1)));
    }
};

#else

struct Load16
{
    float unscale;
    explicit Load16(const FloatRows&) : unscale(1.f) {}
    explicit Load16(const HalfRows& f) : unscale(f.unscale) {}
    float operator()(float v) const { return v; }
    float operator()(ushort h) const { return (float)float16_t::fromBits(h) * unscale; }
};

struct Lanes
{
    float v[16];
    static Lanes zero()
    {
        Lanes z;
        for (int l = 0; l < 16; ++l)
            z.v[l] = 0.f;
        return z;
    }
    template <typename T>
    void step(const Load16& ld, const T* a, const float* b)
    {
        for (int l = 0; l < 16; ++l) {
            const float t = ld(a[l]) - b[l];
            v[l] = std::fma(t, t, v[l]);
        }
    }
    void tail(const float* a, const float* b, int valid)
    {
        for (int l = 0; l < valid; ++l) {
            const float t = a[l] - b[l];
            v[l] = std::fma(t, t, v[l]);
        }
    }
    float reduce() const
    {
        float s[8];
        for (int l = 0; l < 8; ++l)
            s[l] = v[l] + v[l + 8];
        for (int l = 0; l < 4; ++l)
            s[l] += s[l + 4];
        s[0] += s[2];
        s[1] += s[3];
        return s[0] + s[1];
    }
};

#endif

/** Asks for the cache lines of n values of a row ahead of use (rows are visited in scattered order). */
template <typename T>
inline void prefetchValues(const T* x, int n)
{
#if defined(__AVX2__) || defined(__AVX512F__)
    const char* b = (const char*)x;
    const char* e = (const char*)(x + n);
    for (; b < e; b += 64)
        _mm_prefetch(b, _MM_HINT_T0);
#else
    (void)x;
    (void)n;
#endif
}

/** The last, partial step of a row (fewer than 16 dimensions left): its values as floats, then the
    float tail. */
template <typename Format>
inline void tailStep(Lanes& acc, const Format& fmt, const typename Format::T* a, const float* b, int valid)
{
    float t[16];
    for (int l = 0; l < valid; ++l)
        t[l] = fmt.value(a[l]);
    acc.tail(t, b, valid);
}

/** Squared distance of a stored row a (format fmt) to the float vector b. */
template <typename Format>
inline float sqDistRow(const Format& fmt, const typename Format::T* a, const float* b, int n)
{
    const Load16 ld(fmt);
    Lanes acc = Lanes::zero();
    int i = 0;
    for (; i + 16 <= n; i += 16)
        acc.step(ld, a + i, b + i);
    if (i < n)
        tailStep(acc, fmt, a + i, b + i, n - i);
    return acc.reduce();
}

inline float sqDist(const float* a, const float* b, int n)
{
    return sqDistRow(FloatRows(), a, b, n);
}

/** Squared distances of a batch of rows to one centre, with exact early exit: for each row, either
    dist[r] = sqDistRow(fmt, x[r], c, n), or dist[r] is a partial sum that is already >= bound[r] (so the full
    distance is too). The rows are advanced stage by stage (about half, then three quarters of the
    dimensions, then all), dropping the rows whose partial sum reaches their bound after each stage. */
template <typename Format>
class BoundedDistances
{
public:
    typedef typename Format::T T;
    static constexpr int kBatch = 64;

    BoundedDistances(const Format& fmt, int n) : fmt_(fmt), ld_(fmt), n_(n)
    {
        const int full = n / 16 * 16;
        const int cuts[2] = {n / 2 / 16 * 16, 3 * n / 4 / 16 * 16};
        numStages_ = 0;
        for (int cut : cuts)
            if (cut > (numStages_ ? stageEnd_[numStages_ - 1] : 0) && cut < full)
                stageEnd_[numStages_++] = cut;
        stageEnd_[numStages_++] = full;
    }

    /** Values of a row that the first stage reads (to prefetch while a batch is gathered). */
    int firstStage() const { return stageEnd_[0]; }

    /** count <= kBatch rows x[r]; bound[r]; writes dist[r]. */
    void compute(const float* c, const T* const* x, const float* bound, int count, float* dist)
    {
        int alive[kBatch];
        int na = count;
        for (int r = 0; r < count; ++r) {
            alive[r] = r;
            acc_[r] = Lanes::zero();
        }
        int begin = 0;
        for (int s = 0; s < numStages_ && na > 0; ++s) {
            const int end = stageEnd_[s];
            const bool last = (s == numStages_ - 1);
            int w = 0;
            for (int k = 0; k < na; ++k) {
                const int r = alive[k];
                Lanes acc = acc_[r];
                const T* xr = x[r];
                for (int i = begin; i < end; i += 16)
                    acc.step(ld_, xr + i, c + i);
                if (last && end < n_)
                    tailStep(acc, fmt_, xr + end, c + end, n_ - end);
                const float v = acc.reduce();
                if (last || v >= bound[r]) {
                    dist[r] = v;
                } else {
                    acc_[r] = acc;
                    alive[w++] = r;
                    prefetchValues(xr + end, stageEnd_[s + 1] - end);
                }
            }
            na = w;
            begin = end;
        }
    }

private:
    Format fmt_;
    Load16 ld_;
    int n_;
    int numStages_;
    int stageEnd_[3];
    Lanes acc_[kBatch];
};

} // namespace coreset
}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_CORESET_KERNELS_HPP
