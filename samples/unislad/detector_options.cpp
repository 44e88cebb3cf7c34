// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "detector_options.hpp"
#include "ablation.hpp"

namespace unislad {
namespace cli {

const char* const kDetectorKeys =
    "{preset          |default    | parameter preset: default (offline MobileNetV2) or paper (WRN-50-2 + ViT-B/16)}"
    "{weights         |imagenet   | weights of the paper preset's backbones: imagenet or random}"
    "{manifest        |<optional> | a backbone manifest (YAML beside an ONNX file) for both branches instead of the preset's}"
    "{model-dir       |<optional> | folder of the generated backbones (default: $UNISLAD_MODEL_DIR or ~/.cache/unislad/models)}"
    "{backend         |cpu        | where the backbones run: cpu or cuda}"
    "{ablation        |preset     | preset (as it is), full (every component), patchcore, a Table III row t3-1..t3-9, or a Table IV row ifc-mean, ifc-lum, ifc-pmp, ifc-lum-pmp}"
    "{fusion          |calibrated | score fusion: calibrated or raw (the paper's sums)}"
    "{grid            |0          | local grid K (0: the preset's)}"
    "{local-dims      |0          | dimension of the local features (0: the preset's)}"
    "{pretrain-dims   |0          | per-tap dimension of the local aggregation (0: the preset's)}"
    "{local-ratio     |0          | coreset ratio of the local bank (0: the preset's)}"
    "{global-ratio    |0          | coreset ratio of the global bank (0: the preset's)}"
    "{mt              |ridge      | regularisation of the Mahalanobis transform: ridge or ledoit-wolf}"
    "{mt-epsilon      |0          | ridge epsilon relative to the mean variance, or fixed shrinkage (0: the preset's)}"
    "{w               |-1         | weight of the patch level in Eq. 21 (-1: the preset's)}"
    "{w-i             |-1         | weight of the global image score in Eq. 20 (-1: the preset's)}"
    "{index           |auto       | nearest-neighbour search of the memory banks: exact, hnsw (approximate) or auto (hnsw for large banks)}"
    "{auto-index-threshold |0     | auto: banks of at least this many vectors use hnsw (0: the preset's, 50000)}"
    "{hnsw-m          |0          | HNSW links per node, 2..2048 (0: the preset's, 16)}"
    "{hnsw-ef-construction |0     | HNSW candidate list while building (0: the preset's, 200)}"
    "{hnsw-ef-search  |0          | HNSW candidate list while searching, larger = better recall, slower (0: the preset's, 64)}"
    "{seed            |0          | seed of the coreset projections and the calibration hold-out}"
    "{threads         |0          | worker threads (0: all cores)}";

bool detectorParams(Options& o, cv::uniSLAD::Params& p, std::string& error)
{
    using namespace cv::uniSLAD;
    const std::string preset = o.value("preset"), weights = o.value("weights"), dir = o.value("model-dir");
    if (preset == "default")
        p = Params::defaults(dir);
    else if (preset == "paper") {
        if (weights != "imagenet" && weights != "random") {
            error = "--weights: expected imagenet or random, found '" + weights + "'";
            return false;
        }
        p = Params::paper(dir, weights);
    } else {
        error = "--preset: expected default or paper, found '" + preset + "'";
        return false;
    }
    const std::string manifest = o.value("manifest");
    if (!manifest.empty()) {
        p.localManifest = manifest;
        p.globalManifest.clear();
        p.localTaps.clear();
        p.globalTaps.clear();
        p.classTap.clear();
    }
    const std::string backend = o.value("backend");
    if (backend != "cpu" && backend != "cuda") {
        error = "--backend: expected cpu or cuda, found '" + backend + "'";
        return false;
    }
    p.backend = backend == "cuda" ? COMPUTE_CUDA : COMPUTE_CPU;
    const std::string fusion = o.value("fusion");
    if (fusion != "calibrated" && fusion != "raw") {
        error = "--fusion: expected calibrated or raw, found '" + fusion + "'";
        return false;
    }
    p.fusion = fusion == "raw" ? FUSION_RAW : FUSION_CALIBRATED;
    try {
        applyAblation(o.value("ablation"), p);
    } catch (const cv::Exception& e) {
        error = "--ablation: " + e.err;
        return false;
    }
    long long grid = 0, seed = 0, threads = 0;
    if (!parseCount(o.value("grid"), 1024, grid) || !parseCount(o.value("seed"), 2147483647LL, seed) ||
        !parseCount(o.value("threads"), 1024, threads)) {
        error = "--grid, --seed, --threads: expected non-negative integers";
        return false;
    }
    if (grid > 0)
        p.gridSize = (int)grid;
    long long localDims = 0, pretrainDims = 0;
    if (!parseCount(o.value("local-dims"), 65536, localDims) || !parseCount(o.value("pretrain-dims"), 65536, pretrainDims)) {
        error = "--local-dims, --pretrain-dims: expected non-negative integers";
        return false;
    }
    if (localDims > 0)
        p.localDims = (int)localDims;
    if (pretrainDims > 0)
        p.pretrainDims = (int)pretrainDims;
    p.seed = (int)seed;
    p.numThreads = (int)threads;
    const double local = o.parser().get<double>("local-ratio"), global = o.parser().get<double>("global-ratio");
    if (!(local >= 0 && local <= 1) || !(global >= 0 && global <= 1)) {
        error = "--local-ratio, --global-ratio: expected a value in (0, 1], or 0 for the preset's";
        return false;
    }
    const std::string mt = o.value("mt");
    if (mt != "ridge" && mt != "ledoit-wolf") {
        error = "--mt: expected ridge or ledoit-wolf, found '" + mt + "'";
        return false;
    }
    p.regularization = mt == "ridge" ? MahalanobisTransform::RIDGE : MahalanobisTransform::LEDOIT_WOLF;
    const double eps = o.parser().get<double>("mt-epsilon");
    if (eps > 0)
        p.regularizationEpsilon = eps;
    else if (mt == "ledoit-wolf")
        p.regularizationEpsilon = -1;  // estimate the shrinkage
    const double w = o.parser().get<double>("w"), wi = o.parser().get<double>("w-i");
    if (w > 1 || wi > 1) {
        error = "--w, --w-i: expected a value in [0, 1], or -1 for the preset's";
        return false;
    }
    if (w >= 0)
        p.w = w;
    if (wi >= 0)
        p.wI = wi;
    const std::string index = o.value("index");
    if (index != "exact" && index != "hnsw" && index != "auto") {
        error = "--index: expected exact, hnsw or auto, found '" + index + "'";
        return false;
    }
    p.index = index == "exact" ? INDEX_EXACT : index == "hnsw" ? INDEX_HNSW : INDEX_AUTO;
    long long m = 0, efc = 0, efs = 0, threshold = 0;
    if (!parseCount(o.value("hnsw-m"), 2048, m) || m == 1) {
        error = "--hnsw-m: expected an integer 2 to 2048, or 0 for the preset's, found '" + o.value("hnsw-m") + "'";
        return false;
    }
    if (!parseCount(o.value("hnsw-ef-construction"), 1000000, efc) || !parseCount(o.value("hnsw-ef-search"), 1000000, efs) ||
        !parseCount(o.value("auto-index-threshold"), 2147483647LL, threshold)) {
        error = "--hnsw-ef-construction, --hnsw-ef-search, --auto-index-threshold: expected non-negative integers";
        return false;
    }
    if (m > 0)
        p.hnswM = (int)m;
    if (efc > 0)
        p.hnswEfConstruction = (int)efc;
    if (efs > 0)
        p.hnswEfSearch = (int)efs;
    if (threshold > 0)
        p.autoIndexThreshold = (int)threshold;
    if (local > 0)
        p.localCoresetRatio = local;
    if (global > 0)
        p.globalCoresetRatio = global;
    return true;
}

} // namespace cli
} // namespace unislad
