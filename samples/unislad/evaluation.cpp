// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "evaluation.hpp"
#include "progress.hpp"

#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ostream>

namespace unislad {
namespace cli {

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point since)
{
    return std::chrono::duration<double>(Clock::now() - since).count();
}

double fusedScore(const cv::uniSLAD::Result& r)
{
    return r.score;
}

/** AUROC of good images against the items `pick` selects, on the score `value` gives; -1 when either
    side is empty. */
template <typename Pick>
double aurocOf(const std::vector<ScoredItem>& items, Pick pick, double (*value)(const cv::uniSLAD::Result&) = fusedScore)
{
    std::vector<float> scores;
    std::vector<int> labels;
    bool pos = false, neg = false;
    for (const ScoredItem& s : items) {
        const bool good = !s.item.anomalous();
        if (!good && !pick(s.item))
            continue;
        scores.push_back((float)value(s.result));
        labels.push_back(good ? 0 : 1);
        (good ? neg : pos) = true;
    }
    return pos && neg ? cv::uniSLAD::metrics::imageAUROC(scores, labels) : -1.0;
}

/** Map and mask at most 256 px on a side (pixel metrics over full-size MVTec images would need GBs). */
void shrinkForPixels(const cv::Mat& map, const cv::Mat& mask, cv::Mat& smallMap, cv::Mat& smallMask)
{
    const int side = std::max(map.cols, map.rows);
    if (side <= 256) {
        smallMap = map;
        smallMask = mask;
        return;
    }
    const double f = 256.0 / side;
    const cv::Size s(std::max(1, (int)std::lround(map.cols * f)), std::max(1, (int)std::lround(map.rows * f)));
    cv::resize(map, smallMap, s, 0, 0, cv::INTER_AREA);
    cv::resize(mask, smallMask, s, 0, 0, cv::INTER_NEAREST);
}

using ComponentValue = double (*)(const cv::uniSLAD::Result&);

/** The components of Result that eval rates with their accessors, in the order of scores.csv: each
    level's components, the level scores and the fused score. */
const std::vector<std::pair<std::string, ComponentValue>>& componentAccessors()
{
    static const std::vector<std::pair<std::string, ComponentValue>> list = {
        { "patch_local", [](const cv::uniSLAD::Result& r) { return (double)r.patchLocal; } },
        { "patch_global", [](const cv::uniSLAD::Result& r) { return (double)r.patchGlobal; } },
        { "patch_score", [](const cv::uniSLAD::Result& r) { return (double)r.patchScore; } },
        { "image_local", [](const cv::uniSLAD::Result& r) { return (double)r.imageLocal; } },
        { "image_global", [](const cv::uniSLAD::Result& r) { return (double)r.imageGlobal; } },
        { "image_class", [](const cv::uniSLAD::Result& r) { return (double)r.imageClass; } },
        { "image_score", [](const cv::uniSLAD::Result& r) { return (double)r.imageScore; } },
        { "score", fusedScore },
    };
    return list;
}

/** Logical, structural, mean and per-defect I-AUROC on one score; the mean as Table II takes it. */
ComponentAuroc rateComponent(const std::string& name, const std::vector<ScoredItem>& items,
                             const std::vector<TestItem>& test, ComponentValue value)
{
    ComponentAuroc c;
    c.name = name;
    c.logical = aurocOf(items, [](const TestItem& t) { return t.kind == "logical"; }, value);
    c.structural = aurocOf(items, [](const TestItem& t) { return t.kind == "structural"; }, value);
    c.mean = c.logical >= 0 && c.structural >= 0 ? 0.5 * (c.logical + c.structural) : std::max(c.logical, c.structural);
    for (const TestItem& t : test)
        if (t.anomalous() && !c.perDefect.count(t.defect)) {
            const std::string defect = t.defect;
            c.perDefect[defect] = aurocOf(items, [&](const TestItem& x) { return x.defect == defect; }, value);
        }
    return c;
}

} // namespace

