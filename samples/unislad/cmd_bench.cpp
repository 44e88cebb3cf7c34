// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// `unislad bench`: the detector's speed on this machine, on synthetic images: fit of N images and
// detect of one image, end to end and split by stage (preprocessing, backbone(s), aggregation, bank
// search, image level, fusion, map); medians over runs. The stages after the features are timed by
// detect() itself (UniSLAD::detect(image, StageTimings&)); the feature stage is split by running its
// public components (Preprocessor, Backbone, LocalFeatureAggregator) alone on the same image.
#include "cli_common.hpp"
#include "detector_options.hpp"
#include "progress.hpp"

#include "synthetic_data.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>

namespace unislad {
namespace cli {

namespace {

using namespace cv::uniSLAD;
using Clock = std::chrono::steady_clock;

const std::string kBenchKeys = std::string(
    "{help h ?        |             | print this help}"
    "{train n         |100          | synthetic training images of the fit (3 to 100000)}"
    "{size            |256          | side of the synthetic images in pixels (32 to 4096)}"
    "{category        |juice_bottle | synthetic category (see 'unislad synth --list')}"
    "{runs            |20           | timed runs of detect and of each stage (after one warm-up run); medians are printed (1 to 100000)}"
    "{fit-runs        |1            | timed fits; the median is printed (1 to 1000)}"
    "{quiet q         |             | no progress bar}") + kDetectorKeys;

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n == 0 ? 0.0 : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/** Median wall time of `runs` calls of f, in milliseconds, after one untimed call. */
double timeMs(int runs, const std::function<void()>& f)
{
    f();
    std::vector<double> t;
    for (int i = 0; i < runs; ++i) {
        const auto t0 = Clock::now();
        f();
        t.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    return median(t);
}

std::string ms(double v)
{
    char b[32];
    std::snprintf(b, sizeof(b), v < 0.1 ? "%.4f ms" : v < 10 ? "%.2f ms" : "%.1f ms", v);
    return b;
}

} // namespace

int runBench(int argc, const char* const argv[])
{
    Options opts(argc, argv, kBenchKeys, "Measures UniSLAD's fit and detect times on this machine (synthetic images).");
    if (opts.done())
        return opts.exitCode();
    Params p;
    std::string error;
    if (!detectorParams(opts, p, error))
        return opts.usageError(error);
    long long train = 0, size = 0, runs = 0, fitRuns = 0;
    const struct
    {
        const char* name;
        long long lo, hi;
        long long* target;
    } counts[] = { { "train", 3, 100000, &train }, { "size", 32, 4096, &size }, { "runs", 1, 100000, &runs },
                   { "fit-runs", 1, 1000, &fitRuns } };
    for (const auto& c : counts)
        if (!parseInteger(opts.text(c.name), c.lo, c.hi, *c.target))
            return opts.usageError(badValue(c.name, "an integer " + std::to_string(c.lo) + " to " + std::to_string(c.hi),
                                            opts.text(c.name)));
    const std::string category = opts.value("category");
    bool known = false;
    for (const synth::CategoryInfo& c : synth::categoryRegistry())
        known = known || c.name == category;
    if (!known)
        return opts.usageError("--category: expected a category of 'unislad synth --list', found '" + category + "'");
    const bool quiet = opts.parser().has("quiet");
    if (p.numThreads > 0)
        cv::setNumThreads(p.numThreads);

    std::vector<cv::Mat> images;
    for (int i = 0; i < (int)train; ++i)
        images.push_back(synth::renderSample(category, synth::Split::Train, i, (uint64_t)p.seed, (int)size).image);
    // MVTec AD style categories have structural defects only: their timed image is one of those.
    const synth::Split testSplit =
        synth::findCategory(category).logicalDefects.empty() ? synth::Split::TestStructural : synth::Split::TestLogical;
    const cv::Mat image = synth::renderSample(category, testSplit, 0, (uint64_t)p.seed, (int)size).image;

    // Fit.
    std::vector<double> fitSeconds;
    cv::Ptr<UniSLAD> detector;
    for (int r = 0; r < (int)fitRuns; ++r) {
        detector = UniSLAD::create(p);
        Progress progress("fit " + std::to_string(r + 1) + "/" + std::to_string(fitRuns), quiet);
        const auto t0 = Clock::now();
        detector->fit(images, cv::noArray(), [&](const cv::String& stage, int done, int total) { progress.update(stage, done, total); });
        fitSeconds.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    }

    // The feature stage's components, each alone.
    const Params fitted = detector->getParams();
    DualFeatureExtractor::Params fp = fitted.extractorParams();
    fp.batchSize = 1;
    const cv::Ptr<DualFeatureExtractor> extractor = DualFeatureExtractor::create(fp);
    std::vector<cv::Ptr<Backbone>> nets;
    for (const cv::Ptr<Backbone>& b : { extractor->localBackbone(), extractor->globalBackbone() })
        if (b && (nets.empty() || nets[0] != b))
            nets.push_back(b);
    std::vector<Preprocessor> pre;
    std::vector<cv::Mat> blobs(nets.size());
    std::vector<std::vector<cv::Mat>> outs(nets.size());
    for (size_t i = 0; i < nets.size(); ++i) {
        pre.emplace_back(nets[i]->manifest().input);
        pre[i].apply(image, blobs[i]);
        nets[i]->forward(blobs[i], outs[i]);
    }
    // The local maps, by name among the local backbone's outputs.
    std::vector<cv::Mat> localMaps;
    if (fitted.useLocal) {
        const cv::Ptr<Backbone> local = extractor->localBackbone();
        const BackboneManifest m = local->manifest();
        std::vector<cv::String> names = fitted.localTaps;
        if (names.empty())
            for (const BackboneTap& t : m.tapsFor("local", true))
                names.push_back(t.name);
        const std::vector<cv::String> outNames = local->tapNames();
        for (const cv::String& n : names) {
            const auto it = std::find(outNames.begin(), outNames.end(), n);
            CV_Assert(it != outNames.end());
            localMaps.push_back(outs[0][it - outNames.begin()]);
        }
    }
    const LocalFeatureAggregator aggregator(fp.localAggregation);
    // The image-level pooling (Eq. 12-14) of the image's patch features.
    cv::Mat localFeatures, globalFeatures, classFeatures;
    extractor->extract(std::vector<cv::Mat>{ image }, localFeatures, globalFeatures, classFeatures);
    ImageFeatureConverter::Params cp;
    cp.mode = fitted.imageFeatureMode;
    cp.q = fitted.q;
    cp.alpha = fitted.alpha;
    const cv::Ptr<ImageFeatureConverter> converter = ImageFeatureConverter::create(cp);

    Progress progress("detect", quiet);
    int step = 0;
    auto next = [&](const char* stage) { progress.update(stage, step++, 6); };
    next("end to end");
    const double endToEnd = timeMs((int)runs, [&] { detector->detect(image); });
    next("preprocess");
    const double tPre = timeMs((int)runs, [&] {
        cv::Mat b;
        for (const Preprocessor& q : pre)
            q.apply(image, b);
    });
    next("backbone");
    const double tNet = timeMs((int)runs, [&] {
        for (size_t i = 0; i < nets.size(); ++i)
            nets[i]->forward(blobs[i], outs[i]);
    });
    next("aggregation");
    const double tAgg = localMaps.empty() ? 0.0 : timeMs((int)runs, [&] {
        cv::Mat f;
        aggregator.aggregate(localMaps, f);
    });
    next("image-level pooling");
    const double tPool = !fitted.useImageDistribution ? 0.0 : timeMs((int)runs, [&] {
        cv::Mat f;
        for (const cv::Mat* x : { &localFeatures, &globalFeatures })
            if (!x->empty())
                converter->convert(*x, f);
    });
    next("bank search, image level, fusion, map");
    // The later stages as detect() times them, medians over the runs.
    std::vector<double> bank, imageLevel, fusion, map;
    StageTimings timings;
    detector->detect(image, timings);
    for (int r = 0; r < (int)runs; ++r) {
        detector->detect(image, timings);
        bank.push_back(timings.bankSearch);
        imageLevel.push_back(timings.imageLevel);
        fusion.push_back(timings.fusion);
        map.push_back(timings.anomalyMap);
    }
    const double tBank = median(bank), tImage = median(imageLevel), tFusion = median(fusion), tMap = median(map);
    progress.finish();

    std::string banks;
    for (const char* name : { "local", "global" }) {
        const cv::Size b = detector->getBankSize(name);
        if (!b.empty())
            banks += std::string(banks.empty() ? "" : ", ") + name + " " + std::to_string(b.height) + " x " + std::to_string(b.width);
    }
    std::string backbones;
    for (const cv::Ptr<Backbone>& b : nets)
        backbones += (backbones.empty() ? "" : " + ") + std::filesystem::path(b->manifest().modelPath).filename().string() + " (" + b->backendName() + ")";
    std::printf("bench: preset %s, %lld synthetic %s images of %lld px, %d thread(s); medians of %lld runs\n",
                opts.value("preset").c_str(), train, category.c_str(), size, cv::uniSLAD::workerThreads(), runs);
    std::printf("  backbones: %s\n  banks: %s\n", backbones.c_str(), banks.empty() ? "-" : banks.c_str());
    std::printf("  %-36s %10.2f s%s\n", ("fit of " + std::to_string(train) + " images").c_str(), median(fitSeconds),
                fitRuns > 1 ? (" (median of " + std::to_string(fitRuns) + ")").c_str() : "");
    std::printf("  %-36s %12s\n", "detect of one image, end to end", ms(endToEnd).c_str());
    const std::pair<const char*, double> stages[] = {
        { "preprocessing", tPre }, { "backbone(s)", tNet }, { "local aggregation", tAgg },
        { "image-level pooling (converter)", tPool }, { "bank search", tBank },
        { "image level (Gaussians)", tImage }, { "fusion", tFusion }, { "anomaly map (resize, blur)", tMap } };
    double sum = 0;
    for (const auto& s : stages) {
        std::printf("    %-34s %12s\n", s.first, ms(s.second).c_str());
        sum += s.second;
    }
    std::printf("    %-34s %12s\n", "sum of the stages", ms(sum).c_str());
    return kExitOk;
}

} // namespace cli
} // namespace unislad
