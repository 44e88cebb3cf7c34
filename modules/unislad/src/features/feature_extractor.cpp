// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "opencv2/unislad/feature_extractor.hpp"
#include "features/backbone_manifest.hpp"
#include "features/backbone_source.hpp"

#include <cmath>

namespace cv {
namespace uniSLAD {

namespace {

const char* const kFunc = "DualFeatureExtractor";

int squareSide(int count)
{
    const int side = (int)std::lround(std::sqrt((double)count));
    return side * side == count ? side : -1;
}

/** How one global tap becomes tokens on a G × G grid. */
struct TokenLayout
{
    int grid = 0;          //!< G
    int dims = 0;          //!< channels per token
    bool isMap = false;    //!< C × H × W map (else T × D tokens)
    int skipLeading = 0;   //!< leading tokens to drop (the class token)
};

TokenLayout tokenLayout(const BackboneTap& tap)
{
    TokenLayout l;
    if (tap.shape.size() == 3) {
        if (tap.shape[1] != tap.shape[2])
            CV_Error(Error::StsBadArg, format("%s: global tap '%s': expected a square map, found %dx%d",
                                              kFunc, tap.name.c_str(), tap.shape[2], tap.shape[1]));
        l.grid = tap.shape[1];
        l.dims = tap.shape[0];
        l.isMap = true;
    } else if (tap.shape.size() == 2) {
        const int t = tap.shape[0];
        l.dims = tap.shape[1];
        if ((l.grid = squareSide(t)) < 0) {
            l.grid = squareSide(t - 1);
            l.skipLeading = 1;
        }
        if (l.grid < 0)
            CV_Error(Error::StsBadArg, format("%s: global tap '%s': expected G^2 or G^2 + 1 tokens, found %d",
                                              kFunc, tap.name.c_str(), t));
    } else {
        CV_Error(Error::StsBadArg, format("%s: global tap '%s': expected a C x H x W map or T x D tokens",
                                          kFunc, tap.name.c_str()));
    }
    return l;
}

std::vector<String> namesOf(const std::vector<BackboneTap>& taps)
{
    std::vector<String> names;
    for (const BackboneTap& t : taps)
        names.push_back(t.name);
    return names;
}

std::vector<BackboneTap> resolveTaps(const BackboneManifest& m, const std::vector<String>& asked, const char* role)
{
    std::vector<BackboneTap> taps;
    if (asked.empty())
        taps = m.tapsFor(role, true);
    else
        for (const String& name : asked)
            taps.push_back(m.tap(name));
    if (taps.empty())
        CV_Error(Error::StsBadArg, format("%s: %s taps: none given and '%s' marks no default %s tap",
                                          kFunc, role, m.manifestPath.c_str(), role));
    return taps;
}

void appendUnique(std::vector<String>& names, const std::vector<String>& more)
{
    for (const String& n : more)
        if (std::find(names.begin(), names.end(), n) == names.end())
            names.push_back(n);
}

/** The embedded backbone whose manifest was read from `path`; nullptr: read the files. */
const detail::BackboneSource* embeddedAt(const std::vector<detail::BackboneSource>& embedded, const String& path)
{
    for (const detail::BackboneSource& b : embedded)
        if (b.embedded() && b.manifestPath == path)
            return &b;
    return nullptr;
}

BackboneManifest manifestAt(const std::vector<detail::BackboneSource>& embedded, const String& path)
{
    const detail::BackboneSource* b = embeddedAt(embedded, path);
    return b ? detail::parseManifest(b->manifestText, path) : BackboneManifest::read(path);
}

Ptr<Backbone> backboneOf(const std::vector<detail::BackboneSource>& embedded, const BackboneManifest& m,
                         const std::vector<String>& taps, int backend)
{
    const detail::BackboneSource* b = embeddedAt(embedded, m.manifestPath);
    if (!b)
        return Backbone::create(m, taps, backend);
    // Bytes the caller checked against the hash the manifest gives are not hashed a second time (a
    // second pass over the paper preset's 600 MB would add about a second to every load).
    BackboneManifest checked = m;
    if (!b->sha256.empty() && b->sha256 == m.sha256)
        checked.sha256.clear();
    return Backbone::createFromBuffer(checked, *b->onnx, taps, backend);
}

/** Index of `name` in the outputs of a backbone. */
int outputIndex(const Ptr<Backbone>& net, const String& name)
{
    const std::vector<String> names = net->tapNames();
    return (int)(std::find(names.begin(), names.end(), name) - names.begin());
}

class DualFeatureExtractorImpl CV_FINAL : public DualFeatureExtractor
{
public:
    DualFeatureExtractorImpl(const DualFeatureExtractor::Params& p, const std::vector<detail::BackboneSource>& embedded)
        : params_(p), aggregator_(p.localAggregation)
    {
        if (p.localManifest.empty())
            CV_Error(Error::StsBadArg, format("%s: localManifest: expected the path of a backbone manifest, found an empty string", kFunc));
        if (p.batchSize < 1)
            CV_Error(Error::StsOutOfRange, format("%s: batchSize: expected >= 1, found %d", kFunc, p.batchSize));
        if (!p.useLocal && !p.useGlobal)
            CV_Error(Error::StsBadArg, format("%s: useLocal, useGlobal: expected at least one branch, found both off", kFunc));
        const BackboneManifest localM = manifestAt(embedded, p.localManifest);
        const bool shared = p.globalManifest.empty() || p.globalManifest == p.localManifest;
        const BackboneManifest globalM = shared ? localM : manifestAt(embedded, p.globalManifest);

        if (p.useLocal) {
            localTaps_ = resolveTaps(localM, p.localTaps, "local");
            for (const BackboneTap& t : localTaps_)
                if (t.shape.size() != 3)
                    CV_Error(Error::StsBadArg, format("%s: local tap '%s': expected a C x H x W feature map", kFunc, t.name.c_str()));
        }
        if (p.useGlobal) {
            globalTaps_ = resolveTaps(globalM, p.globalTaps, "global");
            classTap_ = resolveTaps(globalM, p.classTap.empty() ? std::vector<String>() : std::vector<String>{ p.classTap },
                                    "class")[0];
        }

        for (const BackboneTap& t : globalTaps_) {
            const TokenLayout l = tokenLayout(t);
            if (!layouts_.empty() && l.grid != layouts_[0].grid)
                CV_Error(Error::StsBadArg, format("%s: global taps: expected one grid, found %dx%d ('%s') and %dx%d ('%s')",
                                                  kFunc, layouts_[0].grid, layouts_[0].grid, globalTaps_[0].name.c_str(),
                                                  l.grid, l.grid, t.name.c_str()));
            layouts_.push_back(l);
            globalDims_ += l.dims;
        }
        if (p.useGlobal) {
            classDims_ = classTap_.shape[0];
            if (classTap_.shape.size() == 2)
                classDims_ = classTap_.shape[1];
        }

        const LocalFeatureAggregator::Params& a = p.localAggregation;
        if (!p.useLocal)
            localGrid_ = 0;
        else if (a.gridSize > 0)
            localGrid_ = a.gridSize;
        else if (localTaps_[0].shape[1] == localTaps_[0].shape[2])
            localGrid_ = localTaps_[0].shape[1];
        else
            CV_Error(Error::StsBadArg, format("%s: local tap '%s': expected a square map when localAggregation.gridSize is 0",
                                              kFunc, localTaps_[0].name.c_str()));

        std::vector<String> globalNames = namesOf(globalTaps_);
        if (p.useGlobal)
            appendUnique(globalNames, { classTap_.name });
        if (shared) {
            std::vector<String> all = namesOf(localTaps_);
            appendUnique(all, globalNames);
            local_ = global_ = backboneOf(embedded, localM, all, p.backend);
        } else {
            if (p.useLocal)
                local_ = backboneOf(embedded, localM, namesOf(localTaps_), p.backend);
            if (p.useGlobal)
                global_ = backboneOf(embedded, globalM, globalNames, p.backend);
        }
    }

