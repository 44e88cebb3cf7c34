// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "avx512_warnings.hpp"   // first: see there
#include "precomp.hpp"

#include "banks/coreset_detail.hpp"
#include "banks/for_blocks.hpp"
#include "banks/greedy_kcenter.hpp"
#include "banks/half_precision.hpp"
#include "opencv2/unislad/coreset.hpp"

#include "eigen.hpp"

// CoresetSampler: the random projection, the sampler and the public functions. The greedy k-center
// selection is in greedy_kcenter.cpp, the fp16 rounding of projected rows in half_precision.cpp and
// the distance kernels in coreset_kernels.hpp.

namespace cv {
namespace uniSLAD {

namespace {

using detail::coreset::FloatRows;
using detail::coreset::HalfRows;
using detail::coreset::forBlocks;
using detail::coreset::greedyKCenter;
using detail::coreset::halfValues;
using detail::coreset::roundToHalf;
using detail::coreset::sqDist;

const char* const kCreate = "CoresetSampler::setParams";
const char* const kSelect = "CoresetSampler::select";
const char* const kProject = "CoresetSampler::project";
const char* const kRadius = "coresetCoverageRadius";

/** Seeded Gaussian projection matrix, d × p, entries N(0, 1/p). */
Mat projectionMatrix(int d, int p, int seed)
{
    Mat proj(d, p, CV_32F);
    RNG rng((uint64)seed);
    rng.fill(proj, RNG::NORMAL, 0.0, 1.0);
    proj *= 1.0 / std::sqrt((double)p);
    return proj;
}

/** y = x · proj, in fixed blocks of rows (Eigen GEMM), so that every row's result is the same for
    any thread count. */
void projectRows(const Mat& x, const Mat& proj, Mat& y)
{
    typedef Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> RowMat;
    typedef Eigen::Map<const RowMat, 0, Eigen::OuterStride<> > ConstMap;
    typedef Eigen::Map<RowMat, 0, Eigen::OuterStride<> > MutMap;
    const int n = x.rows, d = x.cols, p = proj.cols;
    y.create(n, p, CV_32F);
    const ConstMap pm(proj.ptr<float>(), d, p, Eigen::OuterStride<>((Eigen::Index)proj.step1()));
    forBlocks(n, 256, n > 256, [&](int, int r0, int r1) {
        const ConstMap xb(x.ptr<float>(r0), r1 - r0, d, Eigen::OuterStride<>((Eigen::Index)x.step1()));
        MutMap yb(y.ptr<float>(r0), r1 - r0, p, Eigen::OuterStride<>((Eigen::Index)y.step1()));
        yb.noalias() = xb * pm;
    });
}

void checkParams(const CoresetSampler::Params& p)
{
    detail::checkValueRange(p.ratio, 0.0, 1.0, kCreate, "params.ratio", true, false);
    if (p.count < 0)
        CV_Error(Error::StsOutOfRange, format("%s: params.count: expected 0 (select by ratio) or a value >= 1, found %d",
                                              kCreate, p.count));
    if (p.projectionDims < 0)
        CV_Error(Error::StsOutOfRange, format("%s: params.projectionDims: expected a value >= 0 (0: no projection), "
                                              "found %d", kCreate, p.projectionDims));
}

class CoresetSamplerImpl CV_FINAL : public CoresetSampler
{
public:
    explicit CoresetSamplerImpl(const Params& params) { setParams(params); }

    Params getParams() const CV_OVERRIDE { return params_; }

    void setParams(const Params& params) CV_OVERRIDE
    {
        checkParams(params);
        params_ = params;
    }

    int selectionCount(int n) const CV_OVERRIDE
    {
        if (n < 1)
            CV_Error(Error::StsOutOfRange, format("CoresetSampler::selectionCount: n: expected a value >= 1, found %d", n));
        if (params_.count > 0) {
            if (params_.count > n)
                CV_Error(Error::StsOutOfRange, format("%s: params.count: expected a value in [1, N = %d], found %d",
                                                      kSelect, n, params_.count));
            return params_.count;
        }
        const double k = std::floor(params_.ratio * n + 0.5);
        return (int)std::min<double>(n, std::max(1.0, k));
    }

    void project(InputArray features, OutputArray projected) const CV_OVERRIDE
    {
        const Mat x = features.getMat();
        detail::checkFeatureMatrix(x, kProject, "features");
        Mat y;
        if (projectChecked(x, y)) {
            Mat h;
            const float unscale = roundToHalf(y, h);
            Mat v;
            halfValues(h, unscale, v);
            v.copyTo(projected);
        } else {
            y.copyTo(projected);
        }
    }

