// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "scoring/pixel_threshold.hpp"

namespace cv {
namespace uniSLAD {
namespace detail {

double pixelThreshold(const std::vector<ComponentScores>& nominal, const FusionWeights& weights,
                      const CalibrationStats* stats)
{
    CV_Assert(!nominal.empty());
    std::vector<double> peaks;
    peaks.reserve(nominal.size());
    for (const ComponentScores& c : nominal) {
        const FusedScores f = fuseScores(c, weights, stats);
        peaks.push_back(f.hasPatch ? maxInside(f.patchMap) : f.score);
    }
    return decisionThreshold(peaks, kPixelThresholdQuantile, kPixelThresholdMargin);
}

double fallbackPixelThreshold(const CalibrationStats& stats, bool calibrated, bool hasPatchLevel, double decision)
{
    if (calibrated && hasPatchLevel)
        return stats.patchLevel.mean + (2.326 + kPixelThresholdMargin) * stats.patchLevel.std;
    return decision;
}

}}} // namespace cv::uniSLAD::detail
