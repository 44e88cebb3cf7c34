// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"

#include "opencv2/unislad/image_feature.hpp"

#include <cfloat>

namespace cv {
namespace uniSLAD {

namespace {

using detail::checkFeatureMatrix;
using detail::checkFinite;
using detail::checkValueRange;

// Channels handled by one task of the per-image parallel loop.
const int kChannelBlock = 32;

void checkParams(const ImageFeatureConverter::Params& p, const char* func)
{
    if (p.mode < ImageFeatureConverter::MEAN || p.mode > ImageFeatureConverter::PMP_LUM)
        CV_Error(Error::StsOutOfRange,
                 format("%s: params.mode: expected one of MEAN (0), PMP (1), LUM (2), PMP_LUM (3), found %d",
                        func, p.mode));
    checkValueRange(p.q, 0.0, std::numeric_limits<double>::infinity(), func, "params.q", true, true);
    checkValueRange(p.alpha, 0.0, 0.5, func, "params.alpha", false, true);
}

bool usesLum(int mode) { return mode == ImageFeatureConverter::LUM || mode == ImageFeatureConverter::PMP_LUM; }

// t = floor(alpha * K^2) of Eq. 13 (the same double product and floor as numpy's).
int trimCount(double alpha, int n)
{
    return static_cast<int>(std::floor(alpha * static_cast<double>(n)));
}

// sign(v) * |v|^Q for a small integer Q, and sign(v) * |v|^q otherwise.
template <int Q> inline double signedPow(double v, double)
{
    if (Q == 1) return v;
    if (Q == 2) return v * std::abs(v);
    if (Q == 3) return v * v * v;
    const double a = v * v;  // Q == 4
    return v < 0 ? -(a * a) : a * a;
}
template <> inline double signedPow<0>(double v, double q)
{
    const double a = std::pow(std::abs(v), q);
    return v < 0 ? -a : a;
}

// Accumulates sum(sign(x)|x|^q / scale^q) and max|x| over the rows for channels [c0, c1).
template <int Q>
void accumulatePowers(const Mat& x, int c0, int c1, double q, double invScale, double* acc, double* maxAbs)
{
    const int nc = c1 - c0;
    for (int r = 0; r < x.rows; ++r) {
        const float* row = x.ptr<float>(r) + c0;
        for (int j = 0; j < nc; ++j) {
            const double v = static_cast<double>(row[j]) * invScale;
            acc[j] += signedPow<Q>(v, q);
            maxAbs[j] = std::max(maxAbs[j], std::abs(v));
        }
    }
}

void accumulatePowersAny(const Mat& x, int c0, int c1, double q, double invScale, double* acc, double* maxAbs)
{
    if (q == 1.0)      accumulatePowers<1>(x, c0, c1, q, invScale, acc, maxAbs);
    else if (q == 2.0) accumulatePowers<2>(x, c0, c1, q, invScale, acc, maxAbs);
    else if (q == 3.0) accumulatePowers<3>(x, c0, c1, q, invScale, acc, maxAbs);
    else if (q == 4.0) accumulatePowers<4>(x, c0, c1, q, invScale, acc, maxAbs);
    else               accumulatePowers<0>(x, c0, c1, q, invScale, acc, maxAbs);
}

// sign(m)|m|^(1/q)
double signedRoot(double m, double q)
{
    if (q == 1.0)
        return m;
    const double a = std::pow(std::abs(m), 1.0 / q);
    return m < 0 ? -a : a;
}

// Signed power mean (Eq. 12) of channels [c0, c1) into out[0 .. c1-c0).
void powerMean(const Mat& x, int c0, int c1, double q, double* out)
{
    const int nc = c1 - c0;
    const double n = static_cast<double>(x.rows);
    std::vector<double> acc(nc, 0.0), maxAbs(nc, 0.0);
    accumulatePowersAny(x, c0, c1, q, 1.0, acc.data(), maxAbs.data());
    for (int j = 0; j < nc; ++j) {
        const double m = acc[j] / n;
        // |x|^q overflowed, or underflowed to zero or to a subnormal: redo the channel on x / max|x|.
        const bool lost = !std::isfinite(m) || (std::abs(m) < DBL_MIN && maxAbs[j] > 0);
        if (!lost) {
            out[j] = signedRoot(m, q);
            continue;
        }
        const double scale = maxAbs[j];
        double a = 0.0, unused = 0.0;
        accumulatePowersAny(x, c0 + j, c0 + j + 1, q, 1.0 / scale, &a, &unused);
        out[j] = scale * signedRoot(a / n, q);
    }
}

// Plain mean of channels [c0, c1).
void plainMean(const Mat& x, int c0, int c1, double* out)
{
    const int nc = c1 - c0;
    std::vector<double> acc(nc, 0.0);
    for (int r = 0; r < x.rows; ++r) {
        const float* row = x.ptr<float>(r) + c0;
        for (int j = 0; j < nc; ++j)
            acc[j] += row[j];
    }
    for (int j = 0; j < nc; ++j)
        out[j] = acc[j] / x.rows;
}

// Trimmed mean of v[0, n) by full partial selection: two nth_element calls put the t smallest in
// front and the t largest at the back; the middle is summed as it lies. Reorders v.
double trimmedMeanSelect(float* v, int n, int t)
{
    std::nth_element(v, v + t, v + n);
    std::nth_element(v + t, v + (n - t), v + n);
    double s = 0.0;
    for (int r = t; r < n - t; ++r)
        s += v[r];
    return s / (n - 2 * t);
}

// Trimmed mean of v[0, n), dropping the t smallest and the t largest values (t >= 1).
//
// For t much smaller than n, selecting in the whole channel twice is wasteful: a sorted sample of
// 128 values gives a low and a high pivot that very probably have more than t values beyond them
// (3 binomial standard deviations of margin); one branch-free pass copies the candidates beyond
// each pivot, and the exact t extremes are selected among those few. The middle sum is the total
// minus both extremes. When a pivot turns out too tight, the channel falls back to the full
// selection, so the result is always exact (up to double rounding) and depends only on the data.
double trimmedMean(float* v, int n, int t, std::vector<float>& lo, std::vector<float>& hi)
{
    const int samples = 128;
    const double expected = static_cast<double>(t) * samples / n;
    const int k = static_cast<int>(std::ceil(expected + 3.0 * std::sqrt(expected) + 1.0));
    if (n < 4 * samples || k >= samples / 2)
        return trimmedMeanSelect(v, n, t);
    float sample[samples];
    for (int i = 0; i < samples; ++i)
        sample[i] = v[static_cast<size_t>(i) * n / samples];
    std::sort(sample, sample + samples);
    const float lowPivot = sample[k], highPivot = sample[samples - 1 - k];
    lo.resize(n);
    hi.resize(n);
    int nl = 0, nh = 0;
    double total = 0.0;
    for (int i = 0; i < n; ++i) {
        const float x = v[i];
        total += x;
        lo[nl] = x;
        nl += x <= lowPivot;
        hi[nh] = x;
        nh += x >= highPivot;
    }
    if (nl < t || nh < t)
        return trimmedMeanSelect(v, n, t);
    std::nth_element(lo.begin(), lo.begin() + t, lo.begin() + nl);
    std::nth_element(hi.begin(), hi.begin() + (nh - t), hi.begin() + nh);
    double low = 0.0, high = 0.0;
    for (int i = 0; i < t; ++i)
        low += lo[i];
    for (int i = nh - t; i < nh; ++i)
        high += hi[i];
    return (total - low - high) / (n - 2 * t);
}

// Lower-upper mean (Eq. 13) of channels [c0, c1): per channel, drop the t smallest and the t largest
// values and average the rest.
void lowerUpperMean(const Mat& x, int c0, int c1, int t, double* out)
{
    if (t == 0) {
        plainMean(x, c0, c1, out);
        return;
    }
    Mat columns;  // (c1 - c0) × K²: one channel a row, contiguous
    transpose(x.colRange(c0, c1), columns);
    std::vector<float> lo, hi;
    for (int j = 0; j < c1 - c0; ++j)
        out[j] = trimmedMean(columns.ptr<float>(j), x.rows, t, lo, hi);
}

// Image feature of one K² × C matrix, already checked. `out` has featureDim(C) doubles.
void convertOne(const Mat& x, const ImageFeatureConverter::Params& p, double* out, bool parallel)
{
    const int channels = x.cols;
    const int t = trimCount(p.alpha, x.rows);
    const int blocks = (channels + kChannelBlock - 1) / kChannelBlock;
    auto body = [&](const Range& range) {
        for (int b = range.start; b < range.end; ++b) {
            const int c0 = b * kChannelBlock, c1 = std::min(channels, c0 + kChannelBlock);
            switch (p.mode) {
            case ImageFeatureConverter::MEAN: plainMean(x, c0, c1, out + c0); break;
            case ImageFeatureConverter::PMP: powerMean(x, c0, c1, p.q, out + c0); break;
            case ImageFeatureConverter::LUM: lowerUpperMean(x, c0, c1, t, out + c0); break;
            default:
                powerMean(x, c0, c1, p.q, out + c0);
                lowerUpperMean(x, c0, c1, t, out + channels + c0);
            }
        }
    };
    if (parallel && blocks > 1)
        parallel_for_(Range(0, blocks), body);
    else
        body(Range(0, blocks));
}

// Checks one patch matrix for convert() / convertBatch().
void checkPatches(const Mat& x, const ImageFeatureConverter::Params& p, const char* func, const char* arg,
                  int cols = -1)
{
    checkFeatureMatrix(x, func, arg, 1, cols);
    checkFinite(x, func, arg);
    if (usesLum(p.mode)) {
        const int t = trimCount(p.alpha, x.rows);
        if (2 * t >= x.rows)
            CV_Error(Error::StsBadSize,
                     format("%s: %s: expected more than 2*t = %d rows (t = floor(alpha*K^2), alpha = %g), found %d",
                            func, arg, 2 * t, p.alpha, x.rows));
    }
}

class ImageFeatureConverterImpl CV_FINAL : public ImageFeatureConverter
{
public:
    explicit ImageFeatureConverterImpl(const Params& p) : params_(p)
    {
        checkParams(params_, "ImageFeatureConverter::create");
    }

