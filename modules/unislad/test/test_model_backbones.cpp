// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// Backbones in model files: embedded (the default; the file is enough on its own) or referenced
// (Params::embedBackbones = false), and UniSLAD::loadFromBuffer / saveToBuffer.
#include "test_precomp.hpp"

#include "detector/unislad_impl.hpp"
#include "features/backbone_source.hpp"
#include "io/model_archive.hpp"
#include "io/sha256.hpp"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace opencv_test { namespace {

using namespace cv::uniSLAD;
namespace fs = std::filesystem;
namespace impl = cv::uniSLAD::detail;
using Bytes = std::vector<uchar>;

Bytes fileBytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void writeBytes(const std::string& path, const Bytes& b)
{
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(b.data()), (std::streamsize)b.size());
}

/** A scratch folder holding a copy of the tiny backbone (manifest + ONNX) in <root>/backbone, and the
    environment variables that locate backbones, restored (and the folder removed) at the end. */
class Scratch
{
public:
    Scratch()
    {
        static int counter = 0;
        root_ = (fs::temp_directory_path() / format("unislad_embed_%lld_%d", (long long)cv::getTickCount(), counter++)).string();
        fs::create_directories(root_ + "/backbone");
        for (const char* f : { "tiny_backbone.yml", "tiny_backbone.onnx" })
            fs::copy_file(unisladFixturePath(f), root_ + "/backbone/" + f);
        for (const char* v : { "UNISLAD_MODEL_DIR", "HOME", "XDG_CACHE_HOME" }) {
            const char* s = std::getenv(v);
            saved_.push_back({ v, s ? std::string(s) : std::string(), s != nullptr });
        }
    }
    ~Scratch()
    {
        for (const Saved& s : saved_)
            s.set ? setenv(s.name.c_str(), s.value.c_str(), 1) : unsetenv(s.name.c_str());
        std::error_code ec;
        fs::remove_all(root_, ec);
    }
    const std::string& root() const { return root_; }
    std::string manifest() const { return root_ + "/backbone/tiny_backbone.yml"; }
    /** Moves the backbone folder away and points every place a backbone is looked for elsewhere. */
    void hideBackbones() const
    {
        fs::rename(root_ + "/backbone", root_ + "/moved_away");
        fs::create_directories(root_ + "/elsewhere");
        setenv("UNISLAD_MODEL_DIR", (root_ + "/elsewhere").c_str(), 1);
        setenv("HOME", (root_ + "/home").c_str(), 1);
        unsetenv("XDG_CACHE_HOME");
    }

private:
    struct Saved { std::string name, value; bool set; };
    std::string root_;
    std::vector<Saved> saved_;
};

Params tinyParams(const std::string& manifest, bool embed)
{
    Params p = ::tinyDetectorParams(manifest);
    p.embedBackbones = embed;
    return p;
}

std::vector<Mat> testImages()
{
    std::vector<Mat> v = tinySampleImages(3, false, 21), bad = tinySampleImages(3, true, 22);
    v.insert(v.end(), bad.begin(), bad.end());
    return v;
}

/** Every number of detect() on the test images, the anomaly maps' bytes included, as one byte string:
    equal strings are bit-identical results. */
std::string resultBits(const UniSLAD& d)
{
    std::string bits;
    for (const Mat& image : testImages()) {
        const Result r = d.detect(image);
        const float values[] = { r.score, r.threshold, r.patchLocal, r.patchGlobal, r.classWeight, r.patchScore,
                                 r.imageLocal, r.imageGlobal, r.imageClass, r.imageScore };
        bits.append(reinterpret_cast<const char*>(values), sizeof(values));
        bits += r.isAnomaly ? '1' : '0';
        EXPECT_TRUE(r.anomalyMap.isContinuous());
        bits.append(reinterpret_cast<const char*>(r.anomalyMap.data), r.anomalyMap.total() * r.anomalyMap.elemSize());
    }
    return bits;
}

Ptr<UniSLAD> fitted(const Params& p)
{
    Ptr<UniSLAD> d = UniSLAD::create(p);
    d->fit(tinySampleImages(10, false, 5));
    return d;
}

/** A copy of a model file with one section replaced by `with` (or dropped), valid CRCs: only the
    content is wrong. */
