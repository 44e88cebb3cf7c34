// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// `unislad detect`: scores an image or every file of a folder with a fitted model: a verdict per image
// on stdout, scores.csv and results.json (with each image's anomalous regions) in the output folder,
// binary defect masks with --masks, heat-map overlays with --heatmaps.
// One image never aborts a run: a file that fails any step (decode, checks, scoring, heat map) is
// reported on stderr ("skipping <path>: <why>"), listed in results.json's errors, and the run goes
// on. The result files are written on every exit path once scoring has started, also when stdout is
// a closed pipe, and every output path is checked before the first image is scored.
#include "cli_common.hpp"
#include "dataset.hpp"
#include "heatmap_figure.hpp"
#include "output_files.hpp"
#include "plots.hpp"
#include "progress.hpp"
#include "report.hpp"
#include "threshold_text.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace unislad {
namespace cli {

namespace {

const char* const kDetectKeys =
    "{help h ?        |           | print this help}"
    "{model m         |<none>     | a model file written by 'unislad fit' (or UniSLAD::save)}"
    "{input i         |<none>     | an image, or a folder: every file in it (not in sub-folders) is scored}"
    "{out o           |<none>     | output folder: scores.csv, results.json, heatmaps/ with --heatmaps, masks/ with --masks}"
    "{heatmaps        |           | write heat-map overlays into OUT/heatmaps/: the anomaly map blended on the image on one "
    "colour scale tied to the model's pixel threshold (the same colour for the same value in every run), a colour bar "
    "with the threshold marked, the predicted mask's outline in magenta}"
    "{masks           |           | write each image's predicted defect mask (anomaly map > pixel threshold; 0 or 255, "
    "the input's size) into OUT/masks/ as PNG}"
    "{threshold       |<optional> | this run's decision threshold instead of the model's (the model file is not changed; README, \"Choosing the threshold\")}"
    "{threads         |0          | worker threads, 0 to 1024 (0: all cores)}"
    "{quiet q         |           | no progress bar and no line per image}";

std::string num(double v)
{
    if (v != v)
        return "null";
    char b[32];
    std::snprintf(b, sizeof(b), "%.9g", v);
    return b;
}

/** The files to score: the input itself, or every regular, non-hidden file of the folder (sorted). */
std::vector<std::string> inputFiles(const std::string& input)
{
    std::error_code ec;
    const fs::file_status st = fs::status(input, ec);
    if (ec || !fs::exists(st))
        CV_Error(cv::Error::StsError, "--input: '" + input + "': " +
                 (st.type() == fs::file_type::not_found || !ec ? std::string("no such file or folder") : ec.message()));
    if (!fs::is_directory(st)) {
        const std::string odd = notRegularFile(input);
        if (!odd.empty())   // a named pipe would block the image decoder
            CV_Error(cv::Error::StsError, "--input: '" + input + "': expected an image file or a folder, found " + odd);
        return { input };
    }
    std::vector<std::string> files;
    for (fs::directory_iterator it(input, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (!name.empty() && name[0] != '.' && !it->is_directory(ec))
            files.push_back(it->path().string());
    }
    if (ec)
        CV_Error(cv::Error::StsError, "--input: cannot list '" + input + "': " + ec.message());
    std::sort(files.begin(), files.end());
    if (files.empty())
        CV_Error(cv::Error::StsError, "--input: '" + input + "' holds no files");
    return files;
}

struct Scored
{
    std::string path, heatmap, mask;   //!< heatmap, mask: relative to --out; empty when none was written
    cv::uniSLAD::Result result;        //!< without its anomaly map (freed once used)
    std::vector<cv::uniSLAD::AnomalyRegion> regions;   //!< of anomalyMap > pixel threshold
    double heatmapScale = 1;           //!< the heat map's size over the input's (< 1: reduced)
};

struct Failure
{
    std::string path, stage, why;   //!< stage: "read" (decode and checks), "score", "mask", "heat map"
};

/** The message of any exception, without cv::Exception's source location. */
std::string reason(const std::exception& e)
{
    const cv::Exception* cvError = dynamic_cast<const cv::Exception*>(&e);
    return cvError ? cvError->err : std::string(e.what());
}

/** OUT-relative file names in `folder` ("heatmaps", "masks"), one per input file, unique ("a.png",
    "a_2.png", ...): fixed before scoring, so that they can be checked up front and do not depend on
    which files fail. */
std::vector<std::string> outputNames(const std::vector<std::string>& files, const std::string& folder)
{
    std::set<std::string> used;
    std::vector<std::string> names;
    for (const std::string& f : files) {
        const std::string stem = fs::path(f).stem().string();
        std::string name = stem;
        for (int k = 2; used.count(name); ++k)
            name = stem + "_" + std::to_string(k);
        used.insert(name);
        names.push_back(folder + "/" + name + ".png");
    }
    return names;
}

/** Refuses outputs that would replace an input file (--out inside the input folder, say) or that
    cannot be written; before any image is scored. */
void checkOutputs(const std::vector<std::string>& outputs, const std::vector<std::string>& inputs)
{
    std::set<std::string> inputSet;
    std::error_code ec;
    for (const std::string& in : inputs) {
        const fs::path c = fs::weakly_canonical(in, ec);
        inputSet.insert(ec ? in : c.string());
    }
    for (const std::string& out : outputs) {
        checkOutputFile(out, "--out");
        const fs::path c = fs::weakly_canonical(followLinks(out), ec);
        if (!ec && inputSet.count(c.string()))
            CV_Error(cv::Error::StsError, "--out: '" + out + "' is one of the input files; refusing to replace it "
                                          "(choose another --out)");
    }
}

std::string scoresCsv(const std::vector<Scored>& scored, bool heatmaps)
{
    std::ostringstream csv;
    // Columns: README, "Command line" (score and threshold raw, normalized_score on the scale where the
    // threshold is 1; the components raw distances except patch_score and image_score, as fused).
    csv << "path,score,verdict,threshold,normalized_score,patch_local,patch_global,class_weight,patch_score,image_local,"
           "image_global,image_class,image_score" << (heatmaps ? ",heatmap" : "") << "\n";
    for (const Scored& s : scored) {
        const cv::uniSLAD::Result& r = s.result;
        csv << csvField(s.path) << "," << num(r.score) << "," << (r.isAnomaly ? "anomaly" : "good") << "," << num(r.threshold)
            << "," << num(r.normalizedScore) << "," << num(r.patchLocal) << "," << num(r.patchGlobal) << "," << num(r.classWeight) << "," << num(r.patchScore)
            << "," << num(r.imageLocal) << "," << num(r.imageGlobal) << "," << num(r.imageClass) << "," << num(r.imageScore)
            << (heatmaps ? "," + csvField(s.heatmap) : std::string()) << "\n";
    }
    return csv.str();
}

/** An image's regions as a JSON array: [{"box": [x, y, w, h], "area": n, "peak": v, "peak_at": [x, y]}]. */
std::string regionsJson(const std::vector<cv::uniSLAD::AnomalyRegion>& regions)
{
    std::ostringstream json;
    json << "[";
    for (size_t i = 0; i < regions.size(); ++i) {
        const cv::uniSLAD::AnomalyRegion& g = regions[i];
        json << (i ? ", " : "") << "{\"box\": [" << g.box.x << ", " << g.box.y << ", " << g.box.width << ", "
             << g.box.height << "], \"area\": " << g.area << ", \"peak\": " << num(g.peak) << ", \"peak_at\": ["
             << g.peakLocation.x << ", " << g.peakLocation.y << "]}";
    }
    json << "]";
    return json.str();
}

std::string resultsJson(const std::string& modelPath, float threshold, const cv::uniSLAD::ThresholdRule& rule,
                        float pixelThreshold, size_t files,
                        const std::vector<Scored>& scored, const std::vector<Failure>& errors, size_t skipped,
                        double detectSeconds, bool heatmaps, bool masks)
{
    size_t anomalous = 0;
    std::ostringstream json;
    json << "{\n  " << jsonNameFields("model", modelPath) << ",\n  \"threshold\": " << num(threshold)
         << ",\n  \"threshold_rule\": {\"name\": " << jsonString(rule.name()) << ", \"description\": "
         << jsonString(rule.describe()) << "},\n  \"pixel_threshold\": " << num(pixelThreshold) << ",\n  \"images\": [";
    for (size_t i = 0; i < scored.size(); ++i) {
        const Scored& s = scored[i];
        const cv::uniSLAD::Result& r = s.result;
        anomalous += r.isAnomaly ? 1 : 0;
        json << (i ? ",\n" : "\n") << "    {" << jsonNameFields("path", s.path) << ", \"score\": " << num(r.score)
             << ", \"verdict\": \"" << (r.isAnomaly ? "anomaly" : "good") << "\", \"is_anomaly\": "
             << (r.isAnomaly ? "true" : "false") << ", \"threshold\": " << num(r.threshold)
             << ", \"normalized_score\": " << num(r.normalizedScore)
             << ", \"components\": {\"patch_local\": " << num(r.patchLocal) << ", \"patch_global\": " << num(r.patchGlobal)
             << ", \"class_weight\": " << num(r.classWeight) << ", \"patch_score\": " << num(r.patchScore)
             << ", \"image_local\": " << num(r.imageLocal) << ", \"image_global\": " << num(r.imageGlobal)
             << ", \"image_class\": " << num(r.imageClass) << ", \"image_score\": " << num(r.imageScore) << "}";
        json << ", \"regions\": " << regionsJson(s.regions);
        if (masks)
            json << ", " << (s.mask.empty() ? std::string("\"mask\": null") : jsonNameFields("mask", s.mask));
        if (heatmaps) {
            json << ", " << (s.heatmap.empty() ? std::string("\"heatmap\": null") : jsonNameFields("heatmap", s.heatmap));
            if (!s.heatmap.empty())
                json << ", \"heatmap_scale\": " << num(s.heatmapScale);
        }
        json << "}";
    }
    json << "\n  ],\n  \"errors\": [";
    for (size_t i = 0; i < errors.size(); ++i)
        json << (i ? ",\n" : "\n") << "    {" << jsonNameFields("path", errors[i].path) << ", \"stage\": "
             << jsonString(errors[i].stage) << ", \"error\": " << jsonString(errors[i].why) << "}";
    json << (errors.empty() ? "" : "\n  ") << "],\n  \"summary\": {\"files\": " << files << ", \"scored\": " << scored.size()
         << ", \"anomalous\": " << anomalous << ", \"unreadable\": " << skipped << ", \"errors\": " << errors.size()
         << ", \"detect_ms_per_image\": " << (scored.empty() ? std::string("null") : num(1000.0 * detectSeconds / scored.size()))
         << "}\n}\n";
    return json.str();
}

} // namespace

int runDetect(int argc, const char* const argv[])
{
    Options opts(argc, argv, kDetectKeys, "Scores images with a fitted UniSLAD model.");
    if (opts.done())
        return opts.exitCode();
    for (const char* required : { "model", "input", "out" })
        if (!opts.parser().has(required))
            return opts.usageError(std::string("missing --") + required);
    long long threads = 0;
    if (!parseInteger(opts.text("threads"), 0, 1024, threads))
        return opts.usageError(badValue("threads", "an integer 0 to 1024 (0: all cores)", opts.text("threads")));
    const std::string modelPath = opts.value("model"), input = opts.value("input"), outDir = opts.value("out");
    const bool heatmaps = opts.parser().has("heatmaps"), masks = opts.parser().has("masks"), quiet = opts.parser().has("quiet");
    bool hasThreshold = false;
    float threshold = 0;
    std::string error;
    if (!thresholdOption(opts, hasThreshold, threshold, error))
        return opts.usageError(error);
    if (threads > 0)
        cv::setNumThreads((int)threads);

    const std::vector<std::string> files = inputFiles(input);
    // Every output path, checked before the model is loaded and any image scored.
    prepareOutputFolder(outDir, "--out");
    const std::string csvPath = (fs::path(outDir) / "scores.csv").string(), jsonPath = (fs::path(outDir) / "results.json").string();
    const std::vector<std::string> heatNames = heatmaps ? outputNames(files, "heatmaps") : std::vector<std::string>();
    const std::vector<std::string> maskNames = masks ? outputNames(files, "masks") : std::vector<std::string>();
    std::vector<std::string> outputs = { csvPath, jsonPath };
    for (const auto& kind : { std::make_pair("heatmaps", &heatNames), std::make_pair("masks", &maskNames) }) {
        if (kind.second->empty())
            continue;
        prepareOutputFolder((fs::path(outDir) / kind.first).string(), "--out");
        for (const std::string& n : *kind.second)
            outputs.push_back((fs::path(outDir) / n).string());
    }
    checkOutputs(outputs, files);
    cv::Ptr<cv::uniSLAD::UniSLAD> detector = cv::uniSLAD::UniSLAD::load(modelPath);
    if (hasThreshold)
        detector->setThreshold(threshold);   // this run only: the model file is not written

    std::vector<Scored> scored;
    std::vector<Failure> errors;
    size_t skipped = 0;
    double detectSeconds = 0;
    bool written = false;
    auto writeResults = [&]() {
        written = true;
        writeOutputFile(csvPath, scoresCsv(scored, heatmaps));
        writeOutputFile(jsonPath, resultsJson(modelPath, detector->getThreshold(), detector->getThresholdRule(),
                                              detector->getPixelThreshold(), files.size(), scored, errors, skipped,
                                              detectSeconds, heatmaps, masks));
    };
    try {
        Progress progress("detect", quiet);
        const cv::Mat roi = detector->getParams().roi;
        // The heat map of a scored image (its map still held); a failure is reported and the image kept.
        auto writeHeatmap = [&](const cv::Mat& image, Scored& s, const std::string& name) {
            try {
                char line[200];
                std::snprintf(line, sizeof(line), "score %.3f %s 1 (raw %.3f): %s; %zu region(s) above %.3f",
                              s.result.normalizedScore, s.result.isAnomaly ? ">" : "<=", s.result.score,
                              s.result.isAnomaly ? "ANOMALY" : "good", s.regions.size(), s.result.pixelThreshold);
                // A model with a region of interest: its outline, where the map may be non-zero.
                const HeatmapFigure fig = thresholdHeatmap(image, s.result.anomalyMap, roi, s.result.pixelThreshold,
                                                           { fs::path(s.path).filename().string(), line });
                writeOutputPng((fs::path(outDir) / name).string(), fig.image);
                s.heatmap = name;
                s.heatmapScale = fig.scale;
                if (fig.scale < 1 && !quiet) {
                    progress.finish();
                    printOut("%s: heat map reduced to %.1f %% of the image's size (%d x %d shown of %d x %d)\n",
                             s.path.c_str(), 100.0 * fig.scale, (int)std::lround(image.cols * fig.scale),
                             (int)std::lround(image.rows * fig.scale), image.cols, image.rows);
                }
            } catch (const std::exception& e) {
                progress.finish();
                std::cerr << "skipping the heat map of " << s.path << ": " << reason(e) << "\n";
                errors.push_back({ s.path, "heat map", reason(e) });
            }
        };
        for (size_t i = 0; i < files.size(); ++i) {
            Scored s;
            s.path = files[i];
            const char* stage = "read";
            try {
                cv::Mat image;
                std::string why;
                if (!readImage(files[i], image, why))
                    throw cv::Exception(cv::Error::StsError, why, "", "", 0);
                stage = "score";
                const auto t0 = std::chrono::steady_clock::now();
                s.result = detector->detect(image);
                detectSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                s.regions = cv::uniSLAD::findAnomalyRegions(s.result.anomalyMap, s.result.pixelThreshold);
                // The mask and the heat map depend on this image and the model only, so they are made now;
                // a failure of either is reported and the image keeps its scores.
                if (masks) {
                    try {
                        writeOutputPng((fs::path(outDir) / maskNames[i]).string(), s.result.anomalyMap > s.result.pixelThreshold);
                        s.mask = maskNames[i];
                    } catch (const std::exception& e) {
                        progress.finish();
                        std::cerr << "skipping the mask of " << files[i] << ": " << reason(e) << "\n";
                        errors.push_back({ files[i], "mask", reason(e) });
                    }
                }
                if (heatmaps)
                    writeHeatmap(image, s, heatNames[i]);
                s.result.anomalyMap.release();
            } catch (const std::exception& e) {
                progress.finish();
                std::cerr << "skipping " << files[i] << ": " << reason(e) << "\n";
                errors.push_back({ files[i], stage, reason(e) });
                ++skipped;
                progress.update("images", (int)i + 1, (int)files.size());
                continue;
            }
            if (!quiet) {
                progress.finish();
                // The normalised score first (threshold 1 for every model), the raw one beside it.
                printOut("%s: %s (score %.3f, threshold 1; raw %.4f, raw threshold %.4f)\n", s.path.c_str(),
                         s.result.isAnomaly ? "ANOMALY" : "good", s.result.normalizedScore, s.result.score, s.result.threshold);
            }
            scored.push_back(s);
            progress.update("images", (int)i + 1, (int)files.size());
        }
        progress.finish();
        if (scored.empty()) {
            writeResults();
            CV_Error(cv::Error::StsError, "--input: no readable image in '" + input + "' (" + std::to_string(skipped) +
                     " file(s) could not be read or scored; see " + jsonPath + ")");
        }

        writeResults();
    } catch (...) {
        // Whatever stopped the run, the images already scored are not lost (unless writing is what failed).
        if (!written) {
            try {
                writeResults();
            } catch (const std::exception& e) {
                std::cerr << "unislad detect: error: " << reason(e) << "\n";
            }
        }
        throw;
    }

    size_t anomalous = 0;
    for (const Scored& s : scored)
        anomalous += s.result.isAnomaly ? 1 : 0;
    const std::string heatmapFailures =
        errors.size() > skipped ? ", " + std::to_string(errors.size() - skipped) + " heat map(s) or mask(s) failed" : std::string();
    printOut("detect: %zu image(s) scored, %zu anomalous, %zu unreadable (skipped)%s; %.1f ms per image; results in %s\n",
             scored.size(), anomalous, skipped, heatmapFailures.c_str(), 1000.0 * detectSeconds / scored.size(), outDir.c_str());
    printOut("detect: threshold %s\n", thresholdWithRule(detector->getThreshold(), detector->getThresholdRule()).c_str());
    return kExitOk;
}

} // namespace cli
} // namespace unislad
