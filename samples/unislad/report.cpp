// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "report.hpp"
#include "report_figures.hpp"
#include "output_files.hpp"

#include <cstdio>
#include <map>
#include <filesystem>
#include <sstream>

namespace unislad {
namespace cli {

namespace {

std::string number(double v)
{
    if (v != v)  // NaN
        return "null";
    char b[32];
    std::snprintf(b, sizeof(b), "%.6g", v);
    return b;
}

std::string metric(double v)
{
    return v < 0 ? "null" : number(v);
}

/** {"name": value, ...} of a map of metrics. */
std::string metricMap(const std::map<std::string, double>& m)
{
    std::string out = "{";
    for (const auto& kv : m)
        out += (out.size() > 1 ? ", " : "") + jsonString(kv.first) + ": " + metric(kv.second);
    return out + "}";
}

} // namespace

void writeTextAtomic(const std::string& path, const std::string& text)
{
    writeOutputFile(path, text);
}

void writeReport(const std::string& dir, const Evaluation& e, float threshold, const cv::uniSLAD::ThresholdRule& rule)
{
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        CV_Error(cv::Error::StsError, "cannot create report folder '" + dir + "': " + ec.message());
    std::ostringstream j;
    j << "{\n  \"category\": " << jsonString(e.category) << ",\n"
      << "  \"layout\": " << jsonString(e.layout == Layout::MVTecLOCO ? "mvtec_loco" : "mvtec_ad") << ",\n"
      << "  \"image_auroc\": {\"logical\": " << metric(e.aurocLogical) << ", \"structural\": " << metric(e.aurocStructural)
      << ", \"mean\": " << metric(e.aurocMean) << ", \"all\": " << metric(e.aurocAll) << "},\n"
      << "  \"pixel_auroc\": " << metric(e.pixelAUROC) << ",\n  \"aupro_0.3\": " << metric(e.auPRO) << ",\n"
      << "  \"f1_max\": " << metric(e.f1Max) << ",\n  \"f1_threshold\": " << number(e.f1Threshold) << ",\n"
      << "  \"threshold\": " << number(threshold) << ",\n  \"threshold_rule\": {\"name\": " << jsonString(rule.name())
      << ", \"description\": " << jsonString(rule.describe()) << "},\n  \"image_auroc_per_defect\": "
      << metricMap(e.aurocPerDefect) << ",\n  \"component_image_auroc\": {";
    bool first = true;
    for (const ComponentAuroc& c : e.components) {
        j << (first ? "\n" : ",\n") << "    " << jsonString(c.name) << ": {\"logical\": " << metric(c.logical)
          << ", \"structural\": " << metric(c.structural) << ", \"mean\": " << metric(c.mean)
          << ", \"per_defect\": " << metricMap(c.perDefect) << "}";
        first = false;
    }
    j << (first ? "" : "\n  ") << "},\n  \"train_images\": " << e.trainImages << ",\n  \"calibration_images\": " << e.calibrationImages << ",\n"
      << "  \"fit_seconds\": " << number(e.fitSeconds) << ",\n  \"detect_ms_per_image\": " << number(e.msPerImage) << ",\n"
      << "  \"eval_seconds\": " << number(e.evalSeconds) << ",\n  \"caveats\": [";
    first = true;
    for (const Caveat& c : caveatsOf(e)) {
        j << (first ? "\n" : ",\n") << "    {\"metric\": " << jsonString(c.key) << ", \"value\": " << number(c.value)
          << ", \"why\": " << jsonString(c.why) << "}";
        first = false;
    }
    j << (first ? "]\n}\n" : "\n  ]\n}\n");
    writeTextAtomic(dir + "/metrics.json", j.str());

    std::ostringstream c;
    c << "path,defect,kind,score,is_anomaly,patch_local,patch_global,class_weight,patch_score,image_local,image_global,"
         "image_class,image_score\n";
    for (const ScoredItem& s : e.items) {
        const cv::uniSLAD::Result& r = s.result;
        c << csvField(s.item.path) << "," << csvField(s.item.defect) << "," << csvField(s.item.kind) << "," << number(r.score) << ","
          << (r.isAnomaly ? 1 : 0) << "," << number(r.patchLocal) << "," << number(r.patchGlobal) << ","
          << number(r.classWeight) << "," << number(r.patchScore) << "," << number(r.imageLocal) << ","
          << number(r.imageGlobal) << "," << number(r.imageClass) << "," << number(r.imageScore) << "\n";
    }
    writeTextAtomic(dir + "/scores.csv", c.str());
}

} // namespace cli
} // namespace unislad