Bytes rewritten(const Bytes& model, const std::string& section, const impl::ArchiveSection* with)
{
    const impl::ModelArchiveReader r = impl::ModelArchiveReader::parse(model, "model");
    impl::ModelArchiveWriter w;
    for (const std::string& name : r.names()) {
        const bool replace = name == section;
        if (replace && !with)
            continue;
        const impl::ArchiveSectionKind kind = replace ? with->kind : r.kind(name);
        switch (kind) {
        case impl::ArchiveSectionKind::Text: w.addText(name, replace ? with->text : r.text(name)); break;
        case impl::ArchiveSectionKind::Tensor: w.addTensor(name, r.tensor(name)); break;
        case impl::ArchiveSectionKind::Bytes: w.addBytes(name, replace ? with->bytes : r.bytes(name)); break;
        }
    }
    return w.serialize();
}

impl::ArchiveSection textSection(const std::string& text)
{
    impl::ArchiveSection s;
    s.kind = impl::ArchiveSectionKind::Text;
    s.text = text;
    return s;
}

impl::ArchiveSection bytesSection(const Bytes& bytes)
{
    impl::ArchiveSection s;
    s.kind = impl::ArchiveSectionKind::Bytes;
    s.bytes = bytes;
    return s;
}

std::vector<std::string> sectionNames(const Bytes& model)
{
    return impl::ModelArchiveReader::parse(model, "model").names();
}

bool hasPrefix(const std::vector<std::string>& names, const std::string& prefix)
{
    for (const std::string& n : names)
        if (n.rfind(prefix, 0) == 0)
            return true;
    return false;
}

TEST(UniSLAD_EmbeddedBackbones, a_model_file_alone_scores_bit_identically_without_the_backbone_files)
{
    Scratch scratch;
    const Ptr<UniSLAD> original = fitted(tinyParams(scratch.manifest(), true));
    const std::string before = resultBits(*original);
    const std::string path = scratch.root() + "/model.unislad";
    original->save(path);

    // What the file holds: the manifest's text as it is on disk and the ONNX file's bytes, whose
    // SHA-256 the recorded hash is (computed here from the fixture, independently of the save).
    const impl::ModelArchiveReader r = impl::ModelArchiveReader::load(path);
    const Bytes onnx = fileBytes(scratch.root() + "/backbone/tiny_backbone.onnx");
    const Bytes manifestBytes = fileBytes(scratch.manifest());
    ASSERT_TRUE(r.has("backbone/0/onnx"));
    EXPECT_TRUE(r.bytes("backbone/0/onnx") == onnx);
    EXPECT_EQ(std::string(manifestBytes.begin(), manifestBytes.end()), r.text("backbone/0/manifest"));
    EXPECT_EQ("95527224ba594f0ff7a5777be468e2ab9636f14915c5924aaceae204c0f34b39", r.text("text/backbone0_sha256"));
    EXPECT_EQ(scratch.manifest(), r.text("text/backbone0_manifest"));
    EXPECT_FALSE(r.has("backbone/1/onnx"));   // one backbone serves both branches

    scratch.hideBackbones();
    ASSERT_FALSE(fs::exists(scratch.manifest()));
    const Ptr<UniSLAD> loaded = UniSLAD::load(path);
    EXPECT_TRUE(loaded->getParams().embedBackbones);
    EXPECT_EQ(before, resultBits(*loaded));
    // Saved again it is the same file, and fitted again (the network built from the embedded bytes)
    // it still needs no file.
    EXPECT_TRUE(loaded->saveToBuffer() == fileBytes(path));
    loaded->fit(tinySampleImages(10, false, 5));
    EXPECT_EQ(before, resultBits(*loaded));
    EXPECT_TRUE(UniSLAD::loadFromBuffer(loaded->saveToBuffer()) != nullptr);
}

