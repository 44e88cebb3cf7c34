// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_BOUND_KERNELS_HPP
#define OPENCV_UNISLAD_BOUND_KERNELS_HPP

// The bound keys of the pruned search (nearest_neighbor_pruned.cpp): key = ‖b̃‖²(1 − slack) − 2 q̃·b̃
// for up to four queries against one group of kGroupPanels panels of 8 bank vectors. The bound GEMM
// is shallow (rank + 1 ≈ 25 deep), so a general GEMM spends as much time writing and re-reading its
// output as multiplying; this kernel keeps the products in registers and writes one small tile that
// stays in L1. Each key accumulates its products in the order of the coordinates, one fused
// multiply-add per coordinate, whatever the number of queries: a group's keys are the same bit for bit
// when they are recomputed for one query.

#include <algorithm>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

namespace cv {
namespace uniSLAD {
namespace detail {

/** Bank vectors per panel (one AVX register of floats) and panels per group. */
constexpr int kPanelWidth = 8;
constexpr int kGroupPanels = 8;
constexpr int kGroupSize = kPanelWidth * kGroupPanels;

/** Keys of nq ≤ 4 queries (rows of 2 q̃, kd values each, at q2 with stride kd) against the panels
    [p0, p0 + np) (np ≤ kGroupPanels; panel p holds kd × 8 values, coordinate-major, at panels + p·kd·8;
    norms: 8 per panel). Writes keys[r · kGroupSize + (p − p0) · 8 + l]. */
inline void groupKeys(const float* q2, int nq, int kd, const float* panels, const float* norms, int p0, int np,
                      float* keys)
{
#if defined(__AVX2__) && defined(__FMA__)
    // Independent accumulators (a chain of fused multiply-adds is bound by their latency): 8 panels
    // for one query, 2 panels × 4 queries otherwise.
    const float* norm = norms + size_t(p0) * kPanelWidth;
    const float* pan = panels + size_t(p0) * kd * kPanelWidth;
    const size_t panelStride = size_t(kd) * kPanelWidth;
    if (nq == 1 && np == kGroupPanels) {
        __m256 acc[kGroupPanels];
        for (int p = 0; p < kGroupPanels; ++p)
            acc[p] = _mm256_setzero_ps();
        for (int c = 0; c < kd; ++c) {
            const __m256 qv = _mm256_broadcast_ss(q2 + c);
            for (int p = 0; p < kGroupPanels; ++p)
                acc[p] = _mm256_fmadd_ps(qv, _mm256_loadu_ps(pan + p * panelStride + c * kPanelWidth), acc[p]);
        }
        for (int p = 0; p < kGroupPanels; ++p)
            _mm256_storeu_ps(keys + p * kPanelWidth, _mm256_sub_ps(_mm256_loadu_ps(norm + p * kPanelWidth), acc[p]));
        return;
    }
    const float* qr[4];
    for (int r = 0; r < 4; ++r)
        qr[r] = q2 + size_t(std::min(r, nq - 1)) * kd;   // rows beyond nq repeat the last one
    int p = 0;
    for (; p + 2 <= np; p += 2) {
        const float* pa = pan + p * panelStride;
        const float* pb = pa + panelStride;
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
        __m256 b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps(), b2 = _mm256_setzero_ps(), b3 = _mm256_setzero_ps();
        for (int c = 0; c < kd; ++c) {
            const __m256 x = _mm256_loadu_ps(pa + c * kPanelWidth), y = _mm256_loadu_ps(pb + c * kPanelWidth);
            __m256 qv = _mm256_broadcast_ss(qr[0] + c);
            a0 = _mm256_fmadd_ps(qv, x, a0);
            b0 = _mm256_fmadd_ps(qv, y, b0);
            qv = _mm256_broadcast_ss(qr[1] + c);
            a1 = _mm256_fmadd_ps(qv, x, a1);
            b1 = _mm256_fmadd_ps(qv, y, b1);
            qv = _mm256_broadcast_ss(qr[2] + c);
            a2 = _mm256_fmadd_ps(qv, x, a2);
            b2 = _mm256_fmadd_ps(qv, y, b2);
            qv = _mm256_broadcast_ss(qr[3] + c);
            a3 = _mm256_fmadd_ps(qv, x, a3);
            b3 = _mm256_fmadd_ps(qv, y, b3);
        }
        const __m256 na = _mm256_loadu_ps(norm + p * kPanelWidth), nb = _mm256_loadu_ps(norm + (p + 1) * kPanelWidth);
        const __m256 as[4] = {a0, a1, a2, a3}, bs[4] = {b0, b1, b2, b3};
        for (int r = 0; r < nq; ++r) {
            _mm256_storeu_ps(keys + r * kGroupSize + p * kPanelWidth, _mm256_sub_ps(na, as[r]));
            _mm256_storeu_ps(keys + r * kGroupSize + (p + 1) * kPanelWidth, _mm256_sub_ps(nb, bs[r]));
        }
    }
    for (; p < np; ++p) {
        const float* pa = pan + p * panelStride;
        __m256 a[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
        for (int c = 0; c < kd; ++c) {
            const __m256 x = _mm256_loadu_ps(pa + c * kPanelWidth);
            for (int r = 0; r < 4; ++r)
                a[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(qr[r] + c), x, a[r]);
        }
        const __m256 na = _mm256_loadu_ps(norm + p * kPanelWidth);
        for (int r = 0; r < nq; ++r)
            _mm256_storeu_ps(keys + r * kGroupSize + p * kPanelWidth, _mm256_sub_ps(na, a[r]));
    }
#else
    for (int r = 0; r < nq; ++r)
        for (int p = 0; p < np; ++p) {
            const float* pan = panels + size_t(p0 + p) * kd * kPanelWidth;
            float acc[kPanelWidth] = {0, 0, 0, 0, 0, 0, 0, 0};
            for (int c = 0; c < kd; ++c)
                for (int l = 0; l < kPanelWidth; ++l)
                    acc[l] += q2[r * kd + c] * pan[c * kPanelWidth + l];
            for (int l = 0; l < kPanelWidth; ++l)
                keys[r * kGroupSize + p * kPanelWidth + l] = norms[size_t(p0 + p) * kPanelWidth + l] - acc[l];
        }
#endif
}

/** Relative error bound of squaredDistanceF for d values: the terms are non-negative, so the float
    sum errs by at most about (d + 2)·2⁻²⁴ of the exact sum (lane-wise sums do better; doubled for
    safety). */
inline double floatDistanceSlack(int d)
{
    return 2.0 * (d + 2) * 5.9604644775390625e-8;
}

/** ‖q − b‖² in float, 8 lanes: a cheap test before the exact key. */
inline float squaredDistanceF(const float* q, const float* b, int d)
{
    float lanes[kPanelWidth] = {0, 0, 0, 0, 0, 0, 0, 0};
    const int d8 = d & ~(kPanelWidth - 1);
#if defined(__AVX2__) && defined(__FMA__)
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int j = 0;
    for (; j + 2 * kPanelWidth <= d8; j += 2 * kPanelWidth) {
        const __m256 t0 = _mm256_sub_ps(_mm256_loadu_ps(q + j), _mm256_loadu_ps(b + j));
        const __m256 t1 = _mm256_sub_ps(_mm256_loadu_ps(q + j + kPanelWidth), _mm256_loadu_ps(b + j + kPanelWidth));
        acc0 = _mm256_fmadd_ps(t0, t0, acc0);
        acc1 = _mm256_fmadd_ps(t1, t1, acc1);
    }
    for (; j < d8; j += kPanelWidth) {
        const __m256 t0 = _mm256_sub_ps(_mm256_loadu_ps(q + j), _mm256_loadu_ps(b + j));
        acc0 = _mm256_fmadd_ps(t0, t0, acc0);
    }
    _mm256_storeu_ps(lanes, _mm256_add_ps(acc0, acc1));
#else
    for (int j = 0; j < d8; j += kPanelWidth)
        for (int l = 0; l < kPanelWidth; ++l) {
            const float t = q[j + l] - b[j + l];
            lanes[l] += t * t;
        }
#endif
    for (int t0 = d8; t0 < d; ++t0) {
        const float t = q[t0] - b[t0];
        lanes[t0 - d8] += t * t;
    }
    return ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
}

/** Minimum of n floats (n a multiple of 8). */
inline float minimumOf(const float* x, int n)
{
#if defined(__AVX2__)
    __m256 m = _mm256_loadu_ps(x);
    for (int j = kPanelWidth; j < n; j += kPanelWidth)
        m = _mm256_min_ps(m, _mm256_loadu_ps(x + j));
    float lanes[kPanelWidth];
    _mm256_storeu_ps(lanes, m);
    return *std::min_element(lanes, lanes + kPanelWidth);
#else
    return *std::min_element(x, x + n);
#endif
}

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_BOUND_KERNELS_HPP