    std::vector<int> select(InputArray features) const CV_OVERRIDE
    {
        const Mat x = features.getMat();
        detail::checkFeatureMatrix(x, kSelect, "features");
        detail::checkFinite(x, kSelect, "features");
        const int n = x.rows;
        const int k = selectionCount(n);
        if (params_.startIndex >= n)
            CV_Error(Error::StsOutOfRange, format("%s: params.startIndex: expected a value in [0, N = %d) or negative "
                                                  "(random), found %d", kSelect, n, params_.startIndex));
        const int start = params_.startIndex >= 0 ? params_.startIndex : RNG((uint64)params_.seed).uniform(0, n);
        Mat y;
        if (projectChecked(x, y)) {
            Mat h;
            const HalfRows fmt = {roundToHalf(y, h)};
            y.release();
            return greedyKCenter(fmt, h, k, start);
        }
        return greedyKCenter(FloatRows(), y, k, start);
    }

    void write(FileStorage& fs) const CV_OVERRIDE
    {
        writeFormat(fs);
        fs << "ratio" << params_.ratio << "count" << params_.count << "projectionDims" << params_.projectionDims
           << "seed" << params_.seed << "startIndex" << params_.startIndex;
    }

    void read(const FileNode& fn) CV_OVERRIDE
    {
        Params p = params_;
        if (!fn["ratio"].empty()) p.ratio = (double)fn["ratio"];
        if (!fn["count"].empty()) p.count = (int)fn["count"];
        if (!fn["projectionDims"].empty()) p.projectionDims = (int)fn["projectionDims"];
        if (!fn["seed"].empty()) p.seed = (int)fn["seed"];
        if (!fn["startIndex"].empty()) p.startIndex = (int)fn["startIndex"];
        setParams(p);
    }

    String getDefaultName() const CV_OVERRIDE { return "UniSLAD_CoresetSampler"; }

private:
    /** Projected (not yet rounded) or copied (continuous) rows of a checked feature matrix; returns
        whether they were projected. */
    bool projectChecked(const Mat& x, Mat& y) const
    {
        const int dp = params_.projectionDims;
        if (dp <= 0 || dp >= x.cols) {
            if (x.isContinuous())
                y = x;
            else
                y = x.clone();
            return false;
        }
        projectRows(x, projectionMatrix(x.cols, dp, params_.seed), y);
        return true;
    }

    Params params_;
};

} // namespace


CoresetSampler::Params::Params()
    : ratio(0.1), count(0), projectionDims(128), seed(0), startIndex(-1)
{
}

Ptr<CoresetSampler> CoresetSampler::create(const CoresetSampler::Params& params)
{
    return makePtr<CoresetSamplerImpl>(params);
}

double coresetCoverageRadius(InputArray features, const std::vector<int>& indices)
{
    const Mat x = features.getMat();
    detail::checkFeatureMatrix(x, kRadius, "features");
    detail::checkFinite(x, kRadius, "features");
    const int n = x.rows, d = x.cols;
    if (indices.empty())
        CV_Error(Error::StsBadArg, format("%s: indices: expected at least one index, found none", kRadius));
    Mat sel((int)indices.size(), d, CV_32F);
    for (size_t i = 0; i < indices.size(); ++i) {
        const int r = indices[i];
        if (r < 0 || r >= n)
            CV_Error(Error::StsOutOfRange, format("%s: indices: expected values in [0, N = %d), found %d at position %d",
                                                  kRadius, n, r, (int)i));
        x.row(r).copyTo(sel.row((int)i));
    }
    const int k = sel.rows;
    const int block = 256;
    std::vector<float> blockMax((n + block - 1) / block, 0.f);
    forBlocks(n, block, (double)n * k * d > 1e6, [&](int b, int i0, int i1) {
        float worst = 0.f;
        for (int i = i0; i < i1; ++i) {
            const float* xi = x.ptr<float>(i);
            float best = std::numeric_limits<float>::infinity();
            for (int j = 0; j < k && best > 0.f; ++j)
                best = std::min(best, sqDist(xi, sel.ptr<float>(j), d));
            worst = std::max(worst, best);
        }
        blockMax[b] = worst;
    });
    float worst = 0.f;
    for (float v : blockMax)
        worst = std::max(worst, v);
    return std::sqrt((double)worst);
}

namespace detail {

float coresetSquaredDistance(const float* a, const float* b, int n)
{
    return coreset::sqDist(a, b, n);
}

float coresetHalfSquaredDistance(const ushort* a, float unscale, const float* b, int n)
{
    const coreset::HalfRows fmt = {unscale};
    return coreset::sqDistRow(fmt, a, b, n);
}

float coresetRoundToHalf(const Mat& y, Mat& h)
{
    return coreset::roundToHalf(y, h);
}

} // namespace detail

}} // namespace cv::uniSLAD