TEST(UniSLAD_EmbeddedBackbones, two_backbones_are_embedded_each)
{
    // The local and the global branch on two copies of the tiny backbone (two manifests: two networks).
    Scratch scratch;
    fs::create_directories(scratch.root() + "/backbone/global");
    for (const char* f : { "tiny_backbone.yml", "tiny_backbone.onnx" })
        fs::copy_file(unisladFixturePath(f), scratch.root() + "/backbone/global/" + f);
    Params p = tinyParams(scratch.manifest(), true);
    p.globalManifest = scratch.root() + "/backbone/global/tiny_backbone.yml";
    const Ptr<UniSLAD> d = fitted(p);
    const std::string before = resultBits(*d);
    const Bytes model = d->saveToBuffer();
    const impl::ModelArchiveReader r = impl::ModelArchiveReader::parse(model, "model");
    EXPECT_EQ(scratch.manifest(), r.text("text/backbone0_manifest"));
    EXPECT_EQ(p.globalManifest, r.text("text/backbone1_manifest"));
    ASSERT_TRUE(r.has("backbone/0/onnx") && r.has("backbone/1/onnx") && r.has("backbone/1/manifest"));
    EXPECT_FALSE(r.has("backbone/2/onnx"));
    scratch.hideBackbones();
    const Ptr<UniSLAD> loaded = UniSLAD::loadFromBuffer(model);
    EXPECT_EQ(before, resultBits(*loaded));
    EXPECT_NE(loaded->getParams().localManifest, loaded->getParams().globalManifest);
    // One of the two missing: named by its index.
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::loadFromBuffer(rewritten(model, "backbone/1/onnx", nullptr)),
                             "embedded backbone 1", "missing section 'backbone/1/onnx'");
}

TEST(UniSLAD_EmbeddedBackbones, load_from_a_buffer_equals_load_from_the_file)
{
    Scratch scratch;
    const Ptr<UniSLAD> d = fitted(tinyParams(scratch.manifest(), true));
    const std::string path = scratch.root() + "/model.unislad";
    d->save(path);
    const Bytes bytes = d->saveToBuffer();
    EXPECT_TRUE(bytes == fileBytes(path));
    EXPECT_EQ(resultBits(*UniSLAD::load(path)), resultBits(*UniSLAD::loadFromBuffer(bytes)));
    EXPECT_EQ(COMPUTE_CPU, UniSLAD::loadFromBuffer(bytes, COMPUTE_CPU)->getParams().backend);
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::loadFromBuffer(bytes, 7), "UniSLAD::loadFromBuffer: backend", "found 7");

    // Bytes that are not a model: the message of the same bytes in a file, "<buffer>" for the path.
    Bytes truncated(bytes.begin(), bytes.begin() + bytes.size() / 2), foreign{ 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    Bytes flipped = bytes;
    flipped[bytes.size() / 3] ^= 0x04;
    for (const Bytes& bad : { truncated, foreign, flipped, Bytes() }) {
        const std::string file = scratch.root() + "/bad.unislad";
        writeBytes(file, bad);
        std::string fromFile, fromBuffer;
        try { UniSLAD::load(file); } catch (const cv::Exception& e) { fromFile = e.err; }
        try { UniSLAD::loadFromBuffer(bad); } catch (const cv::Exception& e) { fromBuffer = e.err; }
        ASSERT_FALSE(fromFile.empty());
        for (size_t at = fromFile.find(file); at != std::string::npos; at = fromFile.find(file))
            fromFile.replace(at, file.size(), "<buffer>");
        EXPECT_EQ(fromFile, fromBuffer);
        EXPECT_NE(std::string::npos, fromBuffer.find("<buffer>")) << fromBuffer;
    }
}

TEST(UniSLAD_EmbeddedBackbones, another_network_in_the_file_is_refused_by_its_sha256)
{
    Scratch scratch;
    const Bytes model = fitted(tinyParams(scratch.manifest(), true))->saveToBuffer();
    const Bytes onnx = fileBytes(scratch.root() + "/backbone/tiny_backbone.onnx");
    // Another valid ONNX model: the same graph with an unknown top-level protobuf field appended
    // (field 100, varint 1), which importers skip. Proven loadable by cv::dnn here.
    Bytes other = onnx;
    other.insert(other.end(), { 0xA0, 0x06, 0x01 });
    BackboneManifest m = BackboneManifest::read(scratch.manifest());
    m.sha256.clear();
    EXPECT_NO_THROW(Backbone::createFromBuffer(m, other));
    const std::string otherHash = "SHA-256 " + impl::sha256Hex(other.data(), other.size());
    const impl::ArchiveSection otherOnnx = bytesSection(other);
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::loadFromBuffer(rewritten(model, "backbone/0/onnx", &otherOnnx)),
                             "UniSLAD model '<buffer>'", "embedded backbone 0", otherHash.c_str(),
                             "the model records 95527224");
    // The recorded hash changed instead of the bytes.
    const std::string hash(64, 'a'), records = "records " + hash;
    const impl::ArchiveSection otherHashText = textSection(hash);
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::loadFromBuffer(rewritten(model, "text/backbone0_sha256", &otherHashText)),
                             "embedded backbone 0", "SHA-256 95527224", records.c_str());
}