cv::Ptr<cv::uniSLAD::UniSLAD> fitOnDataset(const cv::uniSLAD::Params& params, const Dataset& data,
                                           const EvalOptions& options, Evaluation& eval)
{
    const std::vector<cv::Mat> train = loadImages(data.train), calibration = loadImages(data.validation);
    eval.trainImages = (int)train.size();
    eval.calibrationImages = (int)calibration.size();
    cv::Ptr<cv::uniSLAD::UniSLAD> detector = cv::uniSLAD::UniSLAD::create(params);
    Progress progress("fit " + data.name, options.quiet);
    const auto start = Clock::now();
    detector->fit(train, calibration, [&](const cv::String& stage, int done, int total) { progress.update(stage, done, total); });
    eval.fitSeconds = seconds(start);
    progress.finish();
    return detector;
}

void evaluateDetector(const cv::Ptr<cv::uniSLAD::UniSLAD>& detector, const Dataset& data, const EvalOptions& options,
                      Evaluation& eval)
{
    eval.category = data.name;
    eval.layout = data.layout;
    eval.items.clear();
    const auto evalStart = Clock::now();
    std::vector<cv::Mat> maps, masks;
    Progress progress("eval " + data.name, options.quiet);
    double detectSeconds = 0;
    int done = 0;
    for (const TestItem& item : data.test) {
        const cv::Mat image = readImage(item.path);
        const auto start = Clock::now();
        ScoredItem s{ item, cv::uniSLAD::Result() };
        try {
            s.result = detector->detect(image);
        } catch (const cv::Exception& e) {
            CV_Error(e.code, "'" + item.path + "': " + e.err);
        }
        detectSeconds += seconds(start);
        if (options.pixelMetrics) {
            cv::Mat m, k;
            shrinkForPixels(s.result.anomalyMap, loadMask(item, image.size()), m, k);
            maps.push_back(m.clone());
            masks.push_back(k.clone());
        }
        if (!options.keepMaps)
            s.result.anomalyMap.release();
        eval.items.push_back(s);
        progress.update("images", ++done, (int)data.test.size());
    }
    progress.finish();
    if (eval.items.empty())
        CV_Error(cv::Error::StsError, "no readable test image in '" + data.root + "/test'");
    eval.msPerImage = 1000.0 * detectSeconds / eval.items.size();

    const ComponentAuroc fused = rateComponent("score", eval.items, data.test, fusedScore);
    eval.aurocLogical = fused.logical;
    eval.aurocStructural = fused.structural;
    eval.aurocMean = fused.mean;
    eval.aurocPerDefect = fused.perDefect;
    eval.aurocAll = aurocOf(eval.items, [](const TestItem&) { return true; });
    eval.components.clear();
    for (const auto& component : componentAccessors()) {
        // Result holds 0 for a component that is switched off: a constant column is left out.
        const double first = component.second(eval.items.front().result);
        bool finite = true, varies = false;
        for (const ScoredItem& s : eval.items) {
            const double v = component.second(s.result);
            finite = finite && std::isfinite(v);
            varies = varies || v != first;
        }
        if (finite && varies)
            eval.components.push_back(component.first == fused.name
                                          ? fused : rateComponent(component.first, eval.items, data.test, component.second));
    }
    std::vector<float> scores;
    std::vector<int> labels;
    for (const ScoredItem& s : eval.items) {
        scores.push_back(s.result.score);
        labels.push_back(s.item.anomalous() ? 1 : 0);
    }
    if (eval.aurocAll >= 0)
        eval.f1Max = cv::uniSLAD::metrics::f1Max(scores, labels, &eval.f1Threshold);
    bool anyAnomalousPixel = false;
    for (const cv::Mat& k : masks)
        anyAnomalousPixel = anyAnomalousPixel || cv::countNonZero(k) > 0;
    if (options.pixelMetrics && anyAnomalousPixel) {
        eval.pixelAUROC = cv::uniSLAD::metrics::pixelAUROC(maps, masks);
        eval.auPRO = cv::uniSLAD::metrics::auPRO(maps, masks, 0.3);
    }
    eval.evalSeconds = seconds(evalStart);
}

std::string tableCell(const Evaluation& e)
{
    auto pct = [](double v) {
        char buf[16];
        if (v < 0)
            return std::string("-");
        std::snprintf(buf, sizeof(buf), "%.1f", 100.0 * v);
        return std::string(buf);
    };
    return pct(e.aurocLogical) + "/" + pct(e.aurocStructural) + "/" + pct(e.aurocMean);
}

} // namespace cli
} // namespace unislad
