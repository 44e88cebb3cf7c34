// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "report_html.hpp"
#include "heatmap_figure.hpp"
#include "plots.hpp"
#include "output_files.hpp"
#include "report.hpp"
#include "report_figures.hpp"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

namespace fs = std::filesystem;

namespace unislad {
namespace cli {

namespace {

std::string esc(const std::string& s)
{
    std::string o;
    for (char c : s) {
        switch (c) {
        case '&': o += "&amp;"; break;
        case '<': o += "&lt;"; break;
        case '>': o += "&gt;"; break;
        case '"': o += "&quot;"; break;
        case '\'': o += "&#39;"; break;
        default: o += c;
        }
    }
    return o;
}

std::string fmt(const char* f, double v)
{
    char b[64];
    std::snprintf(b, sizeof(b), f, v);
    return b;
}

std::string pct(double v)
{
    return v < 0 ? "&ndash;" : fmt("%.1f", 100 * v);
}

const char* const kStyle = R"CSS(
:root { --ink: #222; --muted: #667; --line: #dde; --good: #1f77b4; --logical: #ff7f0e; --structural: #d62728; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink);
       margin: 0; background: #f6f7f9; }
header { background: #1d2633; color: #fff; padding: 18px 32px; }
header h1 { margin: 0 0 4px; font-size: 24px; font-weight: 600; }
header p { margin: 0; color: #b8c2d0; font-size: 13px; }
header a { color: #cfe0ff; }
main { max-width: 1180px; margin: 0 auto; padding: 8px 24px 40px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; margin: 18px 0; padding: 14px 20px; }
h2 { font-size: 17px; margin: 4px 0 12px; font-weight: 600; }
h3 { font-size: 15px; margin: 14px 0 8px; font-weight: 600; color: #334; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 12px; border-bottom: 1px solid var(--line); text-align: right; }
th { background: #f0f2f6; font-weight: 600; }
td:first-child, th:first-child { text-align: left; }
tr.avg td { font-weight: 600; border-top: 2px solid #99a; }
.big { font-size: 20px; font-weight: 600; }
.plots { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; }
.plots img { width: 520px; height: auto; max-width: 100%; border: 1px solid var(--line); border-radius: 4px; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; max-width: 520px; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 14px; }
.gallery figure { background: #fafbfc; border: 1px solid var(--line); border-radius: 6px; padding: 6px; }
.gallery img { width: 100%; display: block; border-radius: 3px; }
.tag { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; color: #fff; }
.tag.good { background: var(--good); } .tag.logical { background: var(--logical); } .tag.structural { background: var(--structural); }
.flag { font-weight: 600; } .flag.yes { color: #b3261e; } .flag.no { color: #2e7d32; }
.thumbs { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 14px; }
.thumbs a { text-decoration: none; color: var(--ink); font-size: 14px; font-weight: 600; }
.thumbs img { width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; display: block; margin-bottom: 4px; }
td.caveat { background: #fff4e5; }
.mark { display: inline-block; min-width: 15px; border-radius: 8px; background: #b3541e; color: #fff; font-size: 11px;
        font-weight: 700; text-align: center; line-height: 15px; }
.caveats { background: #fff8ee; border: 1px solid #f0d2ae; border-radius: 6px; padding: 4px 14px; margin-top: 10px; font-size: 14px; }
.caveats p { margin: 6px 0; } .caveats ul { margin: 4px 0 8px; padding-left: 20px; }
.muted { color: var(--muted); font-size: 13px; }
code { background: #eef1f5; padding: 1px 4px; border-radius: 3px; }
)CSS";

// Not needed for viewing: lets a headless browser test confirm that every image resolved (the body gets
// data-images="loaded/total"; a failed image is logged to the console).
const char* const kSelfCheck = R"JS(
<script>
window.addEventListener('load', function () {
  var images = document.images, ok = 0;
  for (var i = 0; i < images.length; ++i) {
    if (images[i].complete && images[i].naturalWidth > 0) ++ok;
    else console.error('image did not load: ' + images[i].getAttribute('src'));
  }
  document.body.setAttribute('data-images', ok + '/' + images.length);
});
</script>
)JS";

std::string pageHead(const std::string& title, const std::string& subtitle)
{
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
           "content=\"width=device-width, initial-scale=1\">\n<title>" + esc(title) + "</title>\n<style>" + kStyle +
           "</style>\n</head>\n<body>\n<header><h1>" + esc(title) + "</h1><p>" + subtitle + "</p></header>\n<main>\n";
}

std::string pageTail()
{
    return std::string("</main>\n") + kSelfCheck + "</body>\n</html>\n";
}

void writePng(const std::string& path, const cv::Mat& img)
{
    writeOutputPng(path, img);
}

std::string kindOf(const ScoredItem& s)
{
    return s.item.kind;
}

RocSeries rocOf(const Evaluation& e, const std::string& kind, const std::string& label, const cv::Scalar& color)
{
    std::vector<float> scores;
    std::vector<int> labels;
    bool pos = false, neg = false;
    for (const ScoredItem& s : e.items) {
        const bool good = !s.item.anomalous();
        if (!good && !kind.empty() && s.item.kind != kind)
            continue;
        scores.push_back(s.result.score);
        labels.push_back(good ? 0 : 1);
        (good ? neg : pos) = true;
    }
    RocSeries r;
    r.label = label;
    r.color = color;
    if (!pos || !neg)
        return r;
    cv::Mat fpr, tpr;
    cv::uniSLAD::metrics::rocCurve(scores, labels, fpr, tpr);
    for (int i = 0; i < fpr.rows; ++i) {
        r.fpr.push_back((float)fpr.at<double>(i));
        r.tpr.push_back((float)tpr.at<double>(i));
    }
    const double auroc = cv::uniSLAD::metrics::imageAUROC(scores, labels);
    r.label += " (AUROC " + fmt("%.1f", 100 * auroc) + "%)";
    return r;
}

/** Up to `n` items of a kind with the highest (nominal) or lowest (anomalous) scores. */
std::vector<const ScoredItem*> pick(const Evaluation& e, const std::string& kind, size_t n)
{
    std::vector<const ScoredItem*> v;
    for (const ScoredItem& s : e.items)
        if (s.item.kind == kind)
            v.push_back(&s);
    const bool highest = kind == "good";
    std::stable_sort(v.begin(), v.end(), [&](const ScoredItem* a, const ScoredItem* b) {
        return highest ? a->result.score > b->result.score : a->result.score < b->result.score;
    });
    if (v.size() > n)
        v.resize(n);
    return v;
}

std::string tag(const std::string& kind)
{
    return "<span class=\"tag " + esc(kind) + "\">" + esc(kind) + "</span>";
}

/** A figure's cell: the value, marked (and explained on hover) when a caveat concerns it. */
std::string figureCell(double value, const Caveat* caveat, bool bold)
{
    const std::string v = bold ? "<b>" + pct(value) + "</b>" : pct(value);
    if (!caveat)
        return "<td>" + v + "</td>";
    return "<td class=\"caveat\" title=\"" + esc(caveat->why) + "\">" + v + " <span class=\"mark\">!</span></td>";
}

std::string summaryTable(const std::vector<const Evaluation*>& rows, bool links)
{
    const std::vector<Figure>& figures = summaryFigures();
    std::ostringstream h;
    h << "<table>\n<tr><th>category</th>";
    for (const Figure& f : figures)
        h << "<th>" << esc(f.label) << "</th>";
    h << "<th>test images</th></tr>\n";
    std::vector<std::pair<std::string, Caveat>> notes;
    size_t images = 0;
    const auto row = [&](const Evaluation& e, const std::string& name, const std::string& cls, size_t count) {
        const std::vector<Caveat> caveats = caveatsOf(e);
        h << "<tr" << cls << "><td>" << name << "</td>";
        for (const Figure& f : figures)
            h << figureCell(e.*f.field, caveatFor(caveats, f.key), std::string(f.key) == "image_auroc/mean");
        h << "<td>" << count << "</td></tr>\n";
        for (const Caveat& c : caveats)
            if (std::any_of(figures.begin(), figures.end(), [&](const Figure& f) { return c.key == f.key; }))  // the rest: per defect
                notes.push_back({ e.category, c });
    };
    for (const Evaluation* e : rows) {
        row(*e, links ? "<a href=\"" + esc(e->category) + "/index.html\">" + esc(e->category) + "</a>" : esc(e->category), "",
            e->items.size());
        images += e->items.size();
    }
    if (rows.size() > 1)
        row(averageOf(rows), "average", " class=\"avg\"", images);
    h << "</table>\n<p class=\"muted\">Image AUROC in %: how well the image score ranks each anomaly group above the good "
         "test images (50 is chance, 100 perfect); mean: of logical and structural. P-AUROC: the same per pixel of the "
         "anomaly map against the ground-truth masks; AUPRO: the per-region overlap up to a false-positive rate of 0.3; "
         "pixel metrics on maps at most 256 px on a side. The average row averages each column over the categories that "
         "have it; its last cell is the total.</p>\n";
    if (!notes.empty()) {
        h << "<div class=\"caveats\"><p><b>Read with care</b> (marked <span class=\"mark\">!</span>):</p>\n<ul>\n";
        for (const auto& n : notes)
            h << "<li>" << esc(n.first) << ", " << esc(n.second.label) << " " << pct(n.second.value) << ": "
              << esc(n.second.why) << ".</li>\n";
        h << "</ul></div>\n";
    }
    return h.str();
}

/** I-AUROC of every score component per anomaly kind and defect type: where the fused score loses what
    one of its components sees, or which component misses a defect. */
std::string componentTable(const Evaluation& e)
{
    if (e.components.empty())
        return "";
    std::ostringstream h;
    h << "<section><h2>Per component</h2>\n<p class=\"muted\">I-AUROC (%) of each score of <code>scores.csv</code> "
         "against the good test images: the patch level's local and global maxima and their fusion, the image "
         "level's local, global and class scores and their fusion, and the fused score the detector decides on.</p>\n"
         "<table>\n<tr><th>anomalies</th>";
    for (const ComponentAuroc& c : e.components)
        h << "<th>" << esc(c.name) << "</th>";
    h << "</tr>\n";
    const auto row = [&](const std::string& label, auto value) {
        h << "<tr><td>" << label << "</td>";
        for (const ComponentAuroc& c : e.components)
            h << "<td>" << pct(value(c)) << "</td>";
        h << "</tr>\n";
    };
    row("logical", [](const ComponentAuroc& c) { return c.logical; });
    row("structural", [](const ComponentAuroc& c) { return c.structural; });
    row("<b>mean</b>", [](const ComponentAuroc& c) { return c.mean; });
    for (const auto& kv : e.components.front().perDefect) {
        const std::string defect = kv.first;
        row(esc(defect), [&](const ComponentAuroc& c) {
            const auto it = c.perDefect.find(defect);
            return it == c.perDefect.end() ? -1.0 : it->second;
        });
    }
    h << "</table>\n</section>\n";
    return h.str();
}

/** The calibration images of a fit: a count, or how the training images stood in for them. */
std::string calibrationCell(const Evaluation& e)
{
    if (e.calibrationImages > 0)
        return std::to_string(e.calibrationImages);
    if (e.trainImages == 0)
        return "&ndash;";  // a model file was evaluated
    return "held out from training (models of the other images score them)";
}

std::string paramsTable(const cv::uniSLAD::Params& p)
{
    std::ostringstream h;
    auto row = [&](const std::string& k, const std::string& v) { h << "<tr><td>" << esc(k) << "</td><td>" << esc(v) << "</td></tr>\n"; };
    h << "<table>\n";
    row("local backbone", fs::path(p.localManifest).filename().string());
    row("global backbone", p.globalManifest.empty() ? "(the local one)" : fs::path(p.globalManifest).filename().string());
    row("grid K", std::to_string(p.gridSize));
    row("local / pretrain dims", std::to_string(p.localDims) + " / " + std::to_string(p.pretrainDims));
    row("coreset ratio local / global", fmt("%g", p.localCoresetRatio) + " / " + fmt("%g", p.globalCoresetRatio));
    std::string parts;
    for (auto c : { std::make_pair(p.useLocal, "local features"), std::make_pair(p.useGlobal, "global features"),
                    std::make_pair(p.useMahalanobis, "whitening"), std::make_pair(p.usePatchBank, "patch memory banks"),
                    std::make_pair(p.useImageDistribution, "image-level Gaussians") })
        if (c.first)
            parts += (parts.empty() ? "" : ", ") + std::string(c.second);
    row("components", parts);
    row("score fusion", p.fusion == cv::uniSLAD::FUSION_CALIBRATED ? "calibrated" : "raw");
    row("weight of the patch level / of the global image score", fmt("%g", p.w) + " / " + fmt("%g", p.wI));
    row("backend", p.backend == cv::uniSLAD::COMPUTE_CUDA ? "cuda" : "cpu");
    row("seed", std::to_string(p.seed));
    h << "</table>\n";
    return h.str();
}

} // namespace

void writeHtmlReport(const std::string& dir, const Evaluation& e, const cv::Ptr<cv::uniSLAD::UniSLAD>& detector)
{
    std::error_code ec;
    fs::create_directories(fs::path(dir) / "gallery", ec);
    if (ec)
        CV_Error(cv::Error::StsError, "cannot create report folder '" + dir + "/gallery': " + ec.message());
    const float threshold = detector->getThreshold();

    // Plots.
    std::vector<RocSeries> roc;
    for (const auto& k : { std::make_pair(std::string("logical"), colorLogical()), std::make_pair(std::string("structural"), colorStructural()) }) {
        RocSeries r = rocOf(e, k.first, k.first + " vs good", k.second);
        if (!r.fpr.empty())
            roc.push_back(r);
    }
    RocSeries all = rocOf(e, "", "all anomalies vs good", cv::Scalar(90, 90, 90));
    if (!all.fpr.empty() && roc.size() != 1)
        roc.push_back(all);
    writePng(dir + "/roc.png", plotRoc(roc, "ROC curves: " + e.category));
    std::vector<HistogramSeries> hist;
    for (const auto& k : { std::make_pair(std::string("good"), colorGood()), std::make_pair(std::string("logical"), colorLogical()),
                           std::make_pair(std::string("structural"), colorStructural()) }) {
        HistogramSeries h;
        h.label = k.first;
        h.color = k.second;
        for (const ScoredItem& s : e.items)
            if (kindOf(s) == k.first)
                h.scores.push_back(s.result.score);
        if (!h.scores.empty())
            hist.push_back(h);
    }
    writePng(dir + "/histogram.png", plotHistogram(hist, threshold, "Score distribution: " + e.category));

    // Gallery: the maps of the chosen images, one colour range for all of them.
    struct Shot
    {
        const ScoredItem* s;
        cv::Mat image, map;
        std::string file;
    };
    std::vector<std::pair<std::string, std::vector<Shot>>> groups;
    for (const char* kind : { "good", "logical", "structural" }) {
        std::vector<Shot> shots;
        for (const ScoredItem* s : pick(e, kind, 4)) {
            Shot shot{ s, cv::Mat(), cv::Mat(), std::string() };
            std::string why;
            if (!readImage(s->item.path, shot.image, why))
                continue;  // reported when it was scored
            shot.map = detector->detect(shot.image).anomalyMap;
            shots.push_back(shot);
        }
        if (!shots.empty())
            groups.push_back({ kind, shots });
    }
    // The colour scale of `unislad detect --heatmaps`: tied to the model's pixel threshold, not to the images
    // picked here, so that a calm good image stays cold beside hot anomalies.
    float lo = 0, hi = 1;
    heatmapScale(detector->getPixelThreshold(), lo, hi);
    for (auto& g : groups) {
        int n = 0;
        for (Shot& s : g.second) {
            const cv::uniSLAD::Result& r = s.s->result;
            s.file = "gallery/" + g.first + "_" + std::to_string(++n) + ".png";
            const std::vector<std::string> caption{
                fs::path(s.s->item.path).filename().string() + " (" + s.s->item.defect + ")",
                "score " + fmt("%.3f", r.normalizedScore) + (r.isAnomaly ? " > 1" : " <= 1") + " (raw " + fmt("%.3f", r.score) +
                    ")" + (r.isAnomaly ? ": ANOMALY" : ": good") };
            writePng(dir + "/" + s.file, heatmapOverlay(s.image, s.map, loadMask(s.s->item, s.image.size()), lo, hi, caption));
        }
    }

    // Per defect type.
    struct DefectRow
    {
        std::string kind;
        int n = 0, flagged = 0;
        double sum = 0;
    };
    std::map<std::string, DefectRow> defects;
    for (const ScoredItem& s : e.items) {
        DefectRow& d = defects[s.item.defect];
        d.kind = s.item.kind;
        ++d.n;
        d.flagged += s.result.isAnomaly ? 1 : 0;
        d.sum += s.result.score;
    }

    int flaggedGood = 0, good = 0, flaggedBad = 0, bad = 0;
    for (const ScoredItem& s : e.items) {
        if (s.item.anomalous()) {
            ++bad;
            flaggedBad += s.result.isAnomaly;
        } else {
            ++good;
            flaggedGood += s.result.isAnomaly;
        }
    }
    const std::vector<Caveat> caveats = caveatsOf(e);
    std::ostringstream h;
    h << pageHead("UniSLAD report: " + e.category,
                  "UniSLAD for OpenCV " + esc(cv::uniSLAD::getVersionString()) + " &middot; " +
                      (e.layout == Layout::MVTecLOCO ? "MVTec LOCO AD layout" : "MVTec AD layout") + " &middot; " +
                      std::to_string(e.items.size()) + " test images &middot; <a href=\"../index.html\">all categories</a>");
    h << "<section><h2>Summary</h2>\n" << summaryTable({ &e }, false)
      << "<p>Decision threshold <b>" << fmt("%.4g", threshold) << "</b> on the raw score, 1 on the normalised one of the "
         "gallery (" << esc(detector->getThresholdRule().describe()) << "): " << flaggedBad
      << " of " << bad << " anomalous and " << flaggedGood << " of " << good << " good test images flagged. F1-max threshold "
      << fmt("%.4g", e.f1Threshold) << ".</p>\n</section>\n";

    h << "<section><h2>Curves</h2>\n<div class=\"plots\">\n"
      << "<figure><img src=\"roc.png\" alt=\"ROC curves of " << esc(e.category) << "\" width=\"640\" height=\"480\">"
      << "<figcaption>ROC of each anomaly group against the good test images.</figcaption></figure>\n"
      << "<figure><img src=\"histogram.png\" alt=\"score histograms of " << esc(e.category) << "\" width=\"640\" height=\"480\">"
      << "<figcaption>Scores of good, logical and structural test images (share of each group per bin) and the "
         "decision threshold.</figcaption></figure>\n</div>\n</section>\n";

    h << "<section><h2>Per defect type</h2>\n<table>\n<tr><th>defect</th><th>kind</th><th>images</th><th>I-AUROC vs good</th>"
         "<th>mean score</th><th>flagged at threshold</th></tr>\n";
    for (const auto& kv : defects) {
        const DefectRow& d = kv.second;
        const auto it = e.aurocPerDefect.find(kv.first);
        h << "<tr><td>" << esc(kv.first) << "</td><td>" << tag(d.kind) << "</td><td>" << d.n << "</td>"
          << (it == e.aurocPerDefect.end() ? std::string("<td>&ndash;</td>")
                                           : figureCell(it->second, caveatFor(caveats, "image_auroc_per_defect/" + kv.first), false))
          << "<td>" << fmt("%.3f", d.sum / d.n) << "</td><td>" << d.flagged << " (" << fmt("%.0f", 100.0 * d.flagged / d.n) << "%)</td></tr>\n";
    }
    h << "</table>\n</section>\n";
    h << componentTable(e);

    h << "<section><h2>Gallery</h2>\n<p class=\"muted\">Heat maps: the anomaly map blended on the image, one colour scale "
         "tied to the model's pixel threshold " << fmt("%.3g", detector->getPixelThreshold()) << " (" << fmt("%.3g", lo)
      << " blue, the threshold green, " << fmt("%.3g", hi) << " red), as <code>unislad detect --heatmaps</code> draws it; white outlines: "
         "ground truth.</p>\n";
    for (const auto& g : groups) {
        h << "<h3>" << (g.first == "good" ? "Worst-scored good images (highest scores)"
                                          : "Best-hidden " + g.first + " anomalies (lowest scores)") << "</h3>\n<div class=\"gallery\">\n";
        for (const Shot& s : g.second) {
            const cv::uniSLAD::Result& r = s.s->result;
            h << "<figure><img src=\"" << esc(s.file) << "\" alt=\"" << esc(fs::path(s.s->item.path).filename().string())
              << "\"><figcaption>" << tag(s.s->item.kind) << " " << esc(s.s->item.defect) << " &middot; "
              << esc(fs::path(s.s->item.path).filename().string()) << "<br>score " << fmt("%.3f", r.normalizedScore) << " (raw " << fmt("%.3f", r.score) << ") &middot; <span class=\"flag "
              << (r.isAnomaly ? "yes\">anomaly" : "no\">good") << "</span></figcaption></figure>\n";
        }
        h << "</div>\n";
    }
    h << "</section>\n";

    h << "<section><h2>Timings</h2>\n<table>\n"
      << "<tr><td>fit (features, banks, Gaussians, calibration" << (e.calibrationImages ? "" : ", with the hold-out models")
      << ")</td><td>" << fmt("%.2f s", e.fitSeconds) << "</td></tr>\n"
      << "<tr><td>training / calibration images</td><td>" << e.trainImages << " / " << calibrationCell(e) << "</td></tr>\n"
      << "<tr><td>detect, per test image</td><td>" << fmt("%.1f ms", e.msPerImage) << "</td></tr>\n"
      << "<tr><td>evaluation of " << e.items.size() << " test images (with metrics)</td><td>" << fmt("%.2f s", e.evalSeconds)
      << "</td></tr>\n</table>\n<p class=\"muted\">fit is 0 when a model file was evaluated.</p>\n</section>\n";

    h << "<section><h2>Configuration</h2>\n" << paramsTable(detector->getParams()) << "</section>\n";
    h << "<section><h2>Files</h2>\n<p><a href=\"metrics.json\">metrics.json</a> (every metric) &middot; "
         "<a href=\"scores.csv\">scores.csv</a> (every test image with its score and components)</p>\n</section>\n";
    h << pageTail();
    writeTextAtomic(dir + "/index.html", h.str());
}

void writeHtmlIndex(const std::string& dir, const std::vector<Evaluation>& results, const cv::uniSLAD::Params& params)
{
    std::vector<const Evaluation*> rows;
    for (const Evaluation& e : results)
        rows.push_back(&e);
    std::ostringstream h;
    h << pageHead("UniSLAD evaluation report", "UniSLAD for OpenCV " + esc(cv::uniSLAD::getVersionString()) + " &middot; " +
                                                   std::to_string(results.size()) + " categor" + (results.size() == 1 ? "y" : "ies"));
    h << "<section><h2>Image AUROC: logical and structural anomalies</h2>\n" << summaryTable(rows, true) << "</section>\n";
    h << "<section><h2>Categories</h2>\n<div class=\"thumbs\">\n";
    for (const Evaluation& e : results)
        h << "<a href=\"" << esc(e.category) << "/index.html\"><img src=\"" << esc(e.category) << "/roc.png\" alt=\"ROC of "
          << esc(e.category) << "\" width=\"640\" height=\"480\">" << esc(e.category) << "</a>\n";
    h << "</div>\n</section>\n";
    h << "<section><h2>Timings</h2>\n<table>\n<tr><th>category</th><th>fit</th><th>train / calibration images</th>"
         "<th>detect per image</th><th>evaluation</th></tr>\n";
    for (const Evaluation& e : results)
        h << "<tr><td>" << esc(e.category) << "</td><td>" << fmt("%.2f s", e.fitSeconds) << "</td><td>" << e.trainImages << " / "
          << calibrationCell(e) << "</td><td>" << fmt("%.1f ms", e.msPerImage) << "</td><td>" << fmt("%.2f s", e.evalSeconds)
          << "</td></tr>\n";
    h << "</table>\n</section>\n";
    h << "<section><h2>Configuration</h2>\n" << paramsTable(params) << "</section>\n";
    h << pageTail();
    writeTextAtomic(dir + "/index.html", h.str());
}

} // namespace cli
} // namespace unislad