    void convert(InputArray patches, OutputArray feature) const CV_OVERRIDE
    {
        const char* func = "ImageFeatureConverter::convert";
        const Mat x = patches.getMat();
        checkPatches(x, params_, func, "patches");
        std::vector<double> acc(featureDim(x.cols));
        convertOne(x, params_, acc.data(), true);
        Mat(1, static_cast<int>(acc.size()), CV_64F, acc.data()).convertTo(feature, CV_32F);
    }

    void convertBatch(InputArrayOfArrays patchSets, OutputArray features) const CV_OVERRIDE
    {
        const char* func = "ImageFeatureConverter::convertBatch";
        std::vector<Mat> sets;
        if (patchSets.isMatVector() || patchSets.isUMatVector())
            patchSets.getMatVector(sets);
        else if (!patchSets.empty())
            sets.push_back(patchSets.getMat());
        if (sets.empty())
            CV_Error(Error::StsBadArg, format("%s: patchSets: expected at least one patch matrix, found none", func));
        for (size_t i = 0; i < sets.size(); ++i) {
            const std::string arg = format("patchSets[%d]", static_cast<int>(i));
            checkPatches(sets[i], params_, func, arg.c_str(), i == 0 ? -1 : sets[0].cols);
        }
        const int n = static_cast<int>(sets.size()), d = featureDim(sets[0].cols);
        Mat out(n, d, CV_64F);
        parallel_for_(Range(0, n), [&](const Range& range) {
            for (int i = range.start; i < range.end; ++i)
                convertOne(sets[i], params_, out.ptr<double>(i), false);
        });
        out.convertTo(features, CV_32F);
    }

