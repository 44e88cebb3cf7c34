// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// `unislad detect`: scores an image or every file of a folder with a fitted model: a verdict per image
// on stdout, scores.csv and results.json in the output folder, heat-map overlays with --heatmaps.
// One image never aborts a run: a file that fails any step (decode, checks, scoring, heat map) is
// reported on stderr ("skipping <path>: <why>"), listed in results.json's errors, and the run goes
// on. The result files are written on every exit path once scoring has started, also when stdout is
// a closed pipe, and every output path is checked before the first image is scored.
#include "cli_common.hpp"
#include "dataset.hpp"
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
    "{out o           |<none>     | output folder: scores.csv, results.json, and heatmaps/ with --heatmaps}"
    "{heatmaps        |           | write heat-map overlays (anomaly map blended on the image) into OUT/heatmaps/}"
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
    std::string path, heatmap;   //!< heatmap: relative to --out; empty when none was written
    cv::uniSLAD::Result result;
    cv::Mat smallMap;  //!< the anomaly map at most 128 px on a side (colour range of the overlays)
};

struct Failure
{
    std::string path, stage, why;   //!< stage: "read" (decode and checks), "score", "heat map"
};

/** The message of any exception, without cv::Exception's source location. */
std::string reason(const std::exception& e)
{
    const cv::Exception* cvError = dynamic_cast<const cv::Exception*>(&e);
    return cvError ? cvError->err : std::string(e.what());
}

/** OUT-relative heat-map file names, one per input file, unique ("a.png", "a_2.png", ...): fixed
    before scoring, so that they can be checked up front and do not depend on which files fail. */
std::vector<std::string> heatmapNames(const std::vector<std::string>& files)
{
    std::set<std::string> used;
    std::vector<std::string> names;
    for (const std::string& f : files) {
        const std::string stem = fs::path(f).stem().string();
        std::string name = stem;
        for (int k = 2; used.count(name); ++k)
            name = stem + "_" + std::to_string(k);
        used.insert(name);
        names.push_back("heatmaps/" + name + ".png");
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

std::string resultsJson(const std::string& modelPath, float threshold, const cv::uniSLAD::ThresholdRule& rule, size_t files, const std::vector<Scored>& scored,
                        const std::vector<Failure>& errors, size_t skipped, double detectSeconds, bool heatmaps)
{
    size_t anomalous = 0;
    std::ostringstream json;
    json << "{\n  " << jsonNameFields("model", modelPath) << ",\n  \"threshold\": " << num(threshold)
         << ",\n  \"threshold_rule\": {\"name\": " << jsonString(rule.name()) << ", \"description\": "
         << jsonString(rule.describe()) << "},\n  \"images\": [";
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
        if (heatmaps)
            json << ", " << (s.heatmap.empty() ? std::string("\"heatmap\": null") : jsonNameFields("heatmap", s.heatmap));
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
    const bool heatmaps = opts.parser().has("heatmaps"), quiet = opts.parser().has("quiet");
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
    const std::vector<std::string> heatNames = heatmaps ? heatmapNames(files) : std::vector<std::string>();
    std::vector<std::string> outputs = { csvPath, jsonPath };
    if (heatmaps) {
        prepareOutputFolder((fs::path(outDir) / "heatmaps").string(), "--out");
        for (const std::string& n : heatNames)
            outputs.push_back((fs::path(outDir) / n).string());
    }
    checkOutputs(outputs, files);
    cv::Ptr<cv::uniSLAD::UniSLAD> detector = cv::uniSLAD::UniSLAD::load(modelPath);
    if (hasThreshold)
        detector->setThreshold(threshold);   // this run only: the model file is not written

    std::vector<Scored> scored;
    std::vector<size_t> scoredIndex;   // the position of scored[k] in files
    std::vector<Failure> errors;
    size_t skipped = 0;
    double detectSeconds = 0;
    bool written = false;
    auto writeResults = [&]() {
        written = true;
        writeOutputFile(csvPath, scoresCsv(scored, heatmaps));
        writeOutputFile(jsonPath, resultsJson(modelPath, detector->getThreshold(), detector->getThresholdRule(), files.size(), scored, errors, skipped,
                                              detectSeconds, heatmaps));
    };
    try {
        Progress progress("detect", quiet);
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
                if (heatmaps) {
                    // The size by hand: cv::resize's own rounding gives 0 rows for 2048 x 8 (f = 1/16).
                    const double f = std::min(1.0, 128.0 / std::max(image.cols, image.rows));
                    const cv::Size small(std::max(1, (int)std::lround(image.cols * f)), std::max(1, (int)std::lround(image.rows * f)));
                    const cv::Mat& map = s.result.anomalyMap;
                    cv::resize(map, s.smallMap, small, 0, 0, cv::INTER_AREA);
                }
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
            scoredIndex.push_back(i);
            progress.update("images", (int)i + 1, (int)files.size());
        }
        progress.finish();
        if (scored.empty()) {
            writeResults();
            CV_Error(cv::Error::StsError, "--input: no readable image in '" + input + "' (" + std::to_string(skipped) +
                     " file(s) could not be read or scored; see " + jsonPath + ")");
        }

        if (heatmaps) {
            // One colour range for the whole run, so that overlays of different images compare.
            std::vector<cv::Mat> maps;
            for (const Scored& s : scored)
                maps.push_back(s.smallMap);
            float lo = 0, hi = 1;
            heatmapRange(maps, lo, hi);
            Progress overlays("heat maps", quiet);
            for (size_t i = 0; i < scored.size(); ++i) {
                Scored& s = scored[i];
                const std::string name = heatNames[scoredIndex[i]];
                try {
                    cv::Mat image;
                    std::string why;
                    if (!readImage(s.path, image, why))
                        CV_Error(cv::Error::StsError, "cannot read it again: " + why);
                    // The full-resolution map again (the small one only set the range).
                    const cv::Mat map = detector->detect(image).anomalyMap;
                    char line[160];
                    std::snprintf(line, sizeof(line), "score %.3f %s 1 (raw %.3f): %s", s.result.normalizedScore,
                                  s.result.isAnomaly ? ">" : "<=", s.result.score, s.result.isAnomaly ? "ANOMALY" : "good");
                    // A model with a region of interest: its outline, where the map may be non-zero.
                    const cv::Mat overlay = heatmapOverlay(image, map, detector->getParams().roi, lo, hi,
                                                           { fs::path(s.path).filename().string(), line },
                                                           std::max(256, std::min(1024, std::max(image.cols, image.rows))));
                    writeOutputPng((fs::path(outDir) / name).string(), overlay);
                    s.heatmap = name;
                } catch (const std::exception& e) {
                    overlays.finish();
                    std::cerr << "skipping the heat map of " << s.path << ": " << reason(e) << "\n";
                    errors.push_back({ s.path, "heat map", reason(e) });
                }
                overlays.update("overlays", (int)i + 1, (int)scored.size());
            }
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
        errors.size() > skipped ? ", " + std::to_string(errors.size() - skipped) + " heat map(s) failed" : std::string();
    printOut("detect: %zu image(s) scored, %zu anomalous, %zu unreadable (skipped)%s; %.1f ms per image; results in %s\n",
             scored.size(), anomalous, skipped, heatmapFailures.c_str(), 1000.0 * detectSeconds / scored.size(), outDir.c_str());
    printOut("detect: threshold %s\n", thresholdWithRule(detector->getThreshold(), detector->getThresholdRule()).c_str());
    return kExitOk;
}

} // namespace cli
} // namespace unislad