TEST(UniSLAD_EmbeddedBackbones, incomplete_or_foreign_backbone_sections_are_refused)
{
    Scratch scratch;
    const Bytes model = fitted(tinyParams(scratch.manifest(), true))->saveToBuffer();
    const impl::ArchiveSection garbageSection = textSection("{{{ not: [yaml"), emptySection = textSection(""),
                               straySection = bytesSection(Bytes{ 1, 2, 3 });
    const impl::ArchiveSection *garbage = &garbageSection, *empty = &emptySection, *stray = &straySection;
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::loadFromBuffer(rewritten(model, "backbone/0/onnx", nullptr)),
                             "embedded backbone 0", "missing section 'backbone/0/onnx'");
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::loadFromBuffer(rewritten(model, "backbone/0/manifest", nullptr)),
                             "embedded backbone 0", "'backbone/0/manifest' is missing or empty");
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::loadFromBuffer(rewritten(model, "backbone/0/manifest", empty)),
                             "'backbone/0/manifest' is missing or empty");
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::loadFromBuffer(rewritten(model, "backbone/0/manifest", garbage)),
                             "UniSLAD model '<buffer>'", "embedded backbone 0", "not a YAML/JSON manifest");
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::loadFromBuffer(rewritten(model, "backbone/0/manifest", stray)),
                             "unknown section 'backbone/0/manifest'");
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::loadFromBuffer(rewritten(model, "text/backbone0_sha256", nullptr)),
                             "embedded backbone 0", "no SHA-256 recorded");
    // A section for a backbone the model does not record, or with an odd name.
    for (const char* name : { "backbone/1/onnx", "backbone/01/onnx", "backbone/x/onnx", "backbone/0/weights", "backbone/0" }) {
        SCOPED_TRACE(name);
        impl::ModelArchiveReader r = impl::ModelArchiveReader::parse(model, "model");
        impl::ModelArchiveWriter w;
        for (const std::string& n : r.names())
            r.kind(n) == impl::ArchiveSectionKind::Text ? w.addText(n, r.text(n))
            : r.kind(n) == impl::ArchiveSectionKind::Tensor ? w.addTensor(n, r.tensor(n)) : w.addBytes(n, r.bytes(n));
        w.addBytes(name, r.bytes("backbone/0/onnx"));
        const std::string expected = std::string(name) == "backbone/1/onnx" ? "no text 'backbone1_manifest' records it"
                                                                             : "unknown section";
        UNISLAD_EXPECT_THROW_MSG(UniSLAD::loadFromBuffer(w.serialize()), expected.c_str());
    }
}

TEST(UniSLAD_EmbeddedBackbones, a_backbone_file_changed_since_fit_is_not_embedded)
{
    Scratch scratch;
    const Ptr<UniSLAD> d = fitted(tinyParams(scratch.manifest(), true));
    const std::string onnx = scratch.root() + "/backbone/tiny_backbone.onnx", path = scratch.root() + "/model.unislad";
    Bytes other = fileBytes(onnx);
    other.insert(other.end(), { 0xA0, 0x06, 0x01 });
    writeBytes(onnx, other);
    const std::string which = "UniSLAD::save: embedding backbone '" + scratch.manifest() + "'",
                      changed = "'" + onnx + "' has SHA-256 " + impl::sha256Hex(other.data(), other.size()),
                      missing = "ONNX file '" + onnx + "'";
    UNISLAD_EXPECT_THROW_MSG(d->save(path), which.c_str(), changed.c_str(), "fitted with 95527224", "embedBackbones = false");
    EXPECT_FALSE(fs::exists(path));
    fs::remove(onnx);
    UNISLAD_EXPECT_THROW_MSG(d->save(path), which.c_str(), missing.c_str());
    fs::remove(scratch.manifest());
    UNISLAD_EXPECT_THROW_MSG(d->save(path), which.c_str(), "cannot open");
    EXPECT_FALSE(fs::exists(path));
}

