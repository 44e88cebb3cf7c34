// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "report_figures.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace unislad {
namespace cli {

namespace {

// Below this many images on a side, one image moves an image AUROC by more than 10 points.
constexpr int kFewImages = 10;

std::string percent(double v)
{
    char b[32];
    std::snprintf(b, sizeof(b), "%.1f", 100 * v);
    return b;
}

/** Images of each group of e: "good", "logical", "structural", and every defect folder by name. */
std::map<std::string, int> groupSizes(const Evaluation& e)
{
    std::map<std::string, int> n;
    for (const ScoredItem& s : e.items) {
        ++n[s.item.kind];
        if (s.item.anomalous())
            ++n["defect:" + s.item.defect];
    }
    return n;
}

std::string belowChance(const std::string& key)
{
    if (key == "pixel_auroc")
        return "below 50 % (chance): the anomaly map is lower on the ground-truth pixels than elsewhere, so the map "
               "does not point at these defects (expected where an anomaly is logical, e.g. a missing part whose mask "
               "covers empty background; otherwise check the masks)";
    return "below 50 % (chance): these anomalies score lower than the good images, so the detector does not see them "
           "as anomalous at all (or good and anomalous folders are swapped)";
}

} // namespace

const std::vector<Figure>& summaryFigures()
{
    static const std::vector<Figure> figures{
        { "image_auroc/logical", "I-AUROC logical", &Evaluation::aurocLogical, true },
        { "image_auroc/structural", "I-AUROC structural", &Evaluation::aurocStructural, true },
        { "image_auroc/mean", "I-AUROC mean", &Evaluation::aurocMean, true },
        { "image_auroc/all", "I-AUROC all", &Evaluation::aurocAll, true },
        { "pixel_auroc", "P-AUROC", &Evaluation::pixelAUROC, true },
        { "aupro_0.3", "AUPRO (0.3)", &Evaluation::auPRO, false },
        { "f1_max", "F1-max", &Evaluation::f1Max, false },
    };
    return figures;
}

Evaluation averageOf(const std::vector<const Evaluation*>& rows)
{
    Evaluation avg;
    avg.category = "average";
    for (const Figure& f : summaryFigures()) {
        double sum = 0;
        int n = 0;
        for (const Evaluation* e : rows)
            if (e->*f.field >= 0) {
                sum += e->*f.field;
                ++n;
            }
        avg.*f.field = n ? sum / n : -1;
    }
    return avg;
}

std::vector<Caveat> caveatsOf(const Evaluation& e)
{
    std::vector<Caveat> out;
    const std::map<std::string, int> n = groupSizes(e);
    const auto count = [&](const std::string& group) {
        const auto it = n.find(group);
        return it == n.end() ? 0 : it->second;
    };
    const auto check = [&](const std::string& key, const std::string& label, double value, bool rank,
                           const std::string& group) {
        if (value < 0)
            return;
        if (rank && value < 0.5) {
            out.push_back({ key, label, value, belowChance(key) });
            return;
        }
        if (group.empty() || e.items.empty())
            return;
        const int fewest = std::min(count("good"), count(group));
        if (fewest > 0 && fewest < kFewImages)
            out.push_back({ key, label, value,
                            "from " + std::to_string(count("good")) + " good and " + std::to_string(count(group)) +
                                " anomalous images: one image more or less moves it by up to " +
                                percent(1.0 / fewest) + " points" });
    };
    const std::map<std::string, std::string> groups{ { "image_auroc/logical", "logical" },
                                                     { "image_auroc/structural", "structural" } };
    for (const Figure& f : summaryFigures()) {
        const auto g = groups.find(f.key);
        check(f.key, f.label, e.*f.field, f.rankAgainstGood, g == groups.end() ? std::string() : g->second);
    }
    for (const auto& kv : e.aurocPerDefect)
        check("image_auroc_per_defect/" + kv.first, "I-AUROC of " + kv.first, kv.second, true, "defect:" + kv.first);
    return out;
}

const Caveat* caveatFor(const std::vector<Caveat>& caveats, const std::string& key)
{
    for (const Caveat& c : caveats)
        if (c.key == key)
            return &c;
    return nullptr;
}

} // namespace cli
} // namespace unislad