    int featureDim(int channels) const CV_OVERRIDE
    {
        return params_.mode == PMP_LUM ? 2 * channels : channels;
    }

    Params getParams() const CV_OVERRIDE { return params_; }

    void setParams(const Params& p) CV_OVERRIDE
    {
        checkParams(p, "ImageFeatureConverter::setParams");
        params_ = p;
    }

    using Algorithm::write;
    void write(FileStorage& fs) const CV_OVERRIDE
    {
        writeFormat(fs);
        params_.write(fs);
    }

    void read(const FileNode& fn) CV_OVERRIDE
    {
        Params p = params_;
        p.read(fn);
        checkParams(p, "ImageFeatureConverter::read");
        params_ = p;
    }

    String getDefaultName() const CV_OVERRIDE { return "UniSLAD_ImageFeatureConverter"; }

private:
    Params params_;
};

} // namespace

ImageFeatureConverter::Params::Params() : mode(PMP_LUM), q(3.0), alpha(0.05) {}

void ImageFeatureConverter::Params::read(const FileNode& fn)
{
    if (!fn["mode"].empty())  fn["mode"] >> mode;
    if (!fn["q"].empty())     fn["q"] >> q;
    if (!fn["alpha"].empty()) fn["alpha"] >> alpha;
}

void ImageFeatureConverter::Params::write(FileStorage& fs) const
{
    fs << "mode" << mode << "q" << q << "alpha" << alpha;
}

Ptr<ImageFeatureConverter> ImageFeatureConverter::create(const Params& params)
{
    return makePtr<ImageFeatureConverterImpl>(params);
}

}} // namespace cv::uniSLAD
