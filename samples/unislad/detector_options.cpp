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
    "{global-manifest |<optional> | a second backbone's manifest for the global and class branches (its default global and class taps)}"
    "{class-tap       |<optional> | the class feature's tap of the global branch's backbone (a C x H x W map is average-pooled)}"
    "{model-dir       |<optional> | folder of the generated backbones (default: $UNISLAD_MODEL_DIR or ~/.cache/unislad/models)}"
    "{backend         |cpu        | where the backbones run: cpu or cuda}"
    "{ablation        |preset     | preset (as it is), full (every component), patchcore, a Table III row t3-1..t3-9, or a Table IV row ifc-mean, ifc-lum, ifc-pmp, ifc-lum-pmp}"
    "{fusion          |calibrated | score fusion: calibrated or raw (the paper's sums)}"
    "{grid            |0          | local grid K, 1 to 1024 (0: the preset's)}"
    "{local-dims      |0          | dimension of the local features, 1 to 65536 (0: the preset's)}"
    "{pretrain-dims   |0          | per-tap dimension of the local aggregation, 1 to 65536 (0: the preset's)}"
    "{local-ratio     |0          | coreset ratio of the local bank, in (0, 1] (0: the preset's)}"
    "{global-ratio    |0          | coreset ratio of the global bank, in (0, 1] (0: the preset's)}"
    "{mt              |ridge      | regularisation of the Mahalanobis transform: ridge or ledoit-wolf}"
    "{mt-epsilon      |0          | ridge: epsilon relative to the mean variance, in (0, 1e6]; ledoit-wolf: a fixed shrinkage in (0, 1] (0: the preset's, ledoit-wolf: estimated)}"
    "{w               |-1         | weight of the patch level against the image level in the score, in [0, 1] (-1: the preset's)}"
    "{w-i             |-1         | weight of the global image score against the class score in the image level, in [0, 1] (-1: the preset's)}"
    "{index           |auto       | nearest-neighbour search of the memory banks: exact, hnsw (approximate) or auto (hnsw for large banks)}"
    "{auto-index-threshold |0     | auto: banks of at least this many vectors use hnsw, up to 2147483647 (0: the preset's, 50000)}"
    "{hnsw-m          |0          | HNSW links per node, 2 to 2048 (0: the preset's, 16)}"
    "{hnsw-ef-construction |0     | HNSW candidate list while building, 1 to 1000000 (0: the preset's, 200)}"
    "{hnsw-ef-search  |0          | HNSW candidate list while searching, 1 to 1000000, larger = better recall, slower (0: the preset's, 64)}"
    "{seed            |0          | seed of the coreset projections and the calibration hold-out, 0 to 2147483647}"
    "{threads         |0          | worker threads, 0 to 1024 (0: all cores)}";

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
    const std::string globalManifest = o.value("global-manifest");
    if (!globalManifest.empty()) {
        p.globalManifest = globalManifest;
        p.globalTaps.clear();
        p.classTap.clear();
    }
    const std::string classTap = o.value("class-tap");
    if (!classTap.empty())
        p.classTap = classTap;
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
    // Each numeric option is read as the text given and parsed strictly (CommandLineParser::get<double>
    // turns "abc" into 0, which for -w would switch the patch level off); a bad one is named alone.
    auto integer = [&](const char* name, long long lo, long long hi, const char* expected, long long& v) {
        if (parseInteger(o.text(name), lo, hi, v))
            return true;
        error = badValue(name, expected, o.text(name));
        return false;
    };
    auto real = [&](const char* name, double lo, double hi, const char* expected, double& v) {
        if (parseReal(o.text(name), lo, hi, false, false, v))
            return true;
        error = badValue(name, expected, o.text(name));
        return false;
    };
    long long grid = 0, seed = 0, threads = 0, localDims = 0, pretrainDims = 0;
    if (!integer("grid", 0, 1024, "an integer 1 to 1024, or 0 for the preset's", grid) ||
        !integer("seed", 0, 2147483647LL, "an integer 0 to 2147483647", seed) ||
        !integer("threads", 0, 1024, "an integer 0 to 1024 (0: all cores)", threads) ||
        !integer("local-dims", 0, 65536, "an integer 1 to 65536, or 0 for the preset's", localDims) ||
        !integer("pretrain-dims", 0, 65536, "an integer 1 to 65536, or 0 for the preset's", pretrainDims))
        return false;
    if (grid > 0)
        p.gridSize = (int)grid;
    if (localDims > 0)
        p.localDims = (int)localDims;
    if (pretrainDims > 0)
        p.pretrainDims = (int)pretrainDims;
    p.seed = (int)seed;
    p.numThreads = (int)threads;
    // The coreset ratios are in (0, 1] (validateParams); 0, the sentinel, closes the range below.
    double local = 0, global = 0;
    if (!real("local-ratio", 0, 1, "a number in (0, 1], or 0 for the preset's", local) ||
        !real("global-ratio", 0, 1, "a number in (0, 1], or 0 for the preset's", global))
        return false;
    const std::string mt = o.value("mt");
    if (mt != "ridge" && mt != "ledoit-wolf") {
        error = "--mt: expected ridge or ledoit-wolf, found '" + mt + "'";
        return false;
    }
    p.regularization = mt == "ridge" ? MahalanobisTransform::RIDGE : MahalanobisTransform::LEDOIT_WOLF;
    // validateParams takes a ridge epsilon up to 1e6 and a Ledoit-Wolf shrinkage up to 1.
    const bool ridge = mt == "ridge";
    double eps = 0;
    if (!real("mt-epsilon", 0, ridge ? 1e6 : 1,
              ridge ? "a number in (0, 1e6] (ridge epsilon), or 0 for the preset's"
                    : "a number in (0, 1] (ledoit-wolf shrinkage), or 0 to estimate it", eps))
        return false;
    if (eps > 0)
        p.regularizationEpsilon = eps;
    else if (!ridge)
        p.regularizationEpsilon = -1;  // estimate the shrinkage
    // -w and --w-i are weights in [0, 1]; exactly -1 (the default) keeps the preset's.
    double w = -1, wi = -1;
    for (const auto& [name, target] : { std::pair<const char*, double*>{ "w", &w }, { "w-i", &wi } }) {
        const std::string t = o.text(name);
        if (!parseReal(t, -1, -1, false, false, *target) && !parseReal(t, 0, 1, false, false, *target)) {
            error = badValue(name, "a number in [0, 1], or -1 for the preset's", t);
            return false;
        }
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
    if (!integer("hnsw-m", 0, 2048, "an integer 2 to 2048, or 0 for the preset's", m))
        return false;
    if (m == 1) {
        error = badValue("hnsw-m", "an integer 2 to 2048, or 0 for the preset's", o.text("hnsw-m"));
        return false;
    }
    if (!integer("hnsw-ef-construction", 0, 1000000, "an integer 1 to 1000000, or 0 for the preset's", efc) ||
        !integer("hnsw-ef-search", 0, 1000000, "an integer 1 to 1000000, or 0 for the preset's", efs) ||
        !integer("auto-index-threshold", 0, 2147483647LL, "an integer 1 to 2147483647, or 0 for the preset's", threshold))
        return false;
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
