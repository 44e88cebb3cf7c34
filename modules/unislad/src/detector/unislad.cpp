// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "detector/unislad_impl.hpp"

#include <opencv2/imgproc.hpp>

#include <numeric>

namespace cv {
namespace uniSLAD {
namespace detail {

namespace {

const char* const kFit = "UniSLAD::fit";

/** The images of a list, each checked (so that a bad one is named by its index in the whole list). */
std::vector<Mat> imagesOf(InputArrayOfArrays images, const char* func, const char* arg)
{
    std::vector<Mat> list;
    if (!images.empty())
        images.getMatVector(list);
    if (list.empty())
        CV_Error(Error::StsBadArg, format("%s: %s: expected at least one image, found none", func, arg));
    for (size_t i = 0; i < list.size(); ++i)
        checkImage(list[i], func, format("%s[%d]", arg, (int)i));
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
    if (p.maxFeatureMemoryMiB < 0)
        CV_Error(Error::StsOutOfRange, format("%s: params.maxFeatureMemoryMiB: expected >= 0 (0: no bound), found %d", f,
                                              p.maxFeatureMemoryMiB));
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
    if (!localImage.empty())
        s.localImage.create(s.count, localImage.cols, CV_32F);
    if (!globalImage.empty())
        s.globalImage.create(s.count, globalImage.cols, CV_32F);
    for (int j = 0; j < s.count; ++j) {
        if (localCells > 0)
            localOf(images[j]).copyTo(s.localOf(j));
        if (globalCells > 0) {
            globalOf(images[j]).copyTo(s.globalOf(j));
            cls.row(images[j]).copyTo(s.cls.row(j));
        }
        if (!localImage.empty())
            localImage.row(images[j]).copyTo(s.localImage.row(j));
        if (!globalImage.empty())
            globalImage.row(images[j]).copyTo(s.globalImage.row(j));
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

FeatureExtractorParams extractorParams(const Params& p)
{
    FeatureExtractorParams fp;
    fp.localManifest = p.localManifest;
    fp.globalManifest = p.globalManifest;
    fp.localTaps = p.localTaps;
    fp.globalTaps = p.globalTaps;
    fp.classTap = p.classTap;
    fp.localAggregation.patchSize = p.patchSize;
    fp.localAggregation.gridSize = p.gridSize;
    fp.localAggregation.pretrainDims = p.pretrainDims;
    fp.localAggregation.targetDims = p.localDims;
    fp.backend = p.backend;
    fp.batchSize = p.batchSize;
    fp.useLocal = p.useLocal;
    fp.useGlobal = p.useGlobal;
    return fp;
}

void UniSLADImpl::ensureExtractor() const
{
    if (extractor_)
        return;
    extractor_ = DualFeatureExtractor::create(extractorParams(params_));
}

ImageFeatureConverter::Params UniSLADImpl::converterParams() const
{
    ImageFeatureConverter::Params cp;
    cp.mode = params_.imageFeatureMode;
    cp.q = params_.q;
    cp.alpha = params_.alpha;
    return cp;
}

namespace {

/** Copies `keep` of the rows of one image's patch features, chosen by a seeded partial shuffle and kept
    in their original order, into dst. */
void sampleRows(const Mat& src, int keep, uint64 seed, Mat dst)
{
    std::vector<int> order(src.rows);
    std::iota(order.begin(), order.end(), 0);
    RNG rng(seed);
    for (int i = 0; i < keep; ++i)
        std::swap(order[i], order[i + rng.uniform(0, src.rows - i)]);
    std::sort(order.begin(), order.begin() + keep);
    for (int i = 0; i < keep; ++i)
        src.row(order[i]).copyTo(dst.row(i));
}

/** Image-level features of each image's patches: rows of `patches` image-major, `cells` per image. */
void imageFeaturesOf(const ImageFeatureConverter& converter, const Mat& patches, int n, int cells, Mat& out)
{
    std::vector<Mat> sets;
    for (int i = 0; i < n; ++i)
        sets.push_back(patches.rowRange(i * cells, (i + 1) * cells));
    converter.convertBatch(sets, out);
}

} // namespace

FeatureSet UniSLADImpl::extract(const std::vector<Mat>& images, const ProgressCallback* progress, int keepLocal,
                                int keepGlobal) const
{
    CV_Assert(extractor_);
    FeatureSet f;
    f.count = (int)images.size();
    const int cellsL = extractor_->localGrid() * extractor_->localGrid();
    const int cellsG = extractor_->globalGrid() * extractor_->globalGrid();
    f.localCells = keepLocal > 0 ? std::min(keepLocal, cellsL) : cellsL;
    f.globalCells = keepGlobal > 0 ? std::min(keepGlobal, cellsG) : cellsG;
    if (f.localCells > 0)
        f.local.create(f.count * f.localCells, extractor_->localDims(), CV_32F);
    if (f.globalCells > 0) {
        f.global.create(f.count * f.globalCells, extractor_->globalDims(), CV_32F);
        f.cls.create(f.count, extractor_->classDims(), CV_32F);
    }
    Ptr<ImageFeatureConverter> converter;
    if (params_.useImageDistribution)
        converter = ImageFeatureConverter::create(converterParams());
    // Copies one batch's rows (all, or a per-image subset) and their image-level features into the set.
    auto store = [&](const Mat& batch, int cells, int keep, int start, int n, Mat& rows, Mat& image, uint64 salt) {
        if (cells == 0)
            return;
        if (converter) {
            Mat features;
            imageFeaturesOf(*converter, batch, n, cells, features);
            if (image.empty())
                image.create(f.count, features.cols, CV_32F);
            features.copyTo(image.rowRange(start, start + n));
        }
        if (keep == cells) {
            batch.copyTo(rows.rowRange(start * cells, (start + n) * cells));
            return;
        }
        for (int j = 0; j < n; ++j)
            sampleRows(batch.rowRange(j * cells, (j + 1) * cells), keep,
                       ((uint64)(uint32_t)params_.seed << 32) ^ (salt * (uint64)(start + j + 1)),
                       rows.rowRange((start + j) * keep, (start + j + 1) * keep));
    };
    const int step = params_.batchSize;
    for (int start = 0; start < f.count; start += step) {
        const int end = std::min(f.count, start + step);
        Mat local, global, cls;
        extractor_->extract(std::vector<Mat>(images.begin() + start, images.begin() + end), local, global, cls);
        store(local, cellsL, f.localCells, start, end - start, f.local, f.localImage, 0x9E3779B97F4A7C15ull);
        store(global, cellsG, f.globalCells, start, end - start, f.global, f.globalImage, 0xC2B2AE3D27D4EB4Full);
        if (cellsG > 0)
            cls.copyTo(f.cls.rowRange(start, end));
        report(progress, "features", end, f.count);
    }
    return f;
}

void UniSLADImpl::scoreInBatches(const FittedModel& m, const std::vector<Mat>& images, const ProgressCallback* progress,
                                 std::vector<ComponentScores>& out) const
{
    const int n = (int)images.size(), step = params_.batchSize;
    for (int start = 0; start < n; start += step) {
        const int end = std::min(n, start + step);
        const FeatureSet f = extract(std::vector<Mat>(images.begin() + start, images.begin() + end), nullptr);
        for (int i = 0; i < f.count; ++i)
            out.push_back(componentsWith(m, f, i));
        report(progress, "calibration", end, n);
    }
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
        GaussianModel::Params gp;
        gp.shrinkage = params_.gaussianShrinkage;
        auto gaussianOf = [&](const Mat& x) {
            Ptr<GaussianModel> g = GaussianModel::create(gp);
            g->fit(x);
            return g;
        };
        if (params_.useLocal) {
            CV_Assert(f.localImage.rows == f.count);
            m.localImageFeatures = f.localImage.clone();
            m.localGaussian = gaussianOf(m.localImageFeatures);
        }
        if (params_.useGlobal) {
            CV_Assert(f.globalImage.rows == f.count);
            m.globalImageFeatures = f.globalImage.clone();
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
    if (m.localGaussian) {
        CV_Assert(f.localImage.rows == f.count);
        c.imageLocal = (float)m.localGaussian->distance(f.localImage.row(i));
    }
    if (m.globalGaussian) {
        CV_Assert(f.globalImage.rows == f.count);
        c.imageGlobal = (float)m.globalGaussian->distance(f.globalImage.row(i));
        c.imageClass = (float)m.classGaussian->distance(f.cls.row(i));
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
    // A failed fit (bad image, out of memory, a callback that throws) leaves the detector as it was.
    const Ptr<DualFeatureExtractor> oldExtractor = extractor_;
    const std::vector<std::pair<String, String>> oldBackbones = backbones_;
    const FittedModel oldModel = model_;
    const CalibrationStats oldStats = stats_;
    const float oldThreshold = threshold_;
    const bool oldFitted = fitted_;
    try {
        fitOrThrow(_images, _calibration, progress);
    } catch (...) {
        extractor_ = oldExtractor;
        backbones_ = oldBackbones;
        model_ = oldModel;
        stats_ = oldStats;
        threshold_ = oldThreshold;
        fitted_ = oldFitted;
        throw;
    }
}

void UniSLADImpl::fitOrThrow(InputArrayOfArrays _images, InputArrayOfArrays _calibration, const ProgressCallback& progress)
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

    // Seeded hold-out (when no calibration images are given): scored by a model of the other images.
    const int n = (int)train.size();
    std::vector<int> heldOut, rest;
    if (!given) {
        std::vector<int> order(n);
        std::iota(order.begin(), order.end(), 0);
        RNG rng((uint64)params_.seed + 0x5eed);
        randShuffle(order, 1.0, &rng);
        const int held = std::min(n - 2, std::max(1, (int)std::lround(params_.calibrationFraction * n)));
        heldOut.assign(order.begin(), order.begin() + held);
        rest.assign(order.begin() + held, order.end());
        std::sort(heldOut.begin(), heldOut.end());
        std::sort(rest.begin(), rest.end());
    }

    // Memory bound: the patch features of all images, plus the copy of the non-held-out ones while the
    // calibration model is fitted, must fit in maxFeatureMemoryMiB; otherwise every image keeps the same
    // share of its patch rows.
    const int cellsL = extractor_->localGrid() * extractor_->localGrid();
    const int cellsG = extractor_->globalGrid() * extractor_->globalGrid();
    const double bytesPerImage = 4.0 * ((double)cellsL * extractor_->localDims() + (double)cellsG * extractor_->globalDims());
    const double needed = n * bytesPerImage * (1.0 + (double)rest.size() / n);
    const double budget = params_.maxFeatureMemoryMiB * 1048576.0;
    int keepL = 0, keepG = 0;
    if (params_.maxFeatureMemoryMiB > 0 && needed > budget) {
        const double share = budget / needed;
        keepL = cellsL > 0 ? std::max(1, (int)std::floor(share * cellsL)) : 0;
        keepG = cellsG > 0 ? std::max(1, (int)std::floor(share * cellsG)) : 0;
        CV_LOG_INFO(NULL, "UniSLAD::fit: " << n << " images need " << (int)(needed / 1048576.0) << " MiB of patch features, over "
                    "maxFeatureMemoryMiB = " << params_.maxFeatureMemoryMiB << ": keeping a seeded random " << keepL << " of "
                    << cellsL << " local and " << keepG << " of " << cellsG << " global patch features per image for the banks");
    }
    const bool sampled = keepL > 0 || keepG > 0;

    const FeatureSet features = extract(train, &progress, keepL, keepG);
    std::vector<ComponentScores> nominal;
    if (given) {
        model_ = fitModel(features, &progress);
        scoreInBatches(model_, calibration, &progress, nominal);
    } else {
        const FittedModel partial = fitModel(features.subset(rest), &progress);
        if (!sampled) {
            for (int i : heldOut)
                nominal.push_back(componentsWith(partial, features, i));
        } else {
            // The subsampled features cannot be scored: the held-out images are extracted again in full.
            std::vector<Mat> images;
            for (int i : heldOut)
                images.push_back(train[i]);
            scoreInBatches(partial, images, &progress, nominal);
        }
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