TEST(UniSLAD_ReferencedBackbones, round_trip_needs_the_files_and_keeps_its_choice)
{
    Scratch scratch;
    const Ptr<UniSLAD> embedded = fitted(tinyParams(scratch.manifest(), true));
    const Ptr<UniSLAD> referencing = fitted(tinyParams(scratch.manifest(), false));
    const std::string before = resultBits(*referencing);
    EXPECT_EQ(resultBits(*embedded), before);   // the choice changes the file, not the detector
    const Bytes model = referencing->saveToBuffer(), full = embedded->saveToBuffer();
    EXPECT_FALSE(hasPrefix(sectionNames(model), "backbone/"));
    // The referencing file is the embedding one without its backbone sections.
    const Bytes onnx = fileBytes(scratch.root() + "/backbone/tiny_backbone.onnx");
    const Bytes yml = fileBytes(scratch.manifest());
    const size_t sections = (11 + std::strlen("backbone/0/manifest") + yml.size() + 4) +
                            (11 + std::strlen("backbone/0/onnx") + onnx.size() + 4);
    EXPECT_EQ(model.size() + sections, full.size());

    const Ptr<UniSLAD> loaded = UniSLAD::loadFromBuffer(model);
    EXPECT_FALSE(loaded->getParams().embedBackbones);
    EXPECT_EQ(before, resultBits(*loaded));
    EXPECT_TRUE(loaded->saveToBuffer() == model);   // written again: still referencing

    // In the model folder by file name (a model moved to another machine with its backbones).
    scratch.hideBackbones();
    const std::string notFound = "backbone manifest '" + scratch.manifest() + "' not found";
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::loadFromBuffer(model), "UniSLAD model '<buffer>'", notFound.c_str(), "UNISLAD_MODEL_DIR");
    for (const char* f : { "tiny_backbone.yml", "tiny_backbone.onnx" })
        fs::copy_file(scratch.root() + "/moved_away/" + f, scratch.root() + "/elsewhere/" + f);
    EXPECT_EQ(before, resultBits(*UniSLAD::loadFromBuffer(model)));
}

TEST(UniSLAD_ReferencedBackbones, old_model_files_load_as_referencing_and_are_written_again_unchanged)
{
    // Written before models embedded their backbones (and before update(), for the second).
    for (const char* name : { "regression/tiny_holdout.unislad", "regression/tiny_holdout_before_update.unislad" }) {
        SCOPED_TRACE(name);
        const Bytes recorded = fileBytes(unisladFixturePath(name));
        ASSERT_FALSE(recorded.empty());
        EXPECT_FALSE(hasPrefix(sectionNames(recorded), "backbone/"));
        const std::string cwd = fs::current_path().string();
        fs::current_path(unisladFixturePath(""));   // the fixtures name their manifest relative to test/data
        Ptr<UniSLAD> d;
        EXPECT_NO_THROW(d = UniSLAD::loadFromBuffer(recorded));
        fs::current_path(cwd);
        ASSERT_TRUE(d);
        EXPECT_FALSE(d->getParams().embedBackbones);
        EXPECT_TRUE(d->saveToBuffer() == recorded);
    }
}

TEST(UniSLAD_ReferencedBackbones, FileStorage_references_and_keeps_the_choice)
{
    Scratch scratch;
    for (bool embed : { true, false }) {
        SCOPED_TRACE(embed);
        const Ptr<UniSLAD> d = fitted(tinyParams(scratch.manifest(), embed));
        FileStorage out(".yml", FileStorage::WRITE | FileStorage::MEMORY);
        out << d->getDefaultName() << "{";
        d->write(out);
        out << "}";
        const std::string text = out.releaseAndGetString();
        // The manifest path and hash, not the manifest's text (which names the ONNX file) nor the network.
        EXPECT_NE(std::string::npos, text.find(scratch.manifest()));
        EXPECT_EQ(std::string::npos, text.find("tiny_backbone.onnx"));
        FileStorage in(text, FileStorage::READ | FileStorage::MEMORY);
        Ptr<UniSLAD> back = UniSLAD::create(tinyParams(scratch.manifest(), !embed));
        back->read(in[d->getDefaultName()]);
        EXPECT_EQ(embed, back->getParams().embedBackbones);
        EXPECT_EQ(resultBits(*d), resultBits(*back));
    }
}

