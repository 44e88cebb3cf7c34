// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// `unislad detect`: scores an image or every file of a folder with a fitted model: a verdict per image
// on stdout, scores.csv and results.json in the output folder, heat-map overlays with --heatmaps.
// Files that cannot be read are reported on stderr, listed in results.json and skipped.
#include "cli_common.hpp"
#include "dataset.hpp"
#include "plots.hpp"
#include "progress.hpp"
#include "report.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
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

std::string jsonString(const std::string& s)
{
    std::string o = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            o += '\\';
            o += (char)c;
        } else if (c < 0x20) {
            char b[8];
            std::snprintf(b, sizeof(b), "\\u%04x", c);
            o += b;
        } else {
            o += (char)c;
        }
    }
    return o + "\"";
}

std::string csvField(const std::string& s)
{
    if (s.find_first_of(",\"\n\r") == std::string::npos)
        return s;
    std::string o = "\"";
    for (char c : s)
        o += c == '"' ? std::string("\"\"") : std::string(1, c);
    return o + "\"";
}

/** The files to score: the input itself, or every regular, non-hidden file of the folder (sorted). */
std::vector<std::string> inputFiles(const std::string& input)
{
    std::error_code ec;
    const fs::file_status st = fs::status(input, ec);
    if (ec || !fs::exists(st))
        CV_Error(cv::Error::StsError, "--input: '" + input + "': " + (ec ? ec.message() : std::string("no such file or folder")));
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
    std::string path, heatmap;
    cv::uniSLAD::Result result;
    cv::Mat smallMap;  //!< the anomaly map at most 128 px on a side (colour range of the overlays)
};

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
    if (threads > 0)
        cv::setNumThreads((int)threads);

    const std::vector<std::string> files = inputFiles(input);
    cv::Ptr<cv::uniSLAD::UniSLAD> detector = cv::uniSLAD::UniSLAD::load(modelPath);
    std::error_code ec;
    fs::create_directories(fs::path(outDir) / (heatmaps ? "heatmaps" : ""), ec);
    if (ec)
        CV_Error(cv::Error::StsError, "--out: cannot create folder '" + outDir + "': " + ec.message());

    std::vector<Scored> scored;
    std::vector<std::pair<std::string, std::string>> errors;
    Progress progress("detect", quiet);
    double detectSeconds = 0;
    for (size_t i = 0; i < files.size(); ++i) {
        cv::Mat image;
        std::string why;
        if (!readImage(files[i], image, why)) {
            progress.finish();
            std::cerr << "skipping " << files[i] << ": " << why << "\n";
            errors.push_back({ files[i], why });
            progress.update("images", (int)i + 1, (int)files.size());
            continue;
        }
        Scored s;
        s.path = files[i];
        const auto t0 = std::chrono::steady_clock::now();
        try {
            s.result = detector->detect(image);
        } catch (const cv::Exception& e) {
            progress.finish();
            std::cerr << "skipping " << files[i] << ": " << e.err << "\n";
            errors.push_back({ files[i], e.err });
            continue;
        }
        detectSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (heatmaps) {
            const double f = std::min(1.0, 128.0 / std::max(image.cols, image.rows));
            cv::resize(s.result.anomalyMap, s.smallMap, cv::Size(), f, f, cv::INTER_AREA);
        }
        s.result.anomalyMap.release();
        if (!quiet) {
            progress.finish();
            std::printf("%s: %s (score %.4f, threshold %.4f)\n", s.path.c_str(), s.result.isAnomaly ? "ANOMALY" : "good",
                        s.result.score, s.result.threshold);
            std::fflush(stdout);
        }
        scored.push_back(s);
        progress.update("images", (int)i + 1, (int)files.size());
    }
    progress.finish();
    if (scored.empty())
        CV_Error(cv::Error::StsError, "--input: no readable image in '" + input + "' (" + std::to_string(errors.size()) +
                 " file(s) could not be read)");

    if (heatmaps) {
        // One colour range for the whole run, so that overlays of different images compare.
        std::vector<cv::Mat> maps;
        for (const Scored& s : scored)
            maps.push_back(s.smallMap);
        float lo = 0, hi = 1;
        heatmapRange(maps, lo, hi);
        std::set<std::string> used;
        Progress overlays("heat maps", quiet);
        for (size_t i = 0; i < scored.size(); ++i) {
            Scored& s = scored[i];
            std::string name = fs::path(s.path).stem().string();
            for (int k = 2; used.count(name); ++k)
                name = fs::path(s.path).stem().string() + "_" + std::to_string(k);
            used.insert(name);
            s.heatmap = "heatmaps/" + name + ".png";
            cv::Mat image;
            std::string why;
            if (!readImage(s.path, image, why))
                CV_Error(cv::Error::StsError, "cannot read '" + s.path + "' again: " + why);
            // The full-resolution map again (the small one only set the range).
            const cv::Mat map = detector->detect(image).anomalyMap;
            char line[160];
            std::snprintf(line, sizeof(line), "score %.3f %s %.3f: %s", s.result.score, s.result.isAnomaly ? ">" : "<=",
                          s.result.threshold, s.result.isAnomaly ? "ANOMALY" : "good");
            const cv::Mat overlay = heatmapOverlay(image, map, cv::Mat(), lo, hi, { fs::path(s.path).filename().string(), line },
                                                   std::max(256, std::min(1024, std::max(image.cols, image.rows))));
            const std::string target = (fs::path(outDir) / s.heatmap).string();
            if (!cv::imwrite(target, overlay))
                CV_Error(cv::Error::StsError, "cannot write '" + target + "'");
            overlays.update("overlays", (int)i + 1, (int)scored.size());
        }
    }

    size_t anomalous = 0;
    std::ostringstream csv, json;
    csv << "path,score,verdict,threshold,patch_local,patch_global,class_weight,patch_score,image_local,image_global,"
           "image_class,image_score" << (heatmaps ? ",heatmap" : "") << "\n";
    json << "{\n  \"model\": " << jsonString(modelPath) << ",\n  \"threshold\": " << num(detector->getThreshold())
         << ",\n  \"images\": [";
    for (size_t i = 0; i < scored.size(); ++i) {
        const Scored& s = scored[i];
        const cv::uniSLAD::Result& r = s.result;
        anomalous += r.isAnomaly ? 1 : 0;
        const char* verdict = r.isAnomaly ? "anomaly" : "good";
        csv << csvField(s.path) << "," << num(r.score) << "," << verdict << "," << num(r.threshold) << "," << num(r.patchLocal)
            << "," << num(r.patchGlobal) << "," << num(r.classWeight) << "," << num(r.patchScore) << "," << num(r.imageLocal)
            << "," << num(r.imageGlobal) << "," << num(r.imageClass) << "," << num(r.imageScore)
            << (heatmaps ? "," + csvField(s.heatmap) : std::string()) << "\n";
        json << (i ? ",\n" : "\n") << "    {\"path\": " << jsonString(s.path) << ", \"score\": " << num(r.score)
             << ", \"verdict\": \"" << verdict << "\", \"is_anomaly\": " << (r.isAnomaly ? "true" : "false")
             << ", \"threshold\": " << num(r.threshold) << ", \"components\": {\"patch_local\": " << num(r.patchLocal)
             << ", \"patch_global\": " << num(r.patchGlobal) << ", \"class_weight\": " << num(r.classWeight)
             << ", \"patch_score\": " << num(r.patchScore) << ", \"image_local\": " << num(r.imageLocal)
             << ", \"image_global\": " << num(r.imageGlobal) << ", \"image_class\": " << num(r.imageClass)
             << ", \"image_score\": " << num(r.imageScore) << "}"
             << (heatmaps ? ", \"heatmap\": " + jsonString(s.heatmap) : std::string()) << "}";
    }
    json << "\n  ],\n  \"errors\": [";
    for (size_t i = 0; i < errors.size(); ++i)
        json << (i ? ",\n" : "\n") << "    {\"path\": " << jsonString(errors[i].first) << ", \"error\": " << jsonString(errors[i].second) << "}";
    json << (errors.empty() ? "" : "\n  ") << "],\n  \"summary\": {\"files\": " << files.size() << ", \"scored\": " << scored.size()
         << ", \"anomalous\": " << anomalous << ", \"unreadable\": " << errors.size() << ", \"detect_ms_per_image\": "
         << num(1000.0 * detectSeconds / scored.size()) << "}\n}\n";
    writeTextAtomic((fs::path(outDir) / "scores.csv").string(), csv.str());
    writeTextAtomic((fs::path(outDir) / "results.json").string(), json.str());

    std::printf("detect: %zu image(s) scored, %zu anomalous, %zu unreadable (skipped); %.1f ms per image; results in %s\n",
                scored.size(), anomalous, errors.size(), 1000.0 * detectSeconds / scored.size(), outDir.c_str());
    return kExitOk;
}

} // namespace cli
} // namespace unislad
