// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// `unislad eval`: fits on train/good (calibrating on validation/good when present) or loads a
// model, scores test/*, and prints the paper's metrics; over several categories, a Table II.
#include "cli_common.hpp"
#include "dataset.hpp"
#include "detector_options.hpp"
#include "evaluation.hpp"
#include "report.hpp"
#include "report_figures.hpp"
#include "report_html.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>

namespace unislad {
namespace cli {

namespace {

const std::string kEvalKeys = std::string(
    "{help h ?        |           | print this help}"
    "{data d          |<none>     | a category folder (MVTec AD or MVTec LOCO AD layout), or with --categories their parent}"
    "{categories c    |<optional> | comma-separated category folders under --data, or 'all'; prints a table of every category and their average}"
    "{model m         |<optional> | a fitted model file (one category); default: fit on the fly}"
    "{report r        |<optional> | write a report into this folder: index.html (open it in a browser), per category metrics.json, scores.csv, plots and a heat-map gallery}"
    "{no-pixel        |           | skip the pixel metrics (P-AUROC, AUPRO)}"
    "{quiet q         |           | no progress bars}") + kDetectorKeys;

std::string pct(double v)
{
    if (v < 0)
        return "-";
    char b[16];
    std::snprintf(b, sizeof(b), "%.1f", 100 * v);
    return b;
}

void printSummary(const Evaluation& e)
{
    std::printf("%s: I-AUROC %s (logical/structural/mean), P-AUROC %s, AUPRO %s, F1-max %s; fit %.1f s on %d images, "
                "detect %.0f ms/image\n",
                e.category.c_str(), tableCell(e).c_str(), pct(e.pixelAUROC).c_str(), pct(e.auPRO).c_str(),
                pct(e.f1Max).c_str(), e.fitSeconds, e.trainImages, e.msPerImage);
    for (const Caveat& c : caveatsOf(e))
        std::printf("  note: %s %s: %s\n", c.label.c_str(), pct(c.value).c_str(), c.why.c_str());
}

} // namespace

int runEval(int argc, const char* const argv[])
{
    Options opts(argc, argv, kEvalKeys, "Evaluates UniSLAD on data sets in the MVTec AD / MVTec LOCO AD layout.");
    if (opts.done())
        return opts.exitCode();
    cv::uniSLAD::Params params;
    std::string error;
    if (!detectorParams(opts, params, error))
        return opts.usageError(error);
    const std::string data = opts.value("data"), modelPath = opts.value("model"), reportDir = opts.value("report");
    std::vector<std::string> categories;
    if (!opts.value("categories").empty()) {
        if (!modelPath.empty())
            return opts.usageError("--model fits one category; leave it out with --categories");
        const std::string list = opts.value("categories");
        if (list == "all") {
            for (const auto& e : std::filesystem::directory_iterator(data))
                if (e.is_directory() && std::filesystem::is_directory(e.path() / "train" / "good"))
                    categories.push_back(e.path().string());
            std::sort(categories.begin(), categories.end());
        } else {
            for (const std::string& c : splitList(list))
                categories.push_back((std::filesystem::path(data) / c).string());
        }
        if (categories.empty())
            return opts.usageError("--categories: no category folder found under '" + data + "'");
    } else {
        categories.push_back(data);
    }

    EvalOptions eo;
    eo.pixelMetrics = !opts.parser().has("no-pixel");
    eo.quiet = opts.parser().has("quiet");
    std::vector<Evaluation> results;
    cv::uniSLAD::Params used = params;
    for (const std::string& dir : categories) {
        const Dataset d = readDataset(dir);
        Evaluation e;
        cv::Ptr<cv::uniSLAD::UniSLAD> detector;
        if (!modelPath.empty())
            detector = cv::uniSLAD::UniSLAD::load(modelPath);
        else
            detector = fitOnDataset(params, d, eo, e);
        evaluateDetector(detector, d, eo, e);
        printSummary(e);
        used = detector->getParams();
        if (!reportDir.empty()) {
            writeReport(reportDir + "/" + e.category, e, detector->getThreshold(), detector->getThresholdRule());
            writeHtmlReport(reportDir + "/" + e.category, e, detector);
        }
        for (ScoredItem& s : e.items)
            s.result.anomalyMap.release();
        results.push_back(e);
    }
    if (results.size() > 1) {
        std::printf("\nI-AUROC (%%) logical/structural/mean\n");
        std::vector<const Evaluation*> rows;
        for (const Evaluation& e : results) {
            std::printf("  %-20s %s\n", e.category.c_str(), tableCell(e).c_str());
            rows.push_back(&e);
        }
        std::printf("  %-20s %s\n", "average", tableCell(averageOf(rows)).c_str());
    }
    if (!reportDir.empty()) {
        writeHtmlIndex(reportDir, results, used);
        std::printf("report: %s\n", (std::filesystem::absolute(reportDir) / "index.html").lexically_normal().string().c_str());
    }
    return kExitOk;
}

} // namespace cli
} // namespace unislad