TEST(UniSLAD_EmbeddedBackbones, feature_extractor_from_embedded_bytes_opens_no_file)
{
    Scratch scratch;
    impl::BackboneSource b;
    b.manifestPath = scratch.root() + "/nowhere/tiny_backbone.yml";   // never opened
    const Bytes yml = fileBytes(scratch.manifest());
    b.manifestText.assign(yml.begin(), yml.end());
    b.onnx = std::make_shared<const Bytes>(fileBytes(scratch.root() + "/backbone/tiny_backbone.onnx"));
    DualFeatureExtractor::Params p = tinyDetectorParams().extractorParams();
    p.localManifest = scratch.manifest();
    const Ptr<DualFeatureExtractor> fromFiles = DualFeatureExtractor::create(p);
    p.localManifest = b.manifestPath;
    const Ptr<DualFeatureExtractor> fromBytes = impl::createFeatureExtractor(p, { b });
    EXPECT_EQ(b.manifestPath, fromBytes->localBackbone()->manifest().manifestPath);
    Mat l1, g1, c1, l2, g2, c2;
    fromFiles->extract(testImages(), l1, g1, c1);
    fromBytes->extract(testImages(), l2, g2, c2);
    for (const auto& pair : { std::make_pair(l1, l2), std::make_pair(g1, g2), std::make_pair(c1, c2) }) {
        ASSERT_EQ(pair.first.size(), pair.second.size());
        EXPECT_EQ(0, std::memcmp(pair.first.data, pair.second.data, pair.first.total() * pair.first.elemSize()));
    }
    // Without the embedded source the same parameters name a file that is not there.
    EXPECT_THROW(impl::createFeatureExtractor(p, {}), cv::Exception);
    // The manifest's own sha256 still checks the bytes.
    impl::BackboneSource wrong = b;
    Bytes other = *b.onnx;
    other.insert(other.end(), { 0xA0, 0x06, 0x01 });
    wrong.onnx = std::make_shared<const Bytes>(other);
    UNISLAD_EXPECT_THROW_MSG(impl::createFeatureExtractor(p, { wrong }), "Backbone::createFromBuffer", "SHA-256 expected 95527224");
}

TEST(UniSLAD_EmbeddedBackbones, onnx_external_data_is_found_and_refused)
{
    // Protobuf bytes written by hand (onnx.proto: ModelProto.graph = 7, GraphProto.initializer = 5,
    // TensorProto.data_location = 14, EXTERNAL = 1): appended to a model, a second graph field merges
    // into the first, so the tiny backbone + these bytes is a model with one external initializer.
    const Bytes tiny = fileBytes(unisladFixturePath("tiny_backbone.onnx"));
    const Bytes externalGraph{ 0x3A, 0x04, 0x2A, 0x02, 0x70, 0x01 }, defaultGraph{ 0x3A, 0x04, 0x2A, 0x02, 0x70, 0x00 };
    Bytes external = tiny, inline_ = tiny;
    external.insert(external.end(), externalGraph.begin(), externalGraph.end());
    inline_.insert(inline_.end(), defaultGraph.begin(), defaultGraph.end());
    EXPECT_FALSE(impl::onnxHasExternalData(tiny));
    EXPECT_TRUE(impl::onnxHasExternalData(externalGraph));
    EXPECT_TRUE(impl::onnxHasExternalData(external));
    EXPECT_FALSE(impl::onnxHasExternalData(inline_));   // data_location DEFAULT
    // Bytes that are no protobuf, or cut anywhere: no crash, no claim.
    EXPECT_FALSE(impl::onnxHasExternalData(Bytes()));
    EXPECT_FALSE(impl::onnxHasExternalData(Bytes{ 0x3A, 0xFF }));
    for (size_t n = 0; n < externalGraph.size(); ++n)
        EXPECT_FALSE(impl::onnxHasExternalData(Bytes(externalGraph.begin(), externalGraph.begin() + n))) << n;

    BackboneManifest m = BackboneManifest::read(unisladFixturePath("tiny_backbone.yml"));
    m.sha256.clear();
    UNISLAD_EXPECT_THROW_MSG(Backbone::createFromBuffer(m, external), "Backbone::createFromBuffer",
                             "keeps tensors in external data files", "save_as_external_data=False");
    Scratch scratch;
    writeBytes(scratch.root() + "/backbone/tiny_backbone.onnx", external);
    m = BackboneManifest::read(scratch.manifest());
    m.sha256.clear();
    UNISLAD_EXPECT_THROW_MSG(Backbone::create(m), "Backbone::create", "tiny_backbone.onnx",
                             "keeps tensors in external data files");
}

}} // namespace opencv_test::<anonymous>
