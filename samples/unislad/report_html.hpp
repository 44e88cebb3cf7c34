// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef UNISLAD_SAMPLES_REPORT_HTML_HPP
#define UNISLAD_SAMPLES_REPORT_HTML_HPP

// The browsable part of `unislad eval --report DIR`: per category roc.png, histogram.png, a gallery of
// heat-map overlays and index.html; DIR/index.html ties the categories together. The pages are
// self-contained (inline CSS, relative image paths, no network) and open from disk.

#include "evaluation.hpp"

#include <opencv2/unislad.hpp>

#include <string>
#include <vector>

namespace unislad {
namespace cli {

/** Writes <dir>/roc.png, histogram.png, gallery/<kind>_<n>.png and index.html for one evaluated category. The
    gallery (worst-scored nominal, best-hidden anomalous images) is scored again by `detector` for its
    maps, so the evaluation need not keep them. */
void writeHtmlReport(const std::string& dir, const Evaluation& e, const cv::Ptr<cv::uniSLAD::UniSLAD>& detector);

/** Writes <dir>/index.html: the Table II summary of every category with links to their pages. */
void writeHtmlIndex(const std::string& dir, const std::vector<Evaluation>& results, const cv::uniSLAD::Params& params);

} // namespace cli
} // namespace unislad

#endif // UNISLAD_SAMPLES_REPORT_HTML_HPP