    void extract(InputArrayOfArrays images, OutputArray _local, OutputArray _global, OutputArray _cls) CV_OVERRIDE
    {
        std::vector<Mat> list;
        if (!images.empty())
            images.getMatVector(list);
        if (list.empty())
            CV_Error(Error::StsBadArg, format("%s::extract: images: expected at least one image, found none", kFunc));
        const int n = (int)list.size();
        const int k2 = localGrid_ * localGrid_, g2 = globalGrid() * globalGrid();
        Mat local, global, cls;
        if (params_.useLocal)
            local.create(n * k2, localDims(), CV_32F);
        if (params_.useGlobal) {
            global.create(n * g2, globalDims_, CV_32F);
            cls.create(n, classDims_, CV_32F);
        }

        for (int start = 0; start < n; start += params_.batchSize) {
            const int end = std::min(n, start + params_.batchSize);
            const std::vector<Mat> batch(list.begin() + start, list.begin() + end);
            std::vector<Mat> localOuts, globalOuts;
            if (local_)
                local_->forwardImages(batch, localOuts);
            if (global_ == local_)
                globalOuts = localOuts;
            else if (global_)
                global_->forwardImages(batch, globalOuts);

            if (params_.useLocal) {
                std::vector<Mat> maps;
                for (const BackboneTap& t : localTaps_)
                    maps.push_back(localOuts[outputIndex(local_, t.name)]);
                Mat localRows = local.rowRange(start * k2, end * k2);
                aggregator_.aggregate(maps, localRows);
            }

            for (int i = start; i < end && params_.useGlobal; ++i) {
                Mat tokens = global.rowRange(i * g2, (i + 1) * g2);
                int col = 0;
                for (size_t t = 0; t < globalTaps_.size(); ++t) {
                    const Mat& out = globalOuts[outputIndex(global_, globalTaps_[t].name)];
                    const TokenLayout& l = layouts_[t];
                    Mat dst = tokens.colRange(col, col + l.dims);
                    if (l.isMap) {  // C x (G·G) -> (G·G) x C
                        const Mat planes(l.dims, g2, CV_32F, const_cast<float*>(out.ptr<float>(i - start)));
                        transpose(planes, dst);
                    } else {
                        const Mat rows(g2, l.dims, CV_32F, const_cast<float*>(out.ptr<float>(i - start)) + l.skipLeading * l.dims);
                        rows.copyTo(dst);
                    }
                    col += l.dims;
                }
                classFeature(globalOuts[outputIndex(global_, classTap_.name)], i - start).copyTo(cls.row(i));
            }
        }
        _local.assign(local);
        _global.assign(global);
        _cls.assign(cls);
    }

