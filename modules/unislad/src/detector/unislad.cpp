// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// The detector's orchestration, stage by stage (paper Fig. 2):
//   fit    = extract features → fit the memory banks → fit the image-level Gaussians → calibrate
//   detect = extract features → score (banks, Gaussians) → fuse → anomaly map
// Each stage is one call into its folder; what the stages decide lives there, not here.
#include "precomp.hpp"
#include "detector/unislad_impl.hpp"
#include "detector/component_params.hpp"
#include "detector/fit_plan.hpp"
#include "scoring/anomaly_map.hpp"
#include "scoring/pixel_threshold.hpp"
#include "features/region_of_interest.hpp"

#include <chrono>

namespace cv {
namespace uniSLAD {
namespace detail {

namespace {

const char* const kFit = "UniSLAD::fit";
const char* const kUpdate = "UniSLAD::update";

/** The images of a list, each checked, also against the region of interest's shape (so that a bad one
    is named by its index in the whole list). */
std::vector<Mat> imagesOf(InputArrayOfArrays images, const char* func, const char* arg, const Mat& roi)
{
    std::vector<Mat> list;
    if (!images.empty())
        images.getMatVector(list);
    if (list.empty())
        CV_Error(Error::StsBadArg, format("%s: %s: expected at least one image, found none", func, arg));
    for (size_t i = 0; i < list.size(); ++i) {
        checkImage(list[i], func, format("%s[%d]", arg, (int)i));
        RegionOfInterest::checkImage(roi.size(), list[i].size(), func, format("%s[%d]", arg, (int)i));
    }
    return list;
}

/** Sets cv::setNumThreads for a scope when numThreads > 0, restoring the previous value after. The
    previous value is the workers' count, not cv::getNumThreads(): with the thread-count independent
    backend the latter is its partition, and restoring it would start that many workers. */
class ThreadScope
{
public:
    explicit ThreadScope(int n) : previous_(workerThreads()), active_(n > 0 && n != previous_) { if (active_) setNumThreads(n); }
    ~ThreadScope() { if (active_) setNumThreads(previous_); }
private:
    int previous_;
    bool active_;
};

/** Adds the wall time from construction (or the last lap) to a field of StageTimings, when timing. */
class Stopwatch
{
public:
    explicit Stopwatch(StageTimings* t) : timings_(t), start_(std::chrono::steady_clock::now()), last_(start_) {}
    void lap(double StageTimings::*field)
    {
        if (!timings_)
            return;
        const auto now = std::chrono::steady_clock::now();
        timings_->*field += std::chrono::duration<double, std::milli>(now - last_).count();
        last_ = now;
    }
    void finish()
    {
        if (timings_)
            timings_->total = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
    }
private:
    StageTimings* timings_;
    std::chrono::steady_clock::time_point start_, last_;
};

void report(const UniSLAD::ProgressCallback* progress, const char* stage, int done, int total)
{
    if (progress && *progress)
        (*progress)(stage, done, total);
}

} // namespace

UniSLADImpl::UniSLADImpl(const Params& params) : params_(resolveBackbones(params))
{
    validateParams(params_);
    if (!params_.roi.empty()) {   // a copy of its own (Mat shares its pixels), 255 inside
        Mat own;
        compare(params.roi, 0, own, CMP_NE);
        params_.roi = own;
    }
}

const FeatureStage& UniSLADImpl::features() const
{
    if (!features_) {
        const Ptr<ImageFeatureConverter> converter =
            params_.useImageDistribution ? ImageFeatureConverter::create(converterParams(params_)) : Ptr<ImageFeatureConverter>();
        // Embedded backbones (of a loaded model) are built from their bytes, the others from their files.
        features_ = makePtr<FeatureStage>(createFeatureExtractor(params_.extractorParams(), backbones_), converter,
                                          params_.batchSize, params_.roi);
    }
    return *features_;
}

const CalibrationStats* UniSLADImpl::fusionStats(const CalibrationStats& stats) const
{
    return params_.fusion == FUSION_CALIBRATED ? &stats : nullptr;
}

FeatureSet UniSLADImpl::extract(const std::vector<Mat>& images) const
{
    return features().extract(images);
}

FittedModel UniSLADImpl::fitModel(const FeatureSet& f, const ProgressCallback* progress) const
{
    FittedModel m;
    m.banks = PatchBanks::fit(params_, f, progress);
    m.distributions = ImageDistributions::fit(params_, f, progress);
    return m;
}

ComponentScores UniSLADImpl::scoreComponents(const FittedModel& m, const FeatureSet& f, int i)
{
    ComponentScores c;
    m.banks.score(f, i, c);
    m.distributions.score(f, i, c);
    return c;
}

void UniSLADImpl::scoreInBatches(const FittedModel& m, const std::vector<Mat>& images, const ProgressCallback* progress,
                                 std::vector<ComponentScores>& out) const
{
    const int n = (int)images.size(), step = features().batchSize();
    for (int start = 0; start < n; start += step) {
        const int end = std::min(n, start + step);
        const FeatureSet f = features().extract(std::vector<Mat>(images.begin() + start, images.begin() + end));
        for (int i = 0; i < f.count; ++i)
            out.push_back(scoreComponents(m, f, i));
        report(progress, "calibration", end, n);
    }
}

void UniSLADImpl::fit(InputArrayOfArrays images)
{
    fit(images, noArray(), ProgressCallback());
}

void UniSLADImpl::fit(InputArrayOfArrays images, InputArrayOfArrays calibrationImages)
{
    fit(images, calibrationImages, ProgressCallback());
}

void UniSLADImpl::fit(InputArrayOfArrays _images, InputArrayOfArrays _calibration, const ProgressCallback& progress)
{
    // A failed fit (bad image, out of memory, a callback that throws) leaves the detector as it was.
    const Ptr<FeatureStage> oldFeatures = features_;
    const std::vector<BackboneSource> oldBackbones = backbones_;
    const FittedModel oldModel = model_;
    const CalibrationStats oldStats = stats_;
    const std::vector<ComponentScores> oldNominal = nominal_;
    const std::vector<Size> oldNominalSizes = nominalSizes_;
    const int oldTrainingImages = trainingImages_;
    const ThresholdRule oldRule = rule_;
    const ScoreStats oldScoreStats = scoreStats_;
    const float oldThreshold = threshold_, oldPixelThreshold = pixelThreshold_;
    const bool oldDerived = pixelThresholdDerived_;
    const bool oldFitted = fitted_;
    try {
        fitOrThrow(_images, _calibration, progress);
    } catch (...) {
        features_ = oldFeatures;
        backbones_ = oldBackbones;
        model_ = oldModel;
        stats_ = oldStats;
        nominal_ = oldNominal;
        nominalSizes_ = oldNominalSizes;
        trainingImages_ = oldTrainingImages;
        threshold_ = oldThreshold;
        rule_ = oldRule;
        scoreStats_ = oldScoreStats;
        pixelThreshold_ = oldPixelThreshold;
        pixelThresholdDerived_ = oldDerived;
        fitted_ = oldFitted;
        throw;
    }
}

void UniSLADImpl::fitOrThrow(InputArrayOfArrays _images, InputArrayOfArrays _calibration, const ProgressCallback& progress)
{
    validateParams(params_);
    ThreadScope threads(params_.numThreads);
    const std::vector<Mat> train = imagesOf(_images, kFit, "images", params_.roi);
    const bool given = !_calibration.empty();
    const std::vector<Mat> calibration = given ? imagesOf(_calibration, kFit, "calibrationImages", params_.roi) : std::vector<Mat>();
    if ((int)train.size() < kMinTrainingImages)
        CV_Error(Error::StsBadSize, format("%s: images: expected at least %d nominal images, found %d", kFit,
                                           kMinTrainingImages, (int)train.size()));
    if (given && (int)calibration.size() < kMinCalibrationImages)
        CV_Error(Error::StsBadSize, format("%s: calibrationImages: expected at least %d nominal images (their scores' "
                                           "spread standardises every component), found %d; or give none and the "
                                           "training images are cross-calibrated", kFit, kMinCalibrationImages,
                                           (int)calibration.size()));

    fitted_ = false;
    features_.release();
    const DualFeatureExtractor& extractor = *features().extractor();
    // What the extractor ran: a backbone it built from embedded bytes (a loaded model fitted again) keeps
    // them, so that save() embeds it without its files.
    const std::vector<BackboneSource> ran = backbones_;
    backbones_.clear();
    for (const Ptr<Backbone>& b : { extractor.localBackbone(), extractor.globalBackbone() }) {
        if (!b)
            continue;  // a branch switched off
        const BackboneManifest m = b->manifest();
        if (!backbones_.empty() && backbones_.back().manifestPath == m.manifestPath)
            continue;  // one backbone serves both branches
        BackboneSource source;
        source.manifestPath = m.manifestPath;
        source.sha256 = m.sha256;
        for (const BackboneSource& old : ran)
            if (old.embedded() && old.manifestPath == m.manifestPath)
                source = old;
        backbones_.push_back(source);
    }

    // Calibration images: given, or a seeded hold-out scored by a model of the other training images.
    const int n = (int)train.size();
    const std::vector<HoldOut> folds = given ? std::vector<HoldOut>() : HoldOut::folds(n, params_.calibrationFraction, params_.seed);
    const PatchSampling sampling = patchSampling(params_, extractor, n, folds.empty() ? 0 : (int)folds[0].rest.size());

    // 1. Features.
    const FeatureSet trainFeatures = features().extract(train, &progress, sampling);
    // 2-3. Banks and image-level Gaussians, and the nominal component scores to calibrate on.
    std::vector<ComponentScores> nominal;
    std::vector<Size> sizes;   // of the images scored into nominal, in its order
    if (given) {
        model_ = fitModel(trainFeatures, &progress);
        scoreInBatches(model_, calibration, &progress, nominal);
        for (const Mat& img : calibration)
            sizes.push_back(img.size());
    } else {
        // Each fold's model goes through the same bank stages as the final one; reported as one stage, so
        // that the banks' stages show once, for the model that is kept.
        const int foldCount = (int)folds.size();
        report(&progress, "calibration models", 0, foldCount);
        for (int k = 0; k < foldCount; ++k) {
            const HoldOut& fold = folds[k];
            for (int i : fold.heldOut)
                sizes.push_back(train[i].size());
            const FittedModel partial = fitModel(trainFeatures.subset(fold.rest), nullptr);
            if (!trainFeatures.sampled()) {
                for (int i : fold.heldOut)
                    nominal.push_back(scoreComponents(partial, trainFeatures, i));
            } else {
                // The subsampled features cannot be scored: the held-out images are extracted again in full.
                std::vector<Mat> images;
                for (int i : fold.heldOut)
                    images.push_back(train[i]);
                scoreInBatches(partial, images, nullptr, nominal);
            }
            report(&progress, "calibration models", k + 1, foldCount);
        }
        model_ = fitModel(trainFeatures, &progress);
    }
    // 4. Calibration and thresholds.
    const Calibration c = calibrationOf(nominal, sizes);
    stats_ = c.stats;
    threshold_ = c.threshold;
    scoreStats_ = c.scores;
    rule_ = ThresholdRule::calibration(params_.thresholdQuantile, params_.thresholdMargin, (int)nominal.size());
    pixelThreshold_ = c.pixelThreshold;
    pixelThresholdDerived_ = false;
    nominal_ = std::move(nominal);
    nominalSizes_ = std::move(sizes);
    trainingImages_ = n;
    fitted_ = true;
    report(&progress, "done", 1, 1);
}

UniSLADImpl::Calibration UniSLADImpl::calibrationOf(const std::vector<ComponentScores>& nominal,
                                                    const std::vector<Size>& sizes) const
{
    const FusionWeights weights = fusionWeights(params_);
    Calibration c;
    c.stats = calibrate(nominal, weights);
    std::vector<double> scores;
    for (const ComponentScores& s : nominal)
        scores.push_back(fuseScores(s, weights, fusionStats(c.stats)).score);
    c.threshold = (float)decisionThreshold(scores, params_.thresholdQuantile, params_.thresholdMargin);
    c.scores = ScoreStats::of(scores);
    c.pixelThreshold = (float)pixelThreshold(nominal, sizes, weights, fusionStats(c.stats), params_.mapSigma, features().roi());
    return c;
}

ScoreStats UniSLADImpl::fusedScoreStats(const std::vector<ComponentScores>& nominal, const CalibrationStats& stats) const
{
    if (nominal.empty())
        return ScoreStats();   // a model saved before calibration scores were kept: calibrated scores' 0 and 1
    const FusionWeights weights = fusionWeights(params_);
    std::vector<double> scores;
    for (const ComponentScores& s : nominal)
        scores.push_back(fuseScores(s, weights, fusionStats(stats)).score);
    return ScoreStats::of(scores);
}

float UniSLADImpl::normalizeScore(float score, float threshold) const
{
    // 1 + (score - threshold) / scale, scale = max(threshold - mean, std) of the fused calibration scores:
    // the threshold maps to 1 whatever it is, the calibration mean to 0 whenever the threshold lies at
    // least one std above it (the automatic rule puts it 2-3 std above); a threshold at or below the mean
    // (set by hand or chosen) keeps a positive scale, one std, instead of dividing by zero or flipping.
    const double scale = std::max((double)threshold - scoreStats_.mean, scoreStats_.std);
    return (float)(1.0 + ((double)score - threshold) / scale);
}

void UniSLADImpl::update(InputArrayOfArrays images)
{
    update(images, ProgressCallback());
}

void UniSLADImpl::update(InputArrayOfArrays _images, const ProgressCallback& progress)
{
    if (!fitted_)
        CV_Error(Error::StsError, format("%s: the detector is not fitted: call fit() or load a model first", kUpdate));
    if (nominal_.empty())
        CV_Error(Error::StsError, format("%s: the model lacks the calibration scores that update() adds to (it was "
                                         "saved before update() existed): fit it again on all the "
                                         "images", kUpdate));
    ThreadScope threads(params_.numThreads);
    const std::vector<Mat> images = imagesOf(_images, kUpdate, "images", params_.roi);
    const int n = (int)images.size();
    const PatchSampling sampling = patchSampling(params_, *features().extractor(), n, 0);
    const FeatureSet added = features().extract(images, &progress, sampling);

    // Everything is computed aside and swapped in at the end, so that an error leaves the detector as it was.
    std::vector<ComponentScores> nominal = nominal_;
    std::vector<Size> sizes = nominalSizes_;
    for (const Mat& img : images)
        sizes.push_back(img.size());
    if (!added.sampled()) {
        for (int i = 0; i < n; ++i)
            nominal.push_back(scoreComponents(model_, added, i));
    } else {
        scoreInBatches(model_, images, &progress, nominal);
    }
    FittedModel grown;
    grown.banks = model_.banks.extended(added, &progress);
    grown.distributions = model_.distributions.extended(params_, added);
    report(&progress, "distributions", 1, 1);

    const Calibration c = calibrationOf(nominal, sizes);
    stats_ = c.stats;
    threshold_ = c.threshold;
    scoreStats_ = c.scores;
    // A chosen or hand-set threshold is replaced: the new calibration moves every score (see update()).
    rule_ = ThresholdRule::calibration(params_.thresholdQuantile, params_.thresholdMargin, (int)nominal.size());
    pixelThreshold_ = c.pixelThreshold;
    pixelThresholdDerived_ = false;
    nominal_ = std::move(nominal);
    nominalSizes_ = std::move(sizes);
    model_ = std::move(grown);
    trainingImages_ += n;
    report(&progress, "done", 1, 1);
}

int UniSLADImpl::getTrainingImageCount() const
{
    return fitted_ ? trainingImages_ : 0;
}

std::vector<Result> UniSLADImpl::score(InputArrayOfArrays _images, const char* func, bool withMap,
                                       StageTimings* timings) const
{
    if (!fitted_)
        CV_Error(Error::StsError, format("%s: the detector is not fitted: call fit() or load a model first", func));
    const std::vector<Mat> images = imagesOf(_images, func, "images", params_.roi);
    Stopwatch clock(timings);
    const FeatureSet f = features().extract(images);
    clock.lap(&StageTimings::features);
    const FusionWeights weights = fusionWeights(params_);
    std::vector<Result> results(images.size());
    for (int i = 0; i < f.count; ++i) {
        ComponentScores c;
        model_.banks.score(f, i, c);
        clock.lap(&StageTimings::bankSearch);
        model_.distributions.score(f, i, c);
        clock.lap(&StageTimings::imageLevel);
        const FusedScores fused = fuseScores(c, weights, fusionStats(stats_));
        Result& r = results[i];
        r.score = (float)fused.score;
        r.threshold = threshold_;
        r.isAnomaly = r.score > threshold_;
        r.normalizedScore = normalizeScore(r.score, threshold_);
        r.pixelThreshold = pixelThreshold_;
        r.patchLocal = (float)maxInside(c.patchLocal);
        r.patchGlobal = (float)maxInside(c.patchGlobal);
        r.classWeight = std::isnan(c.classWeight) ? 0.f : c.classWeight;
        r.patchScore = (float)fused.patchScore;
        r.imageLocal = std::isnan(c.imageLocal) ? 0.f : c.imageLocal;
        r.imageGlobal = std::isnan(c.imageGlobal) ? 0.f : c.imageGlobal;
        r.imageClass = std::isnan(c.imageClass) ? 0.f : c.imageClass;
        r.imageScore = (float)fused.imageScore;
        clock.lap(&StageTimings::fusion);
        if (withMap) {   // predict() stops before the upsampling and blur that only the map needs
            const RegionOfInterest& roi = features().roi();
            anomalyMap(fused.patchMap, r.score, images[i].size(), params_.mapSigma, r.anomalyMap,
                       roi.whole() ? Mat() : roi.maskAt(images[i].size()));
            clock.lap(&StageTimings::anomalyMap);
        }
    }
    clock.finish();
    return results;
}

std::vector<Result> UniSLADImpl::detectBatch(InputArrayOfArrays images) const
{
    return score(images, "UniSLAD::detect", true, nullptr);
}

Result UniSLADImpl::detect(InputArray image) const
{
    return detectBatch(std::vector<Mat>{ image.getMat() })[0];
}

Result UniSLADImpl::detect(InputArray image, StageTimings& timings) const
{
    timings = StageTimings();
    return score(std::vector<Mat>{ image.getMat() }, "UniSLAD::detect", true, &timings)[0];
}

std::vector<float> UniSLADImpl::predictBatch(InputArrayOfArrays images) const
{
    const std::vector<Result> results = score(images, "UniSLAD::predict", false, nullptr);
    std::vector<float> scores(results.size());
    for (size_t i = 0; i < results.size(); ++i)
        scores[i] = results[i].score;
    return scores;
}

float UniSLADImpl::predict(InputArray image) const
{
    return predictBatch(std::vector<Mat>{ image.getMat() })[0];
}

Size UniSLADImpl::getBankSize(const String& bank) const
{
    const Ptr<MemoryBank>& b = bank == "local" ? model_.banks.local : bank == "global" ? model_.banks.global
                             : bank == "class" ? model_.banks.cls : Ptr<MemoryBank>();
    if (bank != "local" && bank != "global" && bank != "class")
        CV_Error(Error::StsBadArg, "UniSLAD::getBankSize: bank: expected \"local\", \"global\" or \"class\", found \"" + bank + "\"");
    return b ? Size(b->dims(), b->size()) : Size();
}

void UniSLADImpl::setThreshold(float threshold)
{
    if (!std::isfinite(threshold))
        CV_Error(Error::StsBadArg, format("UniSLAD::setThreshold: threshold: expected a finite value, found %g", threshold));
    threshold_ = threshold;
    rule_ = ThresholdRule::manual();
}

void UniSLADImpl::setThreshold(float threshold, const ThresholdRule& rule)
{
    if (!std::isfinite(threshold))
        CV_Error(Error::StsBadArg, format("UniSLAD::setThreshold: threshold: expected a finite value, found %g", threshold));
    rule.check();
    threshold_ = threshold;
    rule_ = rule;
}

ThresholdRule UniSLADImpl::getThresholdRule() const
{
    return rule_;
}

void UniSLADImpl::setPixelThreshold(float threshold)
{
    if (!std::isfinite(threshold))
        CV_Error(Error::StsBadArg, format("UniSLAD::setPixelThreshold: threshold: expected a finite value, found %g", threshold));
    pixelThreshold_ = threshold;
    pixelThresholdDerived_ = false;
}

} // namespace detail

Ptr<UniSLAD> UniSLAD::create(const Params& params)
{
    return makePtr<detail::UniSLADImpl>(params);
}

}} // namespace cv::uniSLAD
