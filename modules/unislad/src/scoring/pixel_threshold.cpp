// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "scoring/pixel_threshold.hpp"
#include "scoring/anomaly_map.hpp"

namespace cv {
namespace uniSLAD {
namespace detail {

double pixelThreshold(const std::vector<ComponentScores>& nominal, const std::vector<Size>& sizes,
                      const FusionWeights& weights, const CalibrationStats* stats, double sigma,
                      const RegionOfInterest& roi)
{
    CV_Assert(!nominal.empty() && sizes.size() == nominal.size());
    std::vector<double> peaks;
    peaks.reserve(nominal.size());
    for (size_t i = 0; i < nominal.size(); ++i) {
        const FusedScores f = fuseScores(nominal[i], weights, stats);
        if (!f.hasPatch) {
            peaks.push_back(f.score);
        } else if (sizes[i].empty()) {
            peaks.push_back(maxInside(f.patchMap));
        } else {
            Mat map;
            anomalyMap(f.patchMap, f.score, sizes[i], sigma, map, roi.whole() ? Mat() : roi.maskAt(sizes[i]));
            double peak = 0;
            minMaxLoc(map, nullptr, &peak);
            peaks.push_back(peak);
        }
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
