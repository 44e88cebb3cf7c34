// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "banks/patch_banks.hpp"
#include "detector/component_params.hpp"

namespace cv {
namespace uniSLAD {
namespace detail {

namespace {

Ptr<MemoryBank> fitBank(const MemoryBank::Params& params, const Mat& features, const char* stage,
                        const UniSLAD::ProgressCallback* progress)
{
    if (stage && progress && *progress)
        (*progress)(stage, 0, 1);
    Ptr<MemoryBank> bank = MemoryBank::create(params);
    bank->fit(features);
    if (stage && progress && *progress)
        (*progress)(stage, 1, 1);
    return bank;
}

Ptr<MemoryBank> extendBank(const Ptr<MemoryBank>& bank, const Mat& features, const char* stage,
                           const UniSLAD::ProgressCallback* progress)
{
    if (!bank)
        return bank;
    if (stage && progress && *progress)
        (*progress)(stage, 0, 1);
    Ptr<MemoryBank> grown = bank->extended(features);
    if (stage && progress && *progress)
        (*progress)(stage, 1, 1);
    return grown;
}

} // namespace

PatchBanks PatchBanks::extended(const FeatureSet& f, const UniSLAD::ProgressCallback* progress) const
{
    PatchBanks b;
    b.local = extendBank(local, f.local, "local bank", progress);
    b.global = extendBank(global, f.global, "global bank", progress);
    b.cls = extendBank(cls, f.cls, nullptr, progress);
    return b;
}

PatchBanks PatchBanks::fit(const Params& p, const FeatureSet& f, const UniSLAD::ProgressCallback* progress)
{
    PatchBanks b;
    if (!p.usePatchBank)
        return b;
    if (p.useLocal)
        b.local = fitBank(bankParams(p, BankKind::LOCAL), f.local, "local bank", progress);
    if (p.useGlobal)
        b.global = fitBank(bankParams(p, BankKind::GLOBAL), f.global, "global bank", progress);
    if (p.useLocal && p.useGlobal)
        b.cls = fitBank(bankParams(p, BankKind::CLASS), f.cls, nullptr, progress);
    return b;
}

namespace {

/** The grid × grid map of distances of the cells inside a region (all cells when roi is empty), NaN
    at the cells outside it. */
Mat gridMap(const Mat& distances, const std::vector<int>& roi, int grid)
{
    if (roi.empty())
        return distances.reshape(1, grid).clone();
    Mat map(grid, grid, CV_32F, Scalar(std::numeric_limits<float>::quiet_NaN()));
    for (size_t k = 0; k < roi.size(); ++k)
        map.at<float>(roi[k]) = distances.at<float>((int)k);
    return map;
}

} // namespace

void PatchBanks::score(const FeatureSet& f, int i, ComponentScores& c) const
{
    CV_Assert(!f.sampled());
    if (local) {
        Mat d;
        local->nearest(f.localOf(i), d);
        c.patchLocal = gridMap(d, f.localRoi, f.localGrid);
    }
    if (global) {
        Mat d;
        global->nearest(f.globalOf(i), d);
        c.patchGlobal = gridMap(d, f.globalRoi, f.globalGrid);
    }
    if (cls) {
        Mat ip;
        cls->nearest(f.cls.row(i), ip);
        c.classWeight = std::min(1.f, std::max(0.f, ip.at<float>(0)));
    }
}

}}} // namespace cv::uniSLAD::detail
