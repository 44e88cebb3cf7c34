// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "opencv2/unislad.hpp"

namespace cv {
namespace uniSLAD {

// Params() is Params::defaults() but for the backbone, which is looked up (resolveBackbones) when a
// detector is created, so that building the struct touches no file system and reads no environment.
Params::Params()
    : gridSize(56), patchSize(3), pretrainDims(256), localDims(256), backend(COMPUTE_CPU), batchSize(8),
      localCoresetRatio(0.025), globalCoresetRatio(0.2), projectionDims(128),
      regularization(MahalanobisTransform::RIDGE), regularizationEpsilon(1e-3),
      classRegularization(MahalanobisTransform::LEDOIT_WOLF), index(INDEX_AUTO), autoIndexThreshold(50000),
      hnswM(16), hnswEfConstruction(200), hnswEfSearch(64),
      imageFeatureMode(ImageFeatureConverter::PMP_LUM), q(3.0), alpha(0.05), gaussianShrinkage(-1.0),
      w(0.6), wI(0.2), wIG(0.5), fusion(FUSION_CALIBRATED), calibrationFraction(0.2),
      thresholdQuantile(0.99), thresholdMargin(0.5), mapSigma(4.0),
      useLocal(true), useGlobal(true), useMahalanobis(false), usePatchBank(true), useImageDistribution(true),
      seed(0), numThreads(0), maxFeatureMemoryMiB(4096), embedBackbones(true)
{
    // Why these values (each measured on the synthetic MVTec LOCO style sets, BENCHMARKS.md):
    // * K = 56 is MobileNetV2's native resolution of block_2_add at 224 px; with the local bank and
    //   feature size cut to keep detect under 100 ms (ratio 0.025: the bank of K = 28 at ratio 0.1;
    //   256 dimensions) it scored 75.5 mean I-AUROC, 0.8 below the best setting tried (K = 56, 512
    //   dimensions, 93 ms) and 2.3 above K = 28 ("Local grid K").
    // * Eq. 21's w = 0.5 left this setting 1.5 structural points below its own PatchCore-only ablation
    //   (73.4 vs 74.9); w = 0.6 gives 76.2 / 75.0 (logical / structural) against PatchCore's 63.0 / 74.9
    //   ("Detector accuracy"). Params::paper() keeps the paper's 0.5.
    // * With MobileNetV2's features the Mahalanobis transform lowers structural I-AUROC by 8-16 points at
    //   every regularisation tried (ε 1e-3 to 100, Ledoit-Wolf), because its row normalisation (Eq. 10)
    //   discards the activation magnitude that carries small defects. The paper preset keeps it.
    // * The default local taps have few channels (block_2_add 24, block_5_add 32): their 3x3
    //   neighbourhoods hold 216 and 288 values, so 256 per tap (pretrainDims) keeps nearly all of it.
}

Params Params::defaults(const String& modelDir)
{
    Params p;
    p.localManifest = DualFeatureExtractor::Params::defaults(modelDir).localManifest;
    return p;
}

Params Params::paper(const String& modelDir, const String& weights)
{
    Params p;
    const DualFeatureExtractor::Params f = DualFeatureExtractor::Params::paper(modelDir, weights);
    p.localManifest = f.localManifest;
    p.globalManifest = f.globalManifest;
    p.gridSize = f.localAggregation.gridSize;        // K = 56
    p.pretrainDims = f.localAggregation.pretrainDims;
    p.localDims = f.localAggregation.targetDims;
    p.localCoresetRatio = 0.2;
    p.globalCoresetRatio = 0.2;
    p.q = 3.0;
    p.alpha = 0.05;
    p.wI = 0.2;
    p.w = 0.5;
    p.useMahalanobis = true;
    return p;
}

namespace {

void writeStrings(FileStorage& fs, const char* key, const std::vector<String>& v)
{
    fs << key << "[";
    for (const String& s : v)
        fs << s;
    fs << "]";
}

template <typename T>
void readIfPresent(const FileNode& node, const char* key, T& value)
{
    const FileNode n = node[key];
    if (!n.empty())
        n >> value;
}

void readBool(const FileNode& node, const char* key, bool& value)
{
    const FileNode n = node[key];
    if (!n.empty())
        value = (int)n != 0;
}

} // namespace

void Params::write(FileStorage& fs) const
{
    fs << "localManifest" << localManifest << "globalManifest" << globalManifest;
    writeStrings(fs, "localTaps", localTaps);
    writeStrings(fs, "globalTaps", globalTaps);
    fs << "classTap" << classTap << "gridSize" << gridSize << "patchSize" << patchSize
       << "pretrainDims" << pretrainDims << "localDims" << localDims << "backend" << backend << "batchSize" << batchSize
       << "localCoresetRatio" << localCoresetRatio << "globalCoresetRatio" << globalCoresetRatio
       << "projectionDims" << projectionDims << "regularization" << regularization
       << "regularizationEpsilon" << regularizationEpsilon << "classRegularization" << classRegularization
       << "index" << index << "autoIndexThreshold" << autoIndexThreshold << "hnswM" << hnswM
       << "hnswEfConstruction" << hnswEfConstruction << "hnswEfSearch" << hnswEfSearch
       << "imageFeatureMode" << imageFeatureMode
       << "q" << q << "alpha" << alpha << "gaussianShrinkage" << gaussianShrinkage
       << "w" << w << "wI" << wI << "wIG" << wIG << "fusion" << fusion << "calibrationFraction" << calibrationFraction
       << "thresholdQuantile" << thresholdQuantile << "thresholdMargin" << thresholdMargin << "mapSigma" << mapSigma
       << "useLocal" << (int)useLocal << "useGlobal" << (int)useGlobal << "useMahalanobis" << (int)useMahalanobis
       << "usePatchBank" << (int)usePatchBank << "useImageDistribution" << (int)useImageDistribution
       << "seed" << seed << "numThreads" << numThreads << "maxFeatureMemoryMiB" << maxFeatureMemoryMiB;
    // Written only when off, so that a model file (whose own sections say whether it embeds, and whose
    // parameters are written with the default here) keeps the bytes of the files written before it.
    if (!embedBackbones)
        fs << "embedBackbones" << 0;
    if (!roi.empty())
        fs << "roi" << roi;   // a model file keeps it as a tensor instead (UniSLAD::save)
}

void Params::read(const FileNode& node)
{
    readIfPresent(node, "localManifest", localManifest);
    readIfPresent(node, "globalManifest", globalManifest);
    readIfPresent(node, "localTaps", localTaps);
    readIfPresent(node, "globalTaps", globalTaps);
    readIfPresent(node, "classTap", classTap);
    readIfPresent(node, "gridSize", gridSize);
    readIfPresent(node, "patchSize", patchSize);
    readIfPresent(node, "pretrainDims", pretrainDims);
    readIfPresent(node, "localDims", localDims);
    readIfPresent(node, "backend", backend);
    readIfPresent(node, "batchSize", batchSize);
    readIfPresent(node, "localCoresetRatio", localCoresetRatio);
    readIfPresent(node, "globalCoresetRatio", globalCoresetRatio);
    readIfPresent(node, "projectionDims", projectionDims);
    readIfPresent(node, "regularization", regularization);
    readIfPresent(node, "regularizationEpsilon", regularizationEpsilon);
    readIfPresent(node, "classRegularization", classRegularization);
    // Absent from models saved before the HNSW index: they keep the defaults, and load without a graph
    // (a bank the defaults send to HNSW then gets its graph built at load).
    readIfPresent(node, "index", index);
    readIfPresent(node, "autoIndexThreshold", autoIndexThreshold);
    readIfPresent(node, "hnswM", hnswM);
    readIfPresent(node, "hnswEfConstruction", hnswEfConstruction);
    readIfPresent(node, "hnswEfSearch", hnswEfSearch);
    readIfPresent(node, "imageFeatureMode", imageFeatureMode);
    readIfPresent(node, "q", q);
    readIfPresent(node, "alpha", alpha);
    readIfPresent(node, "gaussianShrinkage", gaussianShrinkage);
    readIfPresent(node, "w", w);
    readIfPresent(node, "wI", wI);
    readIfPresent(node, "wIG", wIG);
    readIfPresent(node, "fusion", fusion);
    readIfPresent(node, "calibrationFraction", calibrationFraction);
    readIfPresent(node, "thresholdQuantile", thresholdQuantile);
    readIfPresent(node, "thresholdMargin", thresholdMargin);
    readIfPresent(node, "mapSigma", mapSigma);
    readBool(node, "useLocal", useLocal);
    readBool(node, "useGlobal", useGlobal);
    readBool(node, "useMahalanobis", useMahalanobis);
    readBool(node, "usePatchBank", usePatchBank);
    readBool(node, "useImageDistribution", useImageDistribution);
    readIfPresent(node, "seed", seed);
    readIfPresent(node, "numThreads", numThreads);
    readIfPresent(node, "maxFeatureMemoryMiB", maxFeatureMemoryMiB);  // absent in older files: the default
    readBool(node, "embedBackbones", embedBackbones);   // absent: the default (a model file's sections decide)
    readIfPresent(node, "roi", roi);
}

}} // namespace cv::uniSLAD
