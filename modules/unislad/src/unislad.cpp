// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "unislad_impl.hpp"

#include <opencv2/imgproc.hpp>

#include <numeric>

namespace cv {
namespace uniSLAD {
namespace detail {

namespace {

const char* const kFit = "UniSLAD::fit";

std::vector<Mat> imagesOf(InputArrayOfArrays images, const char* func, const char* arg)
{
    std::vector<Mat> list;
    if (!images.empty())
        images.getMatVector(list);
    if (list.empty())
        CV_Error(Error::StsBadArg, format("%s: %s: expected at least one image, found none", func, arg));
    return list;
}

/** Sets cv::setNumThreads for a scope when numThreads > 0, restoring the previous value after. */
class ThreadScope
{
public:
    explicit ThreadScope(int n) : previous_(getNumThreads()), active_(n > 0) { if (active_) setNumThreads(n); }
    ~ThreadScope() { if (active_) setNumThreads(previous_); }
private:
    int previous_;
    bool active_;
};

/** Quantile with linear interpolation between order statistics (numpy's default). */
double quantile(std::vector<double> v, double p)
{
    std::sort(v.begin(), v.end());
    const double pos = p * (v.size() - 1);
    const size_t lo = (size_t)std::floor(pos), hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (pos - lo) * (v[hi] - v[lo]);
}

void report(const UniSLAD::ProgressCallback* progress, const char* stage, int done, int total)
{
    if (progress && *progress)
        (*progress)(stage, done, total);
}

} // namespace

void validateParams(const Params& p)
{
    const char* f = "UniSLAD";
    auto positive = [&](int v, const char* name) {
        if (v < 1)
            CV_Error(Error::StsOutOfRange, format("%s: params.%s: expected >= 1, found %d", f, name, v));
    };
    if (p.localManifest.empty())
        CV_Error(Error::StsBadArg, format("%s: params.localManifest: expected a backbone manifest path, found an empty string", f));
    if (p.gridSize < 0)
        CV_Error(Error::StsOutOfRange, format("%s: params.gridSize: expected >= 0, found %d", f, p.gridSize));
    positive(p.patchSize, "patchSize");
    positive(p.pretrainDims, "pretrainDims");
    positive(p.localDims, "localDims");
    positive(p.batchSize, "batchSize");
    checkValueRange(p.localCoresetRatio, 0, 1, f, "params.localCoresetRatio", true, false);
    checkValueRange(p.globalCoresetRatio, 0, 1, f, "params.globalCoresetRatio", true, false);
    checkValueRange(p.w, 0, 1, f, "params.w");
    checkValueRange(p.wI, 0, 1, f, "params.wI");
    checkValueRange(p.wIG, 0, 1, f, "params.wIG");
    checkValueRange(p.calibrationFraction, 0, 1, f, "params.calibrationFraction", true, true);
    checkValueRange(p.thresholdQuantile, 0, 1, f, "params.thresholdQuantile");
    checkValueRange(p.thresholdMargin, 0, 1e6, f, "params.thresholdMargin");
    checkValueRange(p.mapSigma, 0, 1e3, f, "params.mapSigma");
    checkValueRange(p.q, 0, 1e3, f, "params.q", true, false);
    checkValueRange(p.alpha, 0, 0.5, f, "params.alpha", false, true);
    for (int r : { p.regularization, p.classRegularization })
        if (r != MahalanobisTransform::RIDGE && r != MahalanobisTransform::LEDOIT_WOLF)
            CV_Error(Error::StsOutOfRange, format("%s: params.regularization, params.classRegularization: expected RIDGE (0) "
                                                  "or LEDOIT_WOLF (1), found %d", f, r));
    if (p.regularization == MahalanobisTransform::RIDGE)
        checkValueRange(p.regularizationEpsilon, 0, 1e6, f, "params.regularizationEpsilon (ridge)");
    else if (p.regularizationEpsilon != -1.0)
        checkValueRange(p.regularizationEpsilon, 0, 1, f, "params.regularizationEpsilon (Ledoit-Wolf shrinkage, -1: estimate)");
    if (p.fusion != FUSION_RAW && p.fusion != FUSION_CALIBRATED)
        CV_Error(Error::StsOutOfRange, format("%s: params.fusion: expected FUSION_RAW (0) or FUSION_CALIBRATED (1), found %d", f, p.fusion));
    if (!p.useLocal && !p.useGlobal)
        CV_Error(Error::StsBadArg, format("%s: params.useLocal, params.useGlobal: expected at least one branch, found both off", f));
    if (!p.usePatchBank && !p.useImageDistribution)
        CV_Error(Error::StsBadArg, format("%s: params.usePatchBank, params.useImageDistribution: expected at least one, found both off", f));
    if (p.index != INDEX_EXACT && p.index != INDEX_HNSW && p.index != INDEX_AUTO)
        CV_Error(Error::StsOutOfRange, format("%s: params.index: expected INDEX_EXACT (0), INDEX_HNSW (1) or INDEX_AUTO (2), found %d",
                                              f, p.index));
    positive(p.autoIndexThreshold, "autoIndexThreshold");
    if (p.hnswM < 2 || p.hnswM > 2048)
        CV_Error(Error::StsOutOfRange, format("%s: params.hnswM: expected a value in [2, 2048], found %d", f, p.hnswM));
    positive(p.hnswEfConstruction, "hnswEfConstruction");
    positive(p.hnswEfSearch, "hnswEfSearch");
}

MemoryBankParams bankParams(const Params& p)
{
    MemoryBankParams bp;
    bp.projectionDims = p.projectionDims;
    bp.mahalanobis = p.useMahalanobis;
    bp.regularization = p.regularization;
    bp.epsilon = p.regularizationEpsilon;
    bp.index = p.index;
    bp.autoIndexThreshold = p.autoIndexThreshold;
    bp.hnswM = p.hnswM;
    bp.hnswEfConstruction = p.hnswEfConstruction;
    bp.hnswEfSearch = p.hnswEfSearch;
    return bp;
}

FeatureSet FeatureSet::subset(const std::vector<int>& images) const
{
    FeatureSet s;
    s.count = (int)images.size();
    s.localCells = localCells;
    s.globalCells = globalCells;
    if (localCells > 0)
        s.local.create(s.count * localCells, local.cols, CV_32F);
    if (globalCells > 0) {
        s.global.create(s.count * globalCells, global.cols, CV_32F);
        s.cls.create(s.count, cls.cols, CV_32F);
    }
    for (int j = 0; j < s.count; ++j) {
        if (localCells > 0)
            localOf(images[j]).copyTo(s.localOf(j));
        if (globalCells > 0) {
            globalOf(images[j]).copyTo(s.globalOf(j));
            cls.row(images[j]).copyTo(s.cls.row(j));
        }
    }
    return s;
}

UniSLADImpl::UniSLADImpl(const Params& params) : params_(params)
{
    validateParams(params_);
}

FusionWeights UniSLADImpl::weights() const
{
    FusionWeights w;
    w.w = params_.w;
    w.wI = params_.wI;
    w.wIG = params_.wIG;
    return w;
}

void UniSLADImpl::ensureExtractor() const
{
    if (extractor_)
        return;
    FeatureExtractorParams fp;
    fp.localManifest = params_.localManifest;
    fp.globalManifest = params_.globalManifest;
    fp.localTaps = params_.localTaps;
    fp.globalTaps = params_.globalTaps;
    fp.classTap = params_.classTap;
    fp.localAggregation.patchSize = params_.patchSize;
    fp.localAggregation.gridSize = params_.gridSize;
    fp.localAggregation.pretrainDims = params_.pretrainDims;
    fp.localAggregation.targetDims = params_.localDims;
    fp.backend = params_.backend;
    fp.batchSize = params_.batchSize;
    fp.useLocal = params_.useLocal;
    fp.useGlobal = params_.useGlobal;
    extractor_ = DualFeatureExtractor::create(fp);
}

FeatureSet UniSLADImpl::extract(const std::vector<Mat>& images, const ProgressCallback* progress) const
{
    CV_Assert(extractor_);
    FeatureSet f;
    f.count = (int)images.size();
    f.localCells = extractor_->localGrid() * extractor_->localGrid();
    f.globalCells = extractor_->globalGrid() * extractor_->globalGrid();
    if (f.localCells > 0)
        f.local.create(f.count * f.localCells, extractor_->localDims(), CV_32F);
    if (f.globalCells > 0) {
        f.global.create(f.count * f.globalCells, extractor_->globalDims(), CV_32F);
        f.cls.create(f.count, extractor_->classDims(), CV_32F);
    }
    const int step = params_.batchSize;
    for (int start = 0; start < f.count; start += step) {
        const int end = std::min(f.count, start + step);
        Mat local, global, cls;
        extractor_->extract(std::vector<Mat>(images.begin() + start, images.begin() + end), local, global, cls);
        if (f.localCells > 0)
            local.copyTo(f.local.rowRange(start * f.localCells, end * f.localCells));
        if (f.globalCells > 0) {
            global.copyTo(f.global.rowRange(start * f.globalCells, end * f.globalCells));
            cls.copyTo(f.cls.rowRange(start, end));
        }
        report(progress, "features", end, f.count);
    }
    return f;
}

FittedModel UniSLADImpl::fitModel(const FeatureSet& f, const ProgressCallback* progress) const
{
    FittedModel m;
    MemoryBankParams bp = bankParams(params_);
    if (params_.usePatchBank) {
        if (params_.useLocal) {
            report(progress, "local bank", 0, 1);
            bp.coresetRatio = params_.localCoresetRatio;
            bp.seed = params_.seed;
            m.localBank = MemoryBank::create(bp);
            m.localBank->fit(f.local);
            report(progress, "local bank", 1, 1);
        }
        if (params_.useGlobal) {
            report(progress, "global bank", 0, 1);
            bp.coresetRatio = params_.globalCoresetRatio;
            bp.seed = params_.seed + 1;
            m.globalBank = MemoryBank::create(bp);
            m.globalBank->fit(f.global);
            report(progress, "global bank", 1, 1);
        }
        if (params_.useLocal && params_.useGlobal) {
            // Class bank: every class feature (no coreset), searched by inner product (Eq. 17). With
            // one vector per image there are far fewer samples than dimensions: a ridge would weight
            // every direction unseen in training ~1/sqrt(ε) times more than a typical one, so that any
            // new image is nearly orthogonal to the bank and w_p collapses to 0. Ledoit-Wolf shrinkage
            // (estimated) keeps the transform well-conditioned.
            bp.coresetRatio = 1.0;
            bp.regularization = params_.classRegularization;
            bp.epsilon = params_.classRegularization == MahalanobisTransform::RIDGE ? params_.regularizationEpsilon : -1.0;
            bp.metric = NearestNeighborIndex::INNER_PRODUCT;
            m.classBank = MemoryBank::create(bp);
            m.classBank->fit(f.cls);
        }
    }
    if (params_.useImageDistribution) {
        ImageFeatureConverter::Params cp;
        cp.mode = params_.imageFeatureMode;
        cp.q = params_.q;
        cp.alpha = params_.alpha;
        Ptr<ImageFeatureConverter> converter = ImageFeatureConverter::create(cp);
        GaussianModel::Params gp;
        gp.shrinkage = params_.gaussianShrinkage;
        auto gaussianOf = [&](const Mat& x) {
            Ptr<GaussianModel> g = GaussianModel::create(gp);
            g->fit(x);
            return g;
        };
        if (params_.useLocal) {
            std::vector<Mat> sets;
            for (int i = 0; i < f.count; ++i)
                sets.push_back(f.localOf(i));
            converter->convertBatch(sets, m.localImageFeatures);
            m.localGaussian = gaussianOf(m.localImageFeatures);
        }
        if (params_.useGlobal) {
            std::vector<Mat> sets;
            for (int i = 0; i < f.count; ++i)
                sets.push_back(f.globalOf(i));
            converter->convertBatch(sets, m.globalImageFeatures);
            m.globalGaussian = gaussianOf(m.globalImageFeatures);
            m.classFeatures = f.cls.clone();
            m.classGaussian = gaussianOf(m.classFeatures);
        }
        report(progress, "distributions", 1, 1);
    }
    return m;
}

ComponentScores UniSLADImpl::componentsWith(const FittedModel& m, const FeatureSet& f, int i) const
{
    ComponentScores c;
    const int k = (int)std::lround(std::sqrt((double)f.localCells));
    const int g = (int)std::lround(std::sqrt((double)f.globalCells));
    if (m.localBank) {
        Mat d;
        m.localBank->nearest(f.localOf(i), d);
        c.patchLocal = d.reshape(1, k).clone();
    }
    if (m.globalBank) {
        Mat d;
        m.globalBank->nearest(f.globalOf(i), d);
        c.patchGlobal = d.reshape(1, g).clone();
    }
    if (m.classBank) {
        Mat ip;
        m.classBank->nearest(f.cls.row(i), ip);
        c.classWeight = std::min(1.f, std::max(0.f, ip.at<float>(0)));
    }
    if (m.localGaussian || m.globalGaussian) {
        ImageFeatureConverter::Params cp;
        cp.mode = params_.imageFeatureMode;
        cp.q = params_.q;
        cp.alpha = params_.alpha;
        Ptr<ImageFeatureConverter> converter = ImageFeatureConverter::create(cp);
        Mat feature;
        if (m.localGaussian) {
            converter->convert(f.localOf(i), feature);
            c.imageLocal = (float)m.localGaussian->distance(feature);
        }
        if (m.globalGaussian) {
            converter->convert(f.globalOf(i), feature);
            c.imageGlobal = (float)m.globalGaussian->distance(feature);
            c.imageClass = (float)m.classGaussian->distance(f.cls.row(i));
        }
    }
    return c;
}

ComponentScores UniSLADImpl::components(const FeatureSet& f, int i) const
{
    return componentsWith(model_, f, i);
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
    validateParams(params_);
    ThreadScope threads(params_.numThreads);
    const std::vector<Mat> train = imagesOf(_images, kFit, "images");
    const bool given = !_calibration.empty();
    const std::vector<Mat> calibration = given ? imagesOf(_calibration, kFit, "calibrationImages") : std::vector<Mat>();
    const int minTrain = given ? 2 : 3;
    if ((int)train.size() < minTrain)
        CV_Error(Error::StsBadSize, format("%s: images: expected at least %d nominal images%s, found %d", kFit, minTrain,
                                           given ? "" : " (some are held out for calibration)", (int)train.size()));

    fitted_ = false;
    extractor_.release();
    ensureExtractor();
    backbones_.clear();
    for (const Ptr<Backbone>& b : { extractor_->localBackbone(), extractor_->globalBackbone() }) {
        if (!b)
            continue;  // a branch switched off
        const BackboneManifest m = b->manifest();
        if (backbones_.empty() || backbones_.back().first != m.manifestPath)
            backbones_.push_back({ m.manifestPath, m.sha256 });
    }

    const FeatureSet features = extract(train, &progress);
    std::vector<ComponentScores> nominal;
    if (given) {
        model_ = fitModel(features, &progress);
        const FeatureSet cal = extract(calibration, &progress);
        for (int i = 0; i < cal.count; ++i)
            nominal.push_back(componentsWith(model_, cal, i));
    } else {
        // Seeded hold-out: score it with a model of the other images, then fit on all images.
        std::vector<int> order(features.count);
        std::iota(order.begin(), order.end(), 0);
        RNG rng((uint64)params_.seed + 0x5eed);
        randShuffle(order, 1.0, &rng);
        const int held = std::min(features.count - 2, std::max(1, (int)std::lround(params_.calibrationFraction * features.count)));
        std::vector<int> heldOut(order.begin(), order.begin() + held), rest(order.begin() + held, order.end());
        std::sort(heldOut.begin(), heldOut.end());
        std::sort(rest.begin(), rest.end());
        const FittedModel partial = fitModel(features.subset(rest), &progress);
        for (int i : heldOut)
            nominal.push_back(componentsWith(partial, features, i));
        model_ = fitModel(features, &progress);
    }
    stats_ = calibrate(nominal, weights());
    std::vector<double> scores;
    for (const ComponentScores& c : nominal)
        scores.push_back(fuseScores(c, weights(), params_.fusion == FUSION_CALIBRATED ? &stats_ : nullptr).score);
    const ScoreStats s = ScoreStats::of(scores);
    threshold_ = (float)(quantile(scores, params_.thresholdQuantile) + params_.thresholdMargin * (scores.size() > 1 ? s.std : 0.0));
    fitted_ = true;
    report(&progress, "done", 1, 1);
}

Result UniSLADImpl::resultFor(const FeatureSet& f, int i, const Size& imageSize, bool withMap) const
{
    const ComponentScores c = components(f, i);
    const FusedScores fused = fuseScores(c, weights(), params_.fusion == FUSION_CALIBRATED ? &stats_ : nullptr);
    Result r;
    r.score = (float)fused.score;
    r.threshold = threshold_;
    r.isAnomaly = r.score > threshold_;
    double v = 0;
    if (!c.patchLocal.empty()) { minMaxLoc(c.patchLocal, nullptr, &v); r.patchLocal = (float)v; }
    if (!c.patchGlobal.empty()) { minMaxLoc(c.patchGlobal, nullptr, &v); r.patchGlobal = (float)v; }
    r.classWeight = std::isnan(c.classWeight) ? 0.f : c.classWeight;
    r.patchScore = (float)fused.patchScore;
    r.imageLocal = std::isnan(c.imageLocal) ? 0.f : c.imageLocal;
    r.imageGlobal = std::isnan(c.imageGlobal) ? 0.f : c.imageGlobal;
    r.imageClass = std::isnan(c.imageClass) ? 0.f : c.imageClass;
    r.imageScore = (float)fused.imageScore;
    if (withMap) {
        if (fused.patchMap.empty()) {
            r.anomalyMap = Mat(imageSize, CV_32F, Scalar(r.score));  // image-level only: one value everywhere
        } else {
            resize(fused.patchMap, r.anomalyMap, imageSize, 0, 0, INTER_LINEAR);
            if (params_.mapSigma > 0)
                GaussianBlur(r.anomalyMap, r.anomalyMap, Size(), params_.mapSigma, params_.mapSigma, BORDER_REFLECT);
        }
    }
    return r;
}

std::vector<Result> UniSLADImpl::detectBatch(InputArrayOfArrays _images) const
{
    if (!fitted_)
        CV_Error(Error::StsError, "UniSLAD::detect: the detector is not fitted: call fit() or load a model first");
    const std::vector<Mat> images = imagesOf(_images, "UniSLAD::detect", "images");
    const FeatureSet f = extract(images, nullptr);
    std::vector<Result> results(images.size());
    for (size_t i = 0; i < images.size(); ++i)
        results[i] = resultFor(f, (int)i, images[i].size(), true);
    return results;
}

Result UniSLADImpl::detect(InputArray image) const
{
    return detectBatch(std::vector<Mat>{ image.getMat() })[0];
}

std::vector<float> UniSLADImpl::predictBatch(InputArrayOfArrays _images) const
{
    if (!fitted_)
        CV_Error(Error::StsError, "UniSLAD::predict: the detector is not fitted: call fit() or load a model first");
    const std::vector<Mat> images = imagesOf(_images, "UniSLAD::predict", "images");
    const FeatureSet f = extract(images, nullptr);
    std::vector<float> scores(images.size());
    for (size_t i = 0; i < images.size(); ++i)
        scores[i] = resultFor(f, (int)i, images[i].size(), false).score;
    return scores;
}

float UniSLADImpl::predict(InputArray image) const
{
    return predictBatch(std::vector<Mat>{ image.getMat() })[0];
}

void UniSLADImpl::setThreshold(float threshold)
{
    if (!std::isfinite(threshold))
        CV_Error(Error::StsBadArg, format("UniSLAD::setThreshold: threshold: expected a finite value, found %g", threshold));
    threshold_ = threshold;
}

} // namespace detail

Ptr<UniSLAD> UniSLAD::create(const Params& params)
{
    return makePtr<detail::UniSLADImpl>(params);
}

}} // namespace cv::uniSLAD
