// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// `unislad threshold`: chooses a model's decision threshold from a folder of good images and one of
// anomalous images (cv::uniSLAD::chooseThreshold), prints what the old and the new threshold give on
// them, and writes the model back with the new threshold and its rule (atomically, as fit --append
// replaces its model). Every input is checked before the model is loaded, and nothing is written when
// any step fails.
#include "cli_common.hpp"
#include "dataset.hpp"
#include "output_files.hpp"
#include "progress.hpp"
#include "threshold_text.hpp"

#include <filesystem>
#include <iostream>

namespace fs = std::filesystem;

namespace unislad {
namespace cli {

namespace {

const char* const kThresholdKeys =
    "{help h ?        |           | print this help}"
    "{model m         |<none>     | a model file written by 'unislad fit': read, and written back with the chosen threshold}"
    "{good            |<none>     | folder of good images, other than those the model was fitted and calibrated on (e.g. a category's test/good)}"
    "{bad             |<none>     | folder of anomalous images (e.g. a few labelled defects)}"
    "{rule            |f1         | how to choose: f1 (the best F1 on these images) or fpr=X (the lowest threshold that flags at most a share X, in [0, 1), of the good images, e.g. fpr=0.01)}"
    "{dry-run         |           | print the choice, leave the model as it is}"
    "{threads         |0          | worker threads, 0 to 1024 (0: all cores)}"
    "{quiet q         |           | no progress bar}";

/** The images of a folder, or a usage message naming the option: not a folder, or too few images. */
bool imagesOf(Options& o, const char* option, int minimum, std::vector<std::string>& paths, std::string& error)
{
    const std::string dir = o.value(option);
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        error = std::string("--") + option + ": '" + dir + "' is not a folder";
        return false;
    }
    paths = listImages(dir);
    if ((int)paths.size() < minimum) {
        error = cv::format("--%s: '%s' holds %d image%s (png, jpg, jpeg, bmp, tif, tiff); choosing a threshold needs at least %d",
                           option, dir.c_str(), (int)paths.size(), paths.size() == 1 ? "" : "s", minimum);
        return false;
    }
    return true;
}

std::vector<float> scoresOf(const cv::uniSLAD::UniSLAD& detector, const std::vector<std::string>& paths, Progress& progress,
                            int& done, int total)
{
    std::vector<float> scores;
    for (const std::string& path : paths) {
        scores.push_back(detector.predict(readImage(path)));
        progress.update("images", ++done, total);
    }
    return scores;
}

} // namespace

int runThreshold(int argc, const char* const argv[])
{
    Options opts(argc, argv, kThresholdKeys, "Chooses a model's decision threshold from labelled good and anomalous images.");
    if (opts.done())
        return opts.exitCode();
    for (const char* required : { "model", "good", "bad" })
        if (!opts.parser().has(required))
            return opts.usageError(std::string("missing --") + required +
                                   (std::string(required) == "bad" ? " (a folder of anomalous images; without any, fit's "
                                                                     "automatic threshold is the rule to use)" : ""));
    cv::uniSLAD::ThresholdRule rule;
    try {
        rule = cv::uniSLAD::ThresholdRule::parse(opts.value("rule"));
    } catch (const cv::Exception&) {
        return opts.usageError(badValue("rule", "f1 or fpr=X with X in [0, 1) (e.g. fpr=0.01)", opts.text("rule")));
    }
    long long threads = 0;
    if (!parseInteger(opts.text("threads"), 0, 1024, threads))
        return opts.usageError(badValue("threads", "an integer 0 to 1024 (0: all cores)", opts.text("threads")));
    std::vector<std::string> goodPaths, badPaths;
    std::string error;
    if (!imagesOf(opts, "good", cv::uniSLAD::MIN_THRESHOLD_GOOD_IMAGES, goodPaths, error) ||
        !imagesOf(opts, "bad", cv::uniSLAD::MIN_THRESHOLD_ANOMALOUS_IMAGES, badPaths, error))
        return opts.usageError(error);
    const std::string modelPath = opts.value("model");
    const bool dryRun = opts.parser().has("dry-run"), quiet = opts.parser().has("quiet");
    if (threads > 0)
        cv::setNumThreads((int)threads);
    std::error_code ec;
    if (!fs::exists(modelPath, ec))
        CV_Error(cv::Error::StsError, "--model: '" + modelPath + "' does not exist");
    if (!cv::uniSLAD::isModelFile(modelPath))
        CV_Error(cv::Error::StsError, "--model: '" + modelPath + "' is not a UniSLAD model file");
    if (!dryRun)
        checkModelOutput(modelPath, "--model", false);   // writable, and a model: before the images are scored

    cv::Ptr<cv::uniSLAD::UniSLAD> detector = cv::uniSLAD::UniSLAD::load(modelPath);
    std::vector<float> good, bad;
    {
        Progress progress("threshold", quiet);
        int done = 0;
        const int total = (int)(goodPaths.size() + badPaths.size());
        good = scoresOf(*detector, goodPaths, progress, done, total);
        bad = scoresOf(*detector, badPaths, progress, done, total);
    }
    const float oldThreshold = detector->getThreshold();
    const cv::uniSLAD::ThresholdRule oldRule = detector->getThresholdRule();
    const cv::uniSLAD::ThresholdChoice before = cv::uniSLAD::evaluateThreshold(good, bad, oldThreshold);
    const cv::uniSLAD::ThresholdChoice chosen = cv::uniSLAD::chooseThreshold(good, bad, rule);
    printOut("threshold: rule %s\n", chosen.rule.describe().c_str());
    printOut("threshold: before %s: %s\n", thresholdWithRule(oldThreshold, oldRule).c_str(), outcomeText(before).c_str());
    printOut("threshold: after  %.4g: %s\n", chosen.threshold, outcomeText(chosen).c_str());
    if (dryRun) {
        printOut("threshold: --dry-run: %s left as it was\n", modelPath.c_str());
        return kExitOk;
    }
    detector->setThreshold(chosen.threshold, chosen.rule);
    detector->save(modelPath);
    printOut("threshold: model %s written\n", modelPath.c_str());
    if (!quiet && chosen.rule.kind == cv::uniSLAD::THRESHOLD_FPR && rule.maxFpr * good.size() < 1 && rule.maxFpr > 0)
        std::cerr << "note: " << good.size() << " good images measure the share flagged in steps of 1/" << good.size()
                  << ": fpr=" << rule.maxFpr << " allows none of them (more good images make a finer rule)\n";
    return kExitOk;
}

} // namespace cli
} // namespace unislad
