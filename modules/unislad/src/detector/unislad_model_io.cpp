// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// A fitted detector's state (parameters, backbone identities, banks, transforms, image features,
// calibration, threshold) and its two serialisations: the binary model file of save()/load() and
// cv::FileStorage for cv::Algorithm's write()/read().
#include "precomp.hpp"

#include "io/structured_text.hpp"
#include "detector/unislad_impl.hpp"
#include "detector/component_params.hpp"
#include "detector/model_backbones.hpp"
#include "io/file_type.hpp"
#include "io/model_archive.hpp"
#include "banks/nearest_neighbor_impl.hpp"
#include "scoring/nominal_scores.hpp"
#include "evaluation/threshold_text.hpp"
#include "scoring/pixel_threshold.hpp"

#include <fstream>

namespace cv {
namespace uniSLAD {
namespace detail {

[[noreturn]] void stateError(const std::string& source, const std::string& what)
{
    CV_Error(Error::StsParseError, "UniSLAD model '" + source + "': " + what);
}

namespace {

const int kStateFormat = 1;

const Mat& requireTensor(const ModelState& s, const String& name, const std::string& source)
{
    const Mat* m = s.tensor(name);
    if (!m)
        stateError(source, "missing tensor '" + name + "'");
    return *m;
}

/** A bank's tensors: <prefix>_bank, with MT <prefix>_mt_mean, <prefix>_mt_matrix; for a model that
    update() can grow (growable), <prefix>_source_count and, where the bank indexes other vectors than
    its coreset (see MemoryBank), <prefix>_coreset. */
void exportBank(ModelState& s, const char* prefix, const Ptr<MemoryBank>& bank, bool growable)
{
    if (!bank)
        return;
    const std::string p = prefix;
    s.tensors.push_back({ p + "_bank", bank->getBank() });
    const Mat coreset = bank->getCoreset();
    if (growable) {
        s.tensors.push_back({ p + "_source_count", Mat(1, 1, CV_32S, Scalar(bank->getSourceCount())) });
        if (!coreset.empty() && coreset.data != bank->getBank().data)
            s.tensors.push_back({ p + "_coreset", coreset });
    }
    if (Ptr<MahalanobisTransform> t = bank->getTransform()) {
        s.tensors.push_back({ p + "_mt_mean", t->getMean() });
        s.tensors.push_back({ p + "_mt_matrix", t->getTransform() });
    }
    // An HNSW bank stores its graph, so that a loaded model searches the same graph without a rebuild
    // (a parallel build is not reproducible).
    if (Ptr<HnswIndex> h = bank->getIndex().dynamicCast<HnswIndex>()) {
        std::vector<uchar> graph;
        h->writeGraph(graph);
        s.graphs.push_back({ p, std::move(graph) });
    }
}

Ptr<MemoryBank> importBank(const ModelState& s, const char* prefix, MemoryBank::Params bp, const std::string& source)
{
    const std::string p = prefix;
    const Mat* bank = s.tensor(p + "_bank");
    if (!bank)
        return Ptr<MemoryBank>();
    Ptr<MahalanobisTransform> t;
    if (bp.mahalanobis) {
        MahalanobisTransform::Params tp;
        tp.regularization = bp.regularization;
        const Mat& mean = requireTensor(s, p + "_mt_mean", source);
        const Mat& matrix = requireTensor(s, p + "_mt_matrix", source);
        if (mean.type() != CV_32F || matrix.type() != CV_32F || mean.rows != 1 || matrix.rows != matrix.cols ||
            mean.cols != matrix.cols || matrix.cols != bank->cols)
            stateError(source, format("bank '%s': transform of %s and %s does not fit a bank of %s", prefix,
                                      describeMat(mean).c_str(), describeMat(matrix).c_str(), describeMat(*bank).c_str()));
        t = MahalanobisTransform::create(mean, matrix, tp);
    }
    const Mat* coreset = s.tensor(p + "_coreset");
    const Mat* sourceCount = s.tensor(p + "_source_count");   // both absent in models saved before update()
    if (sourceCount && (sourceCount->total() != 1 || sourceCount->type() != CV_32S))
        stateError(source, format("tensor '%s_source_count': expected one CV_32S value, found %s", prefix,
                                  describeMat(*sourceCount).c_str()));
    const std::vector<uchar>* graph = s.graph(p);
    if (!graph && detail::resolveIndexType(bp.index, bank->rows, bp.autoIndexThreshold) == INDEX_HNSW)
        CV_LOG_WARNING(NULL, "UniSLAD model '" << source << "': bank '" << prefix << "' has no HNSW graph stored "
                       "(a model saved before the HNSW index, or with other parameters): building it now");
    try {
        return MemoryBank::create(bp, *bank, t, graph ? *graph : std::vector<uchar>(), coreset ? *coreset : Mat(),
                                  sourceCount ? sourceCount->at<int>(0) : 0);
    } catch (const cv::Exception& e) {
        stateError(source, std::string("bank '") + prefix + "': " + e.err);
    }
}

/** The Gaussian of stored nominal features (and a copy of them), refitted as fit() fitted it:
    deterministic, so the loaded model scores exactly as the saved one. */
Ptr<GaussianModel> refitGaussian(const ModelState& s, const char* name, const Params& p, Mat& features,
                                 const std::string& source)
{
    const Mat* x = s.tensor(name);
    if (!x)
        return Ptr<GaussianModel>();
    try {
        Ptr<GaussianModel> g = ImageDistributions::fitGaussian(p, *x);
        features = x->clone();
        return g;
    } catch (const cv::Exception& e) {
        stateError(source, std::string("tensor '") + name + "': " + e.err);
    }
}

} // namespace

const Mat* ModelState::tensor(const String& name) const
{
    for (const auto& t : tensors)
        if (t.first == name)
            return &t.second;
    return nullptr;
}

const std::vector<uchar>* ModelState::graph(const String& name) const
{
    for (const auto& g : graphs)
        if (g.first == name)
            return &g.second;
    return nullptr;
}

const String* ModelState::text(const String& name) const
{
    for (const auto& t : texts)
        if (t.first == name)
            return &t.second;
    return nullptr;
}

ModelState UniSLADImpl::exportState(bool embed) const
{
    if (!fitted_)
        CV_Error(Error::StsError, "UniSLAD::save: the detector is not fitted: nothing to save");
    ModelState s;
    FileStorage fs(".yml", FileStorage::WRITE | FileStorage::MEMORY);
    Params written = params_;
    written.roi = Mat();   // a tensor of its own, not a matrix in the text
    written.embedBackbones = true;   // not written: a model file's sections say it, cv::FileStorage a text
    fs << "params" << "{";
    written.write(fs);
    fs << "}";
    s.paramsYaml = fs.releaseAndGetString();
    if (!params_.roi.empty())
        s.tensors.push_back({ "roi", params_.roi });
    s.texts.push_back({ "library_version", getVersionString() });
    exportBackbones(backbones_, embed, s);
    // What update() needs is written only where it can grow the model: a model loaded from a file written
    // before update() existed is saved again as it was.
    const bool growable = !nominal_.empty();
    const PatchBanks& banks = model_.banks;
    exportBank(s, "local", banks.local, growable);
    exportBank(s, "global", banks.global, growable);
    exportBank(s, "class", banks.cls, growable);
    const ImageDistributions& d = model_.distributions;
    if (!d.localFeatures.empty()) s.tensors.push_back({ "local_image_features", d.localFeatures });
    if (!d.globalFeatures.empty()) s.tensors.push_back({ "global_image_features", d.globalFeatures });
    if (!d.classFeatures.empty()) s.tensors.push_back({ "class_features", d.classFeatures });
    s.tensors.push_back({ "calibration", stats_.toMat() });
    if (growable) {
        const NominalScoreTensors nominal = NominalScoreTensors::pack(nominal_);
        if (!nominal.patchLocal.empty()) s.tensors.push_back({ "calibration_patch_local", nominal.patchLocal });
        if (!nominal.patchGlobal.empty()) s.tensors.push_back({ "calibration_patch_global", nominal.patchGlobal });
        s.tensors.push_back({ "calibration_scores", nominal.scalars });
        Mat sizes((int)nominalSizes_.size(), 2, CV_32S);   // width, height; 0, 0: not known
        bool known = false;
        for (int i = 0; i < sizes.rows; ++i) {
            sizes.at<int>(i, 0) = nominalSizes_[i].width;
            sizes.at<int>(i, 1) = nominalSizes_[i].height;
            known = known || !nominalSizes_[i].empty();
        }
        if (known)   // none known: a file from before the sizes, saved again as it was
            s.tensors.push_back({ "calibration_sizes", sizes });
        s.texts.push_back({ "training_images", std::to_string(trainingImages_) });
    }
    s.tensors.push_back({ "threshold", Mat(1, 1, CV_32F, Scalar(threshold_)) });
    // Only a rule other than the automatic one is written: that one follows from the parameters and the
    // calibration scores, and files that leave it out (all those written before rules were kept) read as it.
    if (rule_.kind != THRESHOLD_CALIBRATION)
        s.texts.push_back({ "threshold_rule", thresholdRuleToText(rule_) });
    if (!pixelThresholdDerived_)   // otherwise load computes it again, the same way
        s.tensors.push_back({ "pixel_threshold", Mat(1, 1, CV_32F, Scalar(pixelThreshold_)) });
    return s;
}

void UniSLADImpl::importState(const ModelState& s, const std::string& source, int backend)
{
    Params p;
    FileStorage fs;
    try {
        openStructuredText(fs, s.paramsYaml);   // not OpenCV's YAML parser: see structured_text.hpp
    } catch (const cv::Exception& e) {
        stateError(source, "unreadable parameters: " + e.err);
    }
    if (!fs["params"].isMap())
        stateError(source, "the parameters lack their 'params' map");
    try {
        p.read(fs["params"]);
    } catch (const cv::Exception& e) {
        stateError(source, "unreadable parameters: " + e.err);
    }
    if (backend >= 0)
        p.backend = backend;
    if (const Mat* roi = s.tensor("roi"))
        p.roi = roi->clone();
    try {
        validateParams(p);
    } catch (const cv::Exception& e) {
        stateError(source, "invalid parameters: " + e.err);
    }

    // Backbones: embedded, or found on disk (model_backbones.hpp). A model file keeps its choice when
    // it is saved again; cv::FileStorage never embeds, and keeps the parameter as written.
    const std::vector<BackboneSource> backbones = importBackbones(s, p, source);
    if (s.fromModelFile)
        p.embedBackbones = !s.embedded.empty();
    else if (const String* embed = s.text("embed_backbones"))
        p.embedBackbones = *embed != "0";

    for (const auto& g : s.graphs)
        if (g.first != "local" && g.first != "global" && g.first != "class")
            stateError(source, "graph of an unknown bank '" + g.first + "'");
    FittedModel m;
    PatchBanks& banks = m.banks;
    banks.local = importBank(s, "local", bankParams(p, BankKind::LOCAL), source);
    banks.global = importBank(s, "global", bankParams(p, BankKind::GLOBAL), source);
    banks.cls = importBank(s, "class", bankParams(p, BankKind::CLASS), source);
    ImageDistributions& d = m.distributions;
    d.local = refitGaussian(s, "local_image_features", p, d.localFeatures, source);
    d.global = refitGaussian(s, "global_image_features", p, d.globalFeatures, source);
    d.cls = refitGaussian(s, "class_features", p, d.classFeatures, source);
    const bool patches = p.usePatchBank, images = p.useImageDistribution;
    if ((patches && p.useLocal && !banks.local) || (patches && p.useGlobal && !banks.global) ||
        (images && p.useLocal && !d.local) || (images && p.useGlobal && (!d.global || !d.cls)))
        stateError(source, "a component the parameters ask for is missing (truncated or edited file?)");

    CalibrationStats stats;
    try {
        stats = CalibrationStats::fromMat(requireTensor(s, "calibration", source));
    } catch (const cv::Exception& e) {
        stateError(source, "tensor 'calibration': " + e.err);
    }
    // The calibration images' component scores, which update() adds to (absent in models saved before it).
    std::vector<ComponentScores> nominal;
    if (const Mat* scalars = s.tensor("calibration_scores")) {
        NominalScoreTensors packed;
        packed.scalars = *scalars;
        for (const auto& map : { std::make_pair("calibration_patch_local", &packed.patchLocal),
                                 std::make_pair("calibration_patch_global", &packed.patchGlobal) })
            if (const Mat* stored = s.tensor(map.first))
                *map.second = *stored;
        try {
            nominal = packed.unpack();
        } catch (const cv::Exception& e) {
            stateError(source, e.err);
        }
        if ((patches && p.useLocal && packed.patchLocal.empty()) || (patches && p.useGlobal && packed.patchGlobal.empty()))
            stateError(source, "the calibration scores lack a patch map the parameters ask for");
    }
    // Their images' sizes, for the pixel threshold (absent in models saved before it: not known).
    std::vector<Size> sizes(nominal.size());
    if (const Mat* stored = s.tensor("calibration_sizes")) {
        if (stored->type() != CV_32S || stored->cols != 2 || stored->rows != (int)nominal.size())
            stateError(source, format("tensor 'calibration_sizes': expected %d x 2 CV_32S, found ", (int)nominal.size()) +
                       describeMat(*stored));
        for (int i = 0; i < stored->rows; ++i) {
            const int w = stored->at<int>(i, 0), h = stored->at<int>(i, 1);
            if (w < 0 || h < 0 || (w == 0) != (h == 0))
                stateError(source, format("tensor 'calibration_sizes': row %d: expected a size or 0 x 0, found %d x %d", i, w, h));
            sizes[i] = Size(w, h);
        }
    }
    int trainingImages = 0;
    if (const String* count = s.text("training_images")) {
        char* end = nullptr;
        const long v = std::strtol(count->c_str(), &end, 10);
        if (count->empty() || *end || v < 1 || v > INT_MAX)
            stateError(source, "text 'training_images': expected a positive count, found '" + *count + "'");
        trainingImages = (int)v;
    } else if (!d.localFeatures.empty() || !d.globalFeatures.empty()) {
        trainingImages = std::max(d.localFeatures.rows, d.globalFeatures.rows);
    }
    const Mat& t = requireTensor(s, "threshold", source);
    if (t.total() != 1 || t.type() != CV_32F || !std::isfinite(t.at<float>(0)))
        stateError(source, "tensor 'threshold': expected one finite CV_32F value, found " + describeMat(t));
    ThresholdRule rule = ThresholdRule::calibration(p.thresholdQuantile, p.thresholdMargin, (int)nominal.size());
    if (const String* text = s.text("threshold_rule")) {
        try {
            rule = thresholdRuleFromText(*text);
        } catch (const cv::Exception& e) {
            stateError(source, "text 'threshold_rule': " + e.err);
        }
    }
    // The pixel threshold; a model saved before it existed gets it by the rule (or its fallback).
    float pixel = 0;
    const bool derived = !s.tensor("pixel_threshold");
    if (const Mat* pt = s.tensor("pixel_threshold")) {
        if (pt->total() != 1 || pt->type() != CV_32F || !std::isfinite(pt->at<float>(0)))
            stateError(source, "tensor 'pixel_threshold': expected one finite CV_32F value, found " + describeMat(*pt));
        pixel = pt->at<float>(0);
    } else {
        const FusionWeights weights = fusionWeights(p);
        const CalibrationStats* fused = p.fusion == FUSION_CALIBRATED ? &stats : nullptr;
        if (nominal.empty())
            pixel = (float)fallbackPixelThreshold(stats, fused != nullptr, p.usePatchBank, t.at<float>(0));
        else
            pixel = (float)pixelThreshold(nominal, sizes, weights, fused, p.mapSigma, RegionOfInterest(p.roi));
    }

    // Everything checked: replace the current state, then load the backbones.
    params_ = p;
    model_ = m;
    stats_ = stats;
    nominal_ = nominal;
    nominalSizes_ = sizes;
    trainingImages_ = trainingImages;
    threshold_ = t.at<float>(0);
    rule_ = rule;
    scoreStats_ = fusedScoreStats(nominal_, stats_);
    pixelThreshold_ = pixel;
    pixelThresholdDerived_ = derived;
    backbones_ = backbones;
    features_.release();
    fitted_ = false;
    if (s.embedded.empty()) {
        features();   // loads the backbones now, so that a model that loads can detect
    } else {
        try {
            features();
        } catch (const cv::Exception& e) {
            stateError(source, "embedded backbone: " + e.err);
        }
    }
    fitted_ = true;
}

// cv::FileStorage references the backbones (manifest paths and SHA-256): tens of megabytes of network
// have no place in a text file, and a reader needs the backbone files, as for a referencing model file.
void UniSLADImpl::write(FileStorage& fs) const
{
    const ModelState s = exportState(false);
    fs << "format" << kStateFormat;
    fs << "params_yaml" << s.paramsYaml;
    fs << "texts" << "{";
    for (const auto& t : s.texts)
        fs << t.first << t.second;
    fs << "embed_backbones" << String(params_.embedBackbones ? "1" : "0");   // what save() would do after read()
    fs << "}" << "tensors" << "{";
    for (const auto& t : s.tensors)
        fs << t.first << t.second;
    fs << "}" << "graphs" << "{";
    for (const auto& g : s.graphs)
        fs << g.first << Mat(1, (int)g.second.size(), CV_8U, (void*)g.second.data());
    fs << "}";
}

void UniSLADImpl::read(const FileNode& node)
{
    const std::string source = "<FileStorage>";
    if (node.empty() || !node.isMap())
        stateError(source, "expected a map written by UniSLAD::write, found nothing");
    const int format = node["format"].empty() ? -1 : (int)node["format"];
    if (format != kStateFormat)
        stateError(source, cv::format("expected state format %d, found %d", kStateFormat, format));
    ModelState s;
    node["params_yaml"] >> s.paramsYaml;
    const FileNode texts = node["texts"], tensors = node["tensors"], graphs = node["graphs"];
    for (FileNodeIterator it = texts.begin(); it != texts.end(); ++it)
        s.texts.push_back({ (*it).name(), (std::string)*it });
    for (FileNodeIterator it = tensors.begin(); it != tensors.end(); ++it) {
        Mat m;
        *it >> m;
        s.tensors.push_back({ (*it).name(), m });
    }
    for (FileNodeIterator it = graphs.begin(); it != graphs.end(); ++it) {   // absent before the HNSW index
        Mat m;
        *it >> m;
        if (m.type() != CV_8U || (m.rows > 1 && m.cols > 1))
            stateError(source, "graph '" + (*it).name() + "': expected one row of CV_8U, found " + describeMat(m));
        s.graphs.push_back({ (*it).name(), std::vector<uchar>(m.ptr(), m.ptr() + m.total()) });
    }
    importState(s, source);
}

// The model file: one archive section per item, "params" (YAML), "text/<name>", "tensor/<name>",
// "graph/<bank>", and the embedded backbones' "backbone/<i>/..." (model_backbones.hpp).
namespace {

ModelArchiveWriter archiveOf(const ModelState& s)
{
    ModelArchiveWriter w;
    w.addText("params", s.paramsYaml);
    for (const auto& t : s.texts)
        w.addText("text/" + t.first, t.second);
    for (const auto& t : s.tensors)
        w.addTensor("tensor/" + t.first, t.second);
    for (const auto& g : s.graphs)
        w.addBytes("graph/" + g.first, g.second);
    writeEmbeddedSections(s, w);
    return w;
}

} // namespace

void UniSLADImpl::save(const String& path) const
{
    const ModelState s = exportState(params_.embedBackbones);
    archiveOf(s).save(path);
}

std::vector<uchar> UniSLADImpl::saveToBuffer() const
{
    const ModelState s = exportState(params_.embedBackbones);
    return archiveOf(s).serialize();
}

} // namespace detail

Ptr<UniSLAD> detail::loadModel(const ModelArchiveReader& r, const std::string& source, int backend)
{
    ModelState s;
    s.fromModelFile = true;
    if (!r.has("params"))
        stateError(source, "missing section 'params'");
    if (r.kind("params") != ArchiveSectionKind::Text)
        stateError(source, "section 'params': expected text");
    s.paramsYaml = r.text("params");
    for (const std::string& name : r.names()) {
        const ArchiveSectionKind kind = r.kind(name);
        if (name.rfind("text/", 0) == 0 && kind == ArchiveSectionKind::Text)
            s.texts.push_back({ name.substr(5), r.text(name) });
        else if (name.rfind("tensor/", 0) == 0 && kind == ArchiveSectionKind::Tensor)
            s.tensors.push_back({ name.substr(7), r.tensor(name) });
        else if (name.rfind("graph/", 0) == 0)
            s.graphs.push_back({ name.substr(6), r.bytes(name) });
        else if (name.rfind("backbone/", 0) == 0)
            readEmbeddedSection(r, name, s, source);
        else if (name != "params")
            stateError(source, "unknown section '" + name + "' (or of an unexpected kind)");
    }
    Ptr<UniSLADImpl> model = makePtr<UniSLADImpl>(Params::defaults());
    model->importState(s, source, backend);
    return model;
}

namespace {

void checkLoadBackend(const char* func, int backend)
{
    if (backend != -1 && backend != COMPUTE_CPU && backend != COMPUTE_CUDA)
        CV_Error(Error::StsOutOfRange, format("%s: backend: expected -1 (as saved), COMPUTE_CPU (%d) or "
                                             "COMPUTE_CUDA (%d), found %d", func, COMPUTE_CPU, COMPUTE_CUDA, backend));
}

} // namespace

Ptr<UniSLAD> UniSLAD::load(const String& path, int backend)
{
    checkLoadBackend("UniSLAD::load", backend);
    return detail::loadModel(detail::ModelArchiveReader::load(path), path, backend);
}

Ptr<UniSLAD> UniSLAD::loadFromBuffer(const std::vector<uchar>& bytes, int backend)
{
    checkLoadBackend("UniSLAD::loadFromBuffer", backend);
    const std::string name = "<buffer>";
    return detail::loadModel(detail::ModelArchiveReader::parse(bytes, name), name, backend);
}

}} // namespace cv::uniSLAD
