// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// The backbones of a model file, embedded (manifest text + ONNX bytes, SHA-256 checked) or referenced
// (manifest path + SHA-256): see model_backbones.hpp for the sections.
#include "precomp.hpp"

#include "detector/model_backbones.hpp"
#include "features/backbone_manifest.hpp"
#include "io/atomic_file.hpp"
#include "io/file_type.hpp"
#include "io/model_archive.hpp"
#include "io/sha256.hpp"

#include <cstdlib>

namespace cv {
namespace uniSLAD {
namespace detail {

namespace {

const char* const kSave = "UniSLAD::save";
const int kMaxBackbones = 100;   // a detector has one or two; the bound only keeps section names short

std::string baseName(const std::string& path)
{
    const size_t slash = path.find_last_of("/\\");
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

/** A regular file there (never opened: a named pipe would block). */
bool fileExists(const std::string& path)
{
    try {
        checkRegularFile(path, "file");
        return true;
    } catch (const cv::Exception&) {
        return false;
    }
}

[[noreturn]] void embedError(const BackboneSource& b, const std::string& what)
{
    CV_Error(Error::StsError, std::string(kSave) + ": embedding backbone '" + b.manifestPath + "': " + what +
             " (Params::embedBackbones = false, `unislad fit --reference-backbones`, references it instead)");
}

/** b with its manifest text and ONNX bytes: as held, or read again from the files fit() used. A file
    that changed since fit() is refused: the model would embed another network than the one its banks
    were fitted with. */
BackboneSource embeddedCopy(const BackboneSource& b)
{
    if (b.embedded())
        return b;
    BackboneSource e = b;
    BackboneManifest m;
    try {
        e.manifestText = readManifestText(b.manifestPath);
        m = parseManifest(e.manifestText, b.manifestPath);
    } catch (const cv::Exception& ex) {
        embedError(b, ex.err);
    }
    if (!b.sha256.empty() && !m.sha256.empty() && m.sha256 != b.sha256)
        embedError(b, "the manifest now gives the ONNX file's SHA-256 as " + m.sha256 + ", the detector was fitted with " +
                      b.sha256 + " (changed since fit?)");
    std::shared_ptr<std::vector<uchar>> onnx;
    try {
        onnx = std::make_shared<std::vector<uchar>>(readFile(m.modelPath, "ONNX file"));
    } catch (const cv::Exception& ex) {
        embedError(b, ex.err);
    }
    if (onnx->empty())
        embedError(b, "ONNX file '" + m.modelPath + "' is empty");
    e.sha256 = sha256Hex(onnx->data(), onnx->size());
    const String& expected = b.sha256.empty() ? m.sha256 : b.sha256;
    if (!expected.empty() && e.sha256 != expected)
        embedError(b, "ONNX file '" + m.modelPath + "' has SHA-256 " + e.sha256 + ", the detector was fitted with " +
                      expected + " (changed since fit?)");
    if (onnxHasExternalData(*onnx))
        embedError(b, "ONNX file '" + m.modelPath + "' keeps tensors in external data files, which its bytes do not "
                      "hold; save the network as one file (onnx.save_model(..., save_as_external_data=False))");
    e.onnx = onnx;
    return e;
}

/** A referenced backbone: found at the recorded path or, for a model moved to another machine, by file
    name in defaultModelDirectory(); its ONNX file must be the one the model was fitted with. */
BackboneSource referenced(const String& recorded, const String* sha, Params& p, const std::string& source)
{
    String path = recorded;
    if (!fileExists(path) && fileExists(defaultModelDirectory() + "/" + baseName(recorded)))
        path = defaultModelDirectory() + "/" + baseName(recorded);
    if (!fileExists(path))
        stateError(source, "backbone manifest '" + recorded + "' not found (nor in " + defaultModelDirectory() +
                   "); generate the backbones with models/ or set UNISLAD_MODEL_DIR");
    const BackboneManifest m = BackboneManifest::read(path);
    if (sha && !sha->empty() && m.sha256 != *sha)
        stateError(source, "backbone '" + path + "' has SHA-256 " + m.sha256 + ", the model was fitted with " + *sha);
    if (p.localManifest == recorded) p.localManifest = path;
    if (p.globalManifest == recorded) p.globalManifest = path;
    BackboneSource b;
    b.manifestPath = path;
    b.sha256 = m.sha256;
    return b;
}

/** An embedded backbone, checked before any network is built from it. */
BackboneSource checkedEmbedded(int i, const String& recorded, const String* sha, const BackboneSource& e, const std::string& source)
{
    const std::string where = format("embedded backbone %d ('%s')", i, recorded.c_str());
    if (!e.onnx)
        stateError(source, where + ": missing section 'backbone/" + std::to_string(i) + "/onnx'");
    if (e.manifestText.empty())
        stateError(source, where + ": section 'backbone/" + std::to_string(i) + "/manifest' is missing or empty");
    if (!sha || sha->empty())
        stateError(source, where + ": no SHA-256 recorded (text 'backbone" + std::to_string(i) + "_sha256')");
    const std::string found = sha256Hex(e.onnx->data(), e.onnx->size());
    if (found != *sha)
        stateError(source, where + ": the embedded ONNX bytes have SHA-256 " + found + ", the model records " + *sha);
    try {
        parseManifest(e.manifestText, recorded);
    } catch (const cv::Exception& ex) {
        stateError(source, where + ": " + ex.err);
    }
    BackboneSource b = e;
    b.manifestPath = recorded;
    b.sha256 = *sha;
    return b;
}

} // namespace

void exportBackbones(const std::vector<BackboneSource>& backbones, bool embed, ModelState& s)
{
    for (size_t i = 0; i < backbones.size(); ++i) {
        const BackboneSource b = embed ? embeddedCopy(backbones[i]) : backbones[i];
        s.texts.push_back({ format("backbone%d_manifest", (int)i), b.manifestPath });
        s.texts.push_back({ format("backbone%d_sha256", (int)i), b.sha256 });
        if (embed)
            s.embedded[(int)i] = b;
    }
}

std::vector<BackboneSource> importBackbones(const ModelState& s, Params& p, const std::string& source)
{
    for (const auto& e : s.embedded)
        if (!s.text(format("backbone%d_manifest", e.first)))
            stateError(source, format("embedded backbone %d: no text 'backbone%d_manifest' records it", e.first, e.first));
    std::vector<BackboneSource> backbones;
    for (int i = 0; s.text(format("backbone%d_manifest", i)); ++i) {
        const String recorded = *s.text(format("backbone%d_manifest", i));
        const String* sha = s.text(format("backbone%d_sha256", i));
        const auto e = s.embedded.find(i);
        backbones.push_back(e != s.embedded.end() ? checkedEmbedded(i, recorded, sha, e->second, source)
                                                         : referenced(recorded, sha, p, source));
    }
    if (backbones.empty())
        stateError(source, "no backbone recorded");
    return backbones;
}

void readEmbeddedSection(const ModelArchiveReader& r, const std::string& name, ModelState& s, const std::string& source)
{
    // "backbone/<i>/manifest" (text) or "backbone/<i>/onnx" (bytes), i a decimal index below kMaxBackbones.
    const size_t slash = name.find('/', 9);
    const std::string index = name.substr(9, slash == std::string::npos ? std::string::npos : slash - 9);
    const std::string part = slash == std::string::npos ? std::string() : name.substr(slash + 1);
    const bool digits = !index.empty() && index.size() <= 2 && index.find_first_not_of("0123456789") == std::string::npos &&
                        (index == "0" || index[0] != '0');
    const ArchiveSectionKind kind = r.kind(name);
    if (!digits || (part != "manifest" && part != "onnx") ||
        kind != (part == "manifest" ? ArchiveSectionKind::Text : ArchiveSectionKind::Bytes))
        stateError(source, "unknown section '" + name + "' (or of an unexpected kind)");
    const int i = std::atoi(index.c_str());
    CV_Assert(i < kMaxBackbones);
    BackboneSource& b = s.embedded[i];
    if (part == "manifest")
        b.manifestText = r.text(name);
    else
        b.onnx = std::make_shared<const std::vector<uchar>>(r.bytes(name));
}

void writeEmbeddedSections(const ModelState& s, ModelArchiveWriter& w)
{
    for (const auto& e : s.embedded) {
        w.addText(format("backbone/%d/manifest", e.first), e.second.manifestText);
        w.addBytes(format("backbone/%d/onnx", e.first), *e.second.onnx);
    }
}

}}} // namespace cv::uniSLAD::detail
