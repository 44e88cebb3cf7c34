// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef UNISLAD_SAMPLES_THRESHOLD_TEXT_HPP
#define UNISLAD_SAMPLES_THRESHOLD_TEXT_HPP

// The decision threshold on the command line: the --threshold option of fit and detect, and how the
// threshold commands state a threshold with its rule and what it gives on labelled images.

#include "cli_common.hpp"

#include <opencv2/unislad.hpp>

#include <string>

namespace unislad {
namespace cli {

/** The range --threshold accepts (scores are standardised distances in calibrated fusion, distances in raw). */
constexpr double kThresholdLimit = 1e9;

/** Reads --threshold when it is given: true with given = false when it is not; false with a usage
    message for a value that is not a decimal number in [-1e9, 1e9]. */
bool thresholdOption(Options& options, bool& given, float& value, std::string& error);

/** "0.7312 (f1 on 20 good and 40 anomalous images)": the threshold and the rule that set it. */
std::string thresholdWithRule(float threshold, const cv::uniSLAD::ThresholdRule& rule);

/** "2 of 20 good flagged, 39 of 40 anomalies caught, F1 0.951". */
std::string outcomeText(const cv::uniSLAD::ThresholdChoice& c);

} // namespace cli
} // namespace unislad

#endif // UNISLAD_SAMPLES_THRESHOLD_TEXT_HPP
