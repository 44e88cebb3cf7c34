// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "threshold_text.hpp"

namespace unislad {
namespace cli {

bool thresholdOption(Options& o, bool& given, float& value, std::string& error)
{
    given = !o.firstGiven("{threshold}").empty();
    if (!given)
        return true;
    double v = 0;
    if (!parseReal(o.text("threshold"), -kThresholdLimit, kThresholdLimit, false, false, v)) {
        error = badValue("threshold", "a number in [-1e9, 1e9] (an image is anomalous when its score is above it)",
                         o.text("threshold"));
        return false;
    }
    value = (float)v;
    return true;
}

std::string thresholdWithRule(float threshold, const cv::uniSLAD::ThresholdRule& rule)
{
    return cv::format("%.4g (%s)", threshold, rule.describe().c_str());
}

std::string outcomeText(const cv::uniSLAD::ThresholdChoice& c)
{
    return cv::format("%d of %d good flagged, %d of %d anomalies caught, F1 %.3f", c.goodFlagged, c.rule.goodImages,
                      c.anomaliesCaught, c.rule.anomalousImages, c.f1);
}

} // namespace cli
} // namespace unislad
