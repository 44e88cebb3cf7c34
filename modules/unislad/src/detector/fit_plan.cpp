// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "detector/fit_plan.hpp"

#include <numeric>

namespace cv {
namespace uniSLAD {
namespace detail {

HoldOut HoldOut::split(int n, double fraction, int seed)
{
    CV_Assert(n >= 3);
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    RNG rng((uint64)seed + 0x5eed);
    randShuffle(order, 1.0, &rng);
    const int held = std::min(n - 2, std::max(1, (int)std::lround(fraction * n)));
    HoldOut h;
    h.heldOut.assign(order.begin(), order.begin() + held);
    h.rest.assign(order.begin() + held, order.end());
    std::sort(h.heldOut.begin(), h.heldOut.end());
    std::sort(h.rest.begin(), h.rest.end());
    return h;
}

std::vector<HoldOut> HoldOut::folds(int n, double fraction, int seed)
{
    CV_Assert(n >= kMinTrainingImages);
    if (n >= kCrossCalibrationBelow)
        return { split(n, fraction, seed) };
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    RNG rng((uint64)seed + 0x5eed);
    randShuffle(order, 1.0, &rng);
    // Each fold's model rests on at least three images: ceil(n / count) <= n - 3.
    const int count = std::min(n, std::max({ 2, (int)std::lround(1.0 / fraction), (n + n - 4) / (n - 3) }));
    std::vector<HoldOut> folds(count);
    for (int i = 0; i < n; ++i)
        folds[i % count].heldOut.push_back(order[i]);
    for (HoldOut& f : folds) {
        std::sort(f.heldOut.begin(), f.heldOut.end());
        for (int i = 0; i < n; ++i)
            if (!std::binary_search(f.heldOut.begin(), f.heldOut.end(), i))
                f.rest.push_back(i);
    }
    return folds;
}

PatchSampling patchSampling(const Params& params, const DualFeatureExtractor& extractor, int n, int fitted)
{
    PatchSampling s;
    s.seed = params.seed;
    const int cellsL = extractor.localGrid() * extractor.localGrid();
    const int cellsG = extractor.globalGrid() * extractor.globalGrid();
    const double bytesPerImage = 4.0 * ((double)cellsL * extractor.localDims() + (double)cellsG * extractor.globalDims());
    const double needed = n * bytesPerImage * (1.0 + (double)fitted / n);
    const double budget = params.maxFeatureMemoryMiB * 1048576.0;
    if (params.maxFeatureMemoryMiB <= 0 || needed <= budget)
        return s;
    const double share = budget / needed;
    s.keepLocal = cellsL > 0 ? std::max(1, (int)std::floor(share * cellsL)) : 0;
    s.keepGlobal = cellsG > 0 ? std::max(1, (int)std::floor(share * cellsG)) : 0;
    CV_LOG_INFO(NULL, "UniSLAD::fit: " << n << " images need " << (int)(needed / 1048576.0) << " MiB of patch features, over "
                "maxFeatureMemoryMiB = " << params.maxFeatureMemoryMiB << ": keeping a seeded random " << s.keepLocal << " of "
                << cellsL << " local and " << s.keepGlobal << " of " << cellsG << " global patch features per image for the banks");
    return s;
}

}}} // namespace cv::uniSLAD::detail