    int localGrid() const CV_OVERRIDE { return localGrid_; }
    int globalGrid() const CV_OVERRIDE { return layouts_.empty() ? 0 : layouts_[0].grid; }
    int localDims() const CV_OVERRIDE { return params_.useLocal ? params_.localAggregation.targetDims : 0; }
    int globalDims() const CV_OVERRIDE { return globalDims_; }
    int classDims() const CV_OVERRIDE { return classDims_; }
    DualFeatureExtractor::Params getParams() const CV_OVERRIDE { return params_; }
    Ptr<Backbone> localBackbone() const CV_OVERRIDE { return local_; }
    Ptr<Backbone> globalBackbone() const CV_OVERRIDE { return global_; }

private:
    /** The class feature of image i of a batch: a vector as is, a map average-pooled, tokens' first. */
    Mat classFeature(const Mat& out, int i) const
    {
        const float* p = out.ptr<float>(i);
        if (classTap_.shape.size() == 3) {
            const int c = classTap_.shape[0], hw = classTap_.shape[1] * classTap_.shape[2];
            Mat pooled;
            reduce(Mat(c, hw, CV_32F, const_cast<float*>(p)), pooled, 1, REDUCE_AVG);
            return pooled.t();
        }
        return Mat(1, classDims_, CV_32F, const_cast<float*>(p));
    }

    DualFeatureExtractor::Params params_;
    LocalFeatureAggregator aggregator_;
    std::vector<BackboneTap> localTaps_, globalTaps_;
    BackboneTap classTap_;
    std::vector<TokenLayout> layouts_;
    int localGrid_ = 0, globalDims_ = 0, classDims_ = 0;
    Ptr<Backbone> local_, global_;
};

std::string modelFolder(const String& dir)
{
    return dir.empty() ? defaultModelDirectory() : dir;
}

} // namespace

DualFeatureExtractor::~DualFeatureExtractor() {}

Ptr<DualFeatureExtractor> DualFeatureExtractor::create(const DualFeatureExtractor::Params& params)
{
    return makePtr<DualFeatureExtractorImpl>(params, std::vector<detail::BackboneSource>());
}

Ptr<DualFeatureExtractor> detail::createFeatureExtractor(const DualFeatureExtractor::Params& params,
                                                         const std::vector<detail::BackboneSource>& embedded)
{
    return makePtr<DualFeatureExtractorImpl>(params, embedded);
}

DualFeatureExtractor::Params DualFeatureExtractor::Params::defaults(const String& modelDir)
{
    DualFeatureExtractor::Params p;
    p.localManifest = modelFolder(modelDir) + "/mobilenet_v2_imagenet.yml";
    p.localAggregation.gridSize = 28;
    // The default local taps have few channels (block_2_add 24, block_5_add 32): their 3x3
    // neighbourhoods hold 216 and 288 values, so 256 per tap keeps nearly all of it, and 512 is the
    // whole concatenation. PatchCore's 1024 would only repeat values and double the search cost.
    p.localAggregation.pretrainDims = 256;
    p.localAggregation.targetDims = 512;
    return p;
}

DualFeatureExtractor::Params DualFeatureExtractor::Params::paper(const String& modelDir, const String& weights)
{
    if (weights != "imagenet" && weights != "random")
        CV_Error(Error::StsBadArg, "DualFeatureExtractor::Params::paper: weights: expected \"imagenet\" or \"random\", found \"" +
                 weights + "\"");
    DualFeatureExtractor::Params p;
    const std::string dir = modelFolder(modelDir);
    p.localManifest = dir + "/wide_resnet50_2_" + weights + ".yml";
    p.globalManifest = dir + "/vit_b_16_b12_" + weights + ".yml";
    p.localAggregation.gridSize = 56;
    p.localAggregation.pretrainDims = 1024;
    p.localAggregation.targetDims = 1024;
    return p;
}

}} // namespace cv::uniSLAD
