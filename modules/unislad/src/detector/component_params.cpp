// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "detector/component_params.hpp"

#include <limits>

namespace cv {
namespace uniSLAD {

DualFeatureExtractor::Params Params::extractorParams() const
{
    const Params& p = *this;
    DualFeatureExtractor::Params fp;
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

namespace detail {

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
    if (!p.roi.empty()) {
        if (p.roi.type() != CV_8UC1 || p.roi.dims != 2)
            CV_Error(Error::StsBadArg, format("%s: params.roi: expected a single-channel 8-bit mask (CV_8UC1, non-zero "
                                              "inside), found %s", f, describeMat(p.roi).c_str()));
        if (p.roi.total() > (size_t)Preprocessor::kMaxImagePixels)
            CV_Error(Error::StsBadSize, format("%s: params.roi: expected at most %d pixels, found %s", f,
                                               Preprocessor::kMaxImagePixels, describeMat(p.roi).c_str()));
        if (countNonZero(p.roi) == 0)
            CV_Error(Error::StsBadArg, format("%s: params.roi: expected a mask with at least one non-zero pixel (inside), "
                                              "found %dx%d of zeros: nothing would count", f, p.roi.cols, p.roi.rows));
    }
}

Params resolveBackbones(const Params& p)
{
    Params r = p;
    if (r.localManifest.empty())
        r.localManifest = DualFeatureExtractor::Params::defaults().localManifest;
    return r;
}

/** seed + 1, wrapping from INT_MAX to INT_MIN as two's complement does: Params::seed may be any int
    (a model file's or the command line's 2147483647), and a signed overflow is undefined. */
static int followingSeed(int seed)
{
    return seed == std::numeric_limits<int>::max() ? std::numeric_limits<int>::min() : seed + 1;
}

MemoryBank::Params bankParams(const Params& p, BankKind kind)
{
    MemoryBank::Params bp;
    bp.projectionDims = p.projectionDims;
    bp.mahalanobis = p.useMahalanobis;
    bp.regularization = p.regularization;
    bp.epsilon = p.regularizationEpsilon;
    bp.index = p.index;
    bp.autoIndexThreshold = p.autoIndexThreshold;
    bp.hnsw.M = p.hnswM;
    bp.hnsw.efConstruction = p.hnswEfConstruction;
    bp.hnsw.efSearch = p.hnswEfSearch;
    // Each graph is seeded as its bank's coreset is.
    switch (kind) {
    case BankKind::LOCAL:
        bp.coresetRatio = p.localCoresetRatio;
        bp.seed = p.seed;
        break;
    case BankKind::GLOBAL:
        bp.coresetRatio = p.globalCoresetRatio;
        bp.seed = followingSeed(p.seed);
        break;
    case BankKind::CLASS:
        // Every class feature (no coreset), searched by inner product (Eq. 17). With one vector per
        // image there are far fewer samples than dimensions: a ridge would weight every direction unseen
        // in training ~1/sqrt(ε) times more than a typical one, so that any new image is nearly
        // orthogonal to the bank and w_p collapses to 0. Ledoit-Wolf shrinkage (estimated) keeps the
        // transform well-conditioned.
        bp.coresetRatio = 1.0;
        bp.seed = followingSeed(p.seed);
        bp.regularization = p.classRegularization;
        bp.epsilon = p.classRegularization == MahalanobisTransform::RIDGE ? p.regularizationEpsilon : -1.0;
        bp.metric = NearestNeighborIndex::INNER_PRODUCT;
        break;
    }
    bp.hnsw.seed = bp.seed;
    return bp;
}

ImageFeatureConverter::Params converterParams(const Params& p)
{
    ImageFeatureConverter::Params cp;
    cp.mode = p.imageFeatureMode;
    cp.q = p.q;
    cp.alpha = p.alpha;
    return cp;
}

GaussianModel::Params gaussianParams(const Params& p)
{
    GaussianModel::Params gp;
    gp.shrinkage = p.gaussianShrinkage;
    return gp;
}

FusionWeights fusionWeights(const Params& p)
{
    FusionWeights w;
    w.w = p.w;
    w.wI = p.wI;
    w.wIG = p.wIG;
    return w;
}

} // namespace detail
}} // namespace cv::uniSLAD
