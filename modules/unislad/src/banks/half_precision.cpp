// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "avx512_warnings.hpp"   // first: see there
#include "precomp.hpp"

#include "banks/half_precision.hpp"
#include "banks/coreset_kernels.hpp"
#include "banks/for_blocks.hpp"

namespace cv {
namespace uniSLAD {
namespace detail {
namespace coreset {

namespace {

/** Power-of-two scale of the fp16 rounding: 2^e with the largest |value| times 2^e in [2^14, 2^15)
    (e = 0 for an all-zero matrix; e is kept in [-100, 100]). */
float halfScale(const Mat& y)
{
    const double mx = cv::norm(y, NORM_INF);
    int e = 0;
    if (mx > 0) {
        int ex = 0;
        std::frexp(mx, &ex);   // mx in [2^(ex - 1), 2^ex)
        e = std::max(-100, std::min(100, 15 - ex));
    }
    return (float)std::ldexp(1.0, e);
}

} // namespace

float roundToHalf(const Mat& y, Mat& h)
{
    CV_Assert(y.type() == CV_32FC1);
    const float scale = halfScale(y);
    const int n = y.rows, p = y.cols;
    h.create(n, p, CV_16U);
    forBlocks(n, 1024, n > 1024, [&](int, int r0, int r1) {
        for (int r = r0; r < r1; ++r) {
            const float* src = y.ptr<float>(r);
            ushort* dst = h.ptr<ushort>(r);
            int i = 0;
#if defined(__AVX512F__)
            const __m512 s16 = _mm512_set1_ps(scale);
            for (; i + 16 <= p; i += 16)
                _mm256_storeu_si256((__m256i*)(dst + i),
                                    _mm512_cvtps_ph(_mm512_mul_ps(_mm512_loadu_ps(src + i), s16),
                                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
#elif defined(__F16C__) && defined(__AVX__)
            const __m256 s8 = _mm256_set1_ps(scale);
            for (; i + 8 <= p; i += 8)
                _mm_storeu_si128((__m128i*)(dst + i),
                                 _mm256_cvtps_ph(_mm256_mul_ps(_mm256_loadu_ps(src + i), s8),
                                                 _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
#endif
            for (; i < p; ++i)
                dst[i] = float16_t(src[i] * scale).bits();
        }
    });
    return 1.f / scale;
}

void halfValues(const Mat& h, float unscale, Mat& y)
{
    const HalfRows fmt = {unscale};
    const int n = h.rows, p = h.cols;
    y.create(n, p, CV_32F);
    forBlocks(n, 1024, n > 1024, [&](int, int r0, int r1) {
        for (int r = r0; r < r1; ++r) {
            const ushort* src = h.ptr<ushort>(r);
            float* dst = y.ptr<float>(r);
            for (int i = 0; i < p; ++i)
                dst[i] = fmt.value(src[i]);
        }
    });
}

} // namespace coreset
}}} // namespace cv::uniSLAD::detail
