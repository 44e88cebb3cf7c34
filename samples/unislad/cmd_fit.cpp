// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// `unislad fit`: fits a detector on a folder of nominal images (calibrating on another folder, or on a
// seeded hold-out of the training images) and writes the model file; with --append, adds a folder of
// nominal images to an existing model instead (UniSLAD::update).
#include "cli_common.hpp"
#include "dataset.hpp"
#include "detector_options.hpp"
#include "output_files.hpp"
#include "progress.hpp"
#include "threshold_text.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace fs = std::filesystem;

namespace unislad {
namespace cli {

namespace {

const std::string kFitKeys = std::string(
    "{help h ?        |           | print this help}"
    "{train t         |<optional> | folder of nominal training images (e.g. a category's train/good)}"
    "{append          |<optional> | instead of --train: a folder of more nominal images to add to the existing --model, which keeps its parameters (the detector options do not apply)}"
    "{calib           |<optional> | folder of nominal calibration images (e.g. validation/good); default: a seeded 20 % hold-out of --train (below 50 images: each held out once)}"
    "{model m         |<none>     | the model file to write; an existing file there must be a model file (a symbolic link: the file it points to is replaced)}"
    "{roi             |<optional> | region of interest: a mask image (white inside, black outside) of the images' shape; only what lies inside counts (patch scores, image-level features, the anomaly map), and the model keeps it}"
    "{threshold       |<optional> | the model's decision threshold instead of the automatic one (an image is anomalous when its score is above it; README, \"Choosing the threshold\"); also with --append}"
    "{force           |           | replace --model even when it is not a model file}"
    "{reference-backbones |       | the model records the backbones' manifest paths and SHA-256 instead of holding them (a smaller file for many models sharing one backbone; detect then needs the backbone files at the recorded path or in --model-dir/$UNISLAD_MODEL_DIR). Default: the model file holds them and is enough on its own}"
    "{quiet q         |           | no progress bar}") + kDetectorKeys;

/** The images of a folder; a missing folder or one without images is an error naming it. */
std::vector<std::string> imagesIn(const std::string& dir, const char* option)
{
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        CV_Error(cv::Error::StsError, std::string(option) + ": '" + dir + "' is not a folder");
    std::vector<std::string> paths = listImages(dir);
    if (paths.empty()) {
        std::string hint;
        if (fs::is_directory(fs::path(dir) / "train" / "good", ec))
            hint = " (a category folder? use '" + (fs::path(dir) / "train" / "good").string() + "')";
        CV_Error(cv::Error::StsError, std::string(option) + ": '" + dir + "' holds no images (png, jpg, jpeg, bmp, tif, tiff)" + hint);
    }
    return paths;
}

/** Too few images for fit() is an error that names the folder, the count and the minimum. */
void checkCount(const std::vector<std::string>& paths, int minimum, const std::string& dir, const char* option, const char* what)
{
    if ((int)paths.size() < minimum)
        CV_Error(cv::Error::StsError, cv::format("%s: '%s' holds %d image%s; fit needs at least %d %s (README, "
                                                 "\"How many images\")", option, dir.c_str(), (int)paths.size(),
                                                 paths.size() == 1 ? "" : "s", minimum, what));
}

/** "9.1 MB, backbones embedded": the model file's size and whether it holds its backbones. */
std::string sizeText(uintmax_t bytes, bool embedded)
{
    char b[32];
    if (bytes >= (1u << 20))
        std::snprintf(b, sizeof(b), "%.1f MB", bytes / 1048576.0);
    else
        std::snprintf(b, sizeof(b), "%.1f kB", bytes / 1024.0);
    return std::string(b) + (embedded ? ", backbones embedded" : ", backbones referenced");
}

/** The threshold and its rule; with --threshold, also the automatic one it replaced. */
void printThresholdLine(const cv::uniSLAD::UniSLAD& detector, float automatic, bool byHand)
{
    printOut("fit: threshold %s%s\n", thresholdWithRule(detector.getThreshold(), detector.getThresholdRule()).c_str(),
             byHand ? cv::format("; the automatic one was %.4g", automatic).c_str() : "");
}

/** `fit --append`: the model at modelPath with the images of dir added, written back atomically. */
int appendImages(const std::string& modelPath, const std::string& dir, bool quiet, bool hasThreshold, float threshold)
{
    std::error_code ec;
    if (!fs::exists(modelPath, ec))
        CV_Error(cv::Error::StsError, "--model: '" + modelPath + "' does not exist; --append adds images to a model "
                 "that fit --train wrote");
    const std::vector<std::string> paths = imagesIn(dir, "--append");
    const std::vector<cv::Mat> images = loadImages(paths);
    cv::Ptr<cv::uniSLAD::UniSLAD> detector = cv::uniSLAD::UniSLAD::load(modelPath);
    const int before = detector->getTrainingImageCount();
    const float oldThreshold = detector->getThreshold();
    const cv::uniSLAD::ThresholdRule oldRule = detector->getThresholdRule();
    const auto start = std::chrono::steady_clock::now();
    {
        Progress progress("update", quiet);
        detector->update(images, [&](const cv::String& stage, int done, int total) { progress.update(stage, done, total); });
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const float automatic = detector->getThreshold();
    if (hasThreshold)
        detector->setThreshold(threshold);
    detector->save(modelPath);
    printOut("fit: added %zu images to %d in %.1f s; threshold %.4g (was %.4g); model %s (%s)\n", images.size(), before,
              seconds, detector->getThreshold(), oldThreshold, modelPath.c_str(),
              sizeText(fs::file_size(modelPath, ec), detector->getParams().embedBackbones).c_str());
    printThresholdLine(*detector, automatic, hasThreshold);
    // update() recalibrates, which moves every score: a chosen threshold no longer fits them.
    if (!hasThreshold && oldRule.kind != cv::uniSLAD::THRESHOLD_CALIBRATION)
        std::cerr << "note: the threshold " << oldThreshold << " (" << oldRule.describe() << ") was replaced by the "
                     "automatic one: choose it again with 'unislad threshold' (README, \"Choosing the threshold\")\n";
    return kExitOk;
}

} // namespace

int runFit(int argc, const char* const argv[])
{
    Options opts(argc, argv, kFitKeys, "Fits UniSLAD on nominal images and writes a model file.");
    if (opts.done())
        return opts.exitCode();
    cv::uniSLAD::Params params;
    std::string error;
    if (!detectorParams(opts, params, error))
        return opts.usageError(error);
    if (!opts.parser().has("model"))
        return opts.usageError("missing --model");
    bool hasThreshold = false;
    float threshold = 0;
    if (!thresholdOption(opts, hasThreshold, threshold, error))
        return opts.usageError(error);
    if (!opts.value("append").empty()) {
        const std::string other = opts.firstGiven(std::string("{train}{calib}{roi}{force}{reference-backbones}") + kDetectorKeys);
        if (!other.empty())
            return opts.usageError("--append adds images to an existing model, which keeps its parameters: drop " + other);
        checkModelOutput(opts.value("model"), "--model", false);
        return appendImages(opts.value("model"), opts.value("append"), opts.parser().has("quiet"), hasThreshold, threshold);
    }
    if (opts.value("train").empty())
        return opts.usageError("missing --train (or --append to add images to an existing model)");
    const std::string trainDir = opts.value("train"), calibDir = opts.value("calib"), modelPath = opts.value("model");
    const bool quiet = opts.parser().has("quiet");

    // Fail on an unwritable destination, or one that is not a model (a training image, mistyped),
    // before the (long) fit, not after it.
    checkModelOutput(modelPath, "--model", opts.parser().has("force"));

    // Every image must be readable: the first that is not stops the command, naming it.
    const std::vector<std::string> trainPaths = imagesIn(trainDir, "--train");
    const std::vector<std::string> calibPaths = calibDir.empty() ? std::vector<std::string>() : imagesIn(calibDir, "--calib");
    checkCount(trainPaths, cv::uniSLAD::MIN_TRAINING_IMAGES, trainDir, "--train", "good training images");
    if (!calibDir.empty())
        checkCount(calibPaths, cv::uniSLAD::MIN_CALIBRATION_IMAGES, calibDir, "--calib",
                   "good calibration images (or leave --calib out: the training images are then cross-calibrated)");
    const std::vector<cv::Mat> train = loadImages(trainPaths), calibration = loadImages(calibPaths);
    const std::string roiPath = opts.value("roi");
    if (!roiPath.empty()) {
        params.roi = readRegionOfInterest(roiPath);
        // The library's rule, checked here to name the file (the library knows only its index).
        for (size_t i = 0; i < train.size() + calibration.size(); ++i) {
            const bool isTrain = i < train.size();
            const cv::Mat& image = isTrain ? train[i] : calibration[i - train.size()];
            const std::string& path = isTrain ? trainPaths[i] : calibPaths[i - train.size()];
            try {
                cv::uniSLAD::checkRegionOfInterest(params.roi, image.size(), path);
            } catch (const cv::Exception&) {
                CV_Error(cv::Error::StsError, cv::format("--roi: '%s' is %dx%d and '%s' %dx%d: expected a mask of the "
                                                         "images' aspect ratio (it is resized to each image)",
                                                         roiPath.c_str(), params.roi.cols, params.roi.rows,
                                                         path.c_str(), image.cols, image.rows));
            }
        }
    }

    params.embedBackbones = !opts.parser().has("reference-backbones");
    cv::Ptr<cv::uniSLAD::UniSLAD> detector = cv::uniSLAD::UniSLAD::create(params);
    const auto start = std::chrono::steady_clock::now();
    {
        Progress progress("fit", quiet);
        detector->fit(train, calibration, [&](const cv::String& stage, int done, int total) { progress.update(stage, done, total); });
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const float automatic = detector->getThreshold();
    if (hasThreshold)
        detector->setThreshold(threshold);
    detector->save(modelPath);

    std::error_code ec;
    printOut("fit: %zu training images, %s, in %.1f s; threshold %.4g; model %s (%s)\n", train.size(),
                calibDir.empty() ? (train.size() < 50 ? "cross-calibrated (each held out once)" : "calibrated on a hold-out")
                                 : (std::to_string(calibration.size()) + " calibration images").c_str(), seconds,
                detector->getThreshold(), modelPath.c_str(), sizeText(fs::file_size(modelPath, ec), params.embedBackbones).c_str());
    printThresholdLine(*detector, automatic, hasThreshold);
    if (!roiPath.empty())
        printOut("fit: region of interest %s: %.1f %% of the image\n", roiPath.c_str(),
                 100.0 * cv::countNonZero(params.roi) / (double)params.roi.total());
    if (train.size() < 20 && !quiet)
        std::cerr << "note: " << train.size() << " training images make a working but weak detector; 20 or more find "
                     "clearly more anomalies (README, \"How many images\")\n";
    return kExitOk;
}

} // namespace cli
} // namespace unislad
