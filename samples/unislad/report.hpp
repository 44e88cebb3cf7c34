// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef UNISLAD_SAMPLES_REPORT_HPP
#define UNISLAD_SAMPLES_REPORT_HPP

// The files `unislad eval --report DIR` writes per category: metrics.json and scores.csv.

#include "evaluation.hpp"

#include <string>

namespace unislad {
namespace cli {

/** Writes <dir>/metrics.json (with the threshold and the rule that set it) and <dir>/scores.csv (creating
    dir), each atomically. */
void writeReport(const std::string& dir, const Evaluation& e, float threshold, const cv::uniSLAD::ThresholdRule& rule);

/** Writes text to path atomically (writeOutputFile); raises cv::Exception naming the path and the
    system's reason. */
void writeTextAtomic(const std::string& path, const std::string& text);

} // namespace cli
} // namespace unislad

#endif // UNISLAD_SAMPLES_REPORT_HPP
