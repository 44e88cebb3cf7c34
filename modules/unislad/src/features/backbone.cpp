// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"

#include "io/structured_text.hpp"
#include "opencv2/unislad/backbone.hpp"
#include "io/atomic_file.hpp"
#include "io/file_type.hpp"
#include "io/sha256.hpp"
#include "features/backbone_manifest.hpp"
#include "features/backbone_source.hpp"
#include "features/blocked_fully_connected.hpp"

#include <opencv2/dnn.hpp>

#include <cstdlib>
#include <fstream>
#include <mutex>

namespace cv {
namespace uniSLAD {

namespace {

std::string folderOf(const std::string& path)
{
    const size_t slash = path.find_last_of("/\\");
    return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

bool isAbsolute(const std::string& path)
{
    return !path.empty() && (path[0] == '/' || path[0] == '\\' || (path.size() > 1 && path[1] == ':'));
}

std::string joined(const std::vector<String>& names)
{
    std::string s;
    for (const String& n : names)
        s += (s.empty() ? "" : ", ") + n;
    return s;
}

[[noreturn]] void manifestError(const std::string& path, const std::string& what)
{
    CV_Error(Error::StsParseError, "BackboneManifest::read: '" + path + "': " + what);
}

/** A required node; raises an error naming the key when it is missing or of the wrong kind. */
FileNode required(const FileNode& parent, const char* key, int type, const std::string& path, const std::string& where)
{
    const FileNode n = parent[key];
    if (n.empty() || n.isNone())
        manifestError(path, "missing key '" + where + key + "'");
    const bool ok = type == FileNode::SEQ ? n.isSeq() : type == FileNode::MAP ? n.isMap()
                  : type == FileNode::STR ? n.isString() : (n.isInt() || n.isReal());
    if (!ok)
        manifestError(path, "key '" + where + key + "' has the wrong type");
    return n;
}

int64_t product(const std::vector<int>& v)
{
    int64_t p = 1;
    for (int x : v)
        p *= x;
    return p;
}

bool cudaAvailable()
{
    const std::vector<dnn::Target> targets = dnn::getAvailableTargets(dnn::DNN_BACKEND_CUDA);
    return std::find(targets.begin(), targets.end(), dnn::DNN_TARGET_CUDA) != targets.end();
}

class BackboneImpl CV_FINAL : public Backbone
{
public:
    BackboneImpl(const BackboneManifest& manifest, dnn::Net net, const std::vector<String>& taps, int backend)
        : manifest_(manifest), net_(std::move(net)), preprocessor_(manifest.input)
    {
        const std::string file = manifest_.modelPath.empty() ? std::string("<buffer>") : manifest_.modelPath;
        if (net_.empty())
            CV_Error(Error::StsError, "Backbone: '" + file + "': the ONNX importer returned an empty network");
        if (taps.empty())
            for (const BackboneTap& t : manifest_.taps)
                taps_.push_back(t);
        else
            for (const String& name : taps)
                taps_.push_back(manifest_.tap(name));
        if (taps_.empty())
            CV_Error(Error::StsBadArg, "Backbone: '" + file + "': no taps requested and the manifest lists none");
        for (const BackboneTap& t : taps_) {
            names_.push_back(t.name);
            if (net_.getLayerId(t.name) < 0)
                CV_Error(Error::StsBadArg, "Backbone: '" + file + "': expected an output named '" + t.name +
                         "', found only: " + joined(net_.getUnconnectedOutLayersNames()));
        }
        selectBackend(backend, file);
        // One pass on a blank image proves the graph runs at this input size and that every tap has
        // the shape the manifest states (a different input size or a foreign model fails here).
        const int sz[] = { 1, 3, manifest_.input.height, manifest_.input.width };
        std::vector<Mat> outs;
        try {
            forward(Mat(4, sz, CV_32F, Scalar(0)), outs);
        } catch (const cv::Exception& e) {
            CV_Error(Error::StsError, "Backbone: '" + file + "': test forward pass at " +
                     format("%dx%d", manifest_.input.width, manifest_.input.height) + " failed: " + e.err);
        }
    }

    void forward(InputArray _blob, std::vector<Mat>& outs) CV_OVERRIDE
    {
        const Mat blob = _blob.getMat();
        if (blob.dims != 4 || blob.type() != CV_32F || blob.size[1] != 3 || blob.size[2] != manifest_.input.height ||
            blob.size[3] != manifest_.input.width)
            CV_Error(Error::StsBadSize, format("Backbone::forward: blob: expected N x 3 x %d x %d CV_32F, found %s",
                                               manifest_.input.height, manifest_.input.width,
                                               detail::describeMat(blob).c_str()));
        const int n = blob.size[0];
        std::vector<Mat> raw;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            net_.setInput(blob);
            net_.forward(raw, names_);
            for (Mat& m : raw)
                m = m.clone();  // the net reuses its output buffers on the next call
        }
        outs.resize(raw.size());
        for (size_t i = 0; i < raw.size(); ++i)
            outs[i] = canonical(raw[i], taps_[i], n);
    }

    void forwardImages(InputArrayOfArrays images, std::vector<Mat>& outs) CV_OVERRIDE
    {
        Mat blob;
        preprocessor_.applyBatch(images, blob);
        forward(blob, outs);
    }

    std::vector<String> tapNames() const CV_OVERRIDE { return names_; }
    BackboneManifest manifest() const CV_OVERRIDE { return manifest_; }
    String backendName() const CV_OVERRIDE { return backendName_; }

private:
    void selectBackend(int backend, const std::string& file)
    {
        if (backend != COMPUTE_CPU && backend != COMPUTE_CUDA)
            CV_Error(Error::StsOutOfRange, format("Backbone: backend: expected COMPUTE_CPU (0) or COMPUTE_CUDA (1), found %d", backend));
        backendName_ = "CPU";
        if (backend == COMPUTE_CUDA) {
            if (cudaAvailable()) {
                net_.setPreferableBackend(dnn::DNN_BACKEND_CUDA);
                net_.setPreferableTarget(dnn::DNN_TARGET_CUDA);
                backendName_ = "CUDA";
            } else {
                CV_LOG_WARNING(NULL, "UniSLAD: CUDA was asked for but this OpenCV build has no CUDA backend; "
                                     "running '" << file << "' on the CPU");
            }
        }
        if (backendName_ == "CPU") {
            net_.setPreferableBackend(dnn::DNN_BACKEND_OPENCV);
            net_.setPreferableTarget(dnn::DNN_TARGET_CPU);
        }
        CV_LOG_INFO(NULL, "UniSLAD: backbone '" << file << "' runs on " << backendName_);
    }

    /** Reshapes an output to the manifest's per-image shape with the batch in front. */
    Mat canonical(const Mat& out, const BackboneTap& tap, int n) const
    {
        const int64_t perImage = product(tap.shape);
        if ((int64_t)out.total() != perImage * n || (out.dims == 4 && tap.shape.size() == 3 &&
            (out.size[1] != tap.shape[0] || out.size[2] != tap.shape[1] || out.size[3] != tap.shape[2])))
            CV_Error(Error::StsBadSize, format("Backbone: tap '%s': expected %d x %s per the manifest, found %s",
                                               tap.name.c_str(), n, shapeString(tap.shape).c_str(),
                                               detail::describeMat(out).c_str()));
        std::vector<int> shape{ n };
        shape.insert(shape.end(), tap.shape.begin(), tap.shape.end());
        return out.reshape(1, (int)shape.size(), shape.data());
    }

    static std::string shapeString(const std::vector<int>& s)
    {
        std::string r;
        for (int v : s)
            r += (r.empty() ? "" : " x ") + std::to_string(v);
        return r;
    }

    BackboneManifest manifest_;
    dnn::Net net_;
    Preprocessor preprocessor_;
    std::vector<BackboneTap> taps_;
    std::vector<String> names_;
    String backendName_;
    std::mutex mutex_;
};

/** The network, with the blocked fully connected layers where it will run on the CPU (the CUDA
    backend has its own). */
dnn::Net importOnnx(const std::string& file, const std::vector<uchar>* buffer, int backend)
{
    try {
        if (backend != COMPUTE_CUDA || !cudaAvailable())
            return detail::readOnnxWithBlockedFullyConnected(file, buffer);
        return buffer ? dnn::readNetFromONNX(*buffer) : dnn::readNetFromONNX(file);
    } catch (const cv::Exception& e) {
        CV_Error(Error::StsParseError, "Backbone: '" + file + "': not a readable ONNX model: " + e.err);
    }
}

// OpenCV's ONNX importer reads external data files from 4.12 on (opencv/opencv#27449); 4.6's reads
// empty tensors instead, and a forward pass then dies of SIGFPE (measured with a model saved by
// onnx.save_model(..., save_as_external_data=True)).
#if CV_VERSION_MAJOR > 4 || (CV_VERSION_MAJOR == 4 && CV_VERSION_MINOR >= 12)
const bool kImporterReadsExternalData = true;
#else
const bool kImporterReadsExternalData = false;
#endif

/** Refuses an ONNX model whose tensors lie in external data files where they cannot be read. */
void checkNoExternalData(const std::vector<uchar>& onnx, const char* func, const std::string& file, bool readable)
{
    if (!readable && detail::onnxHasExternalData(onnx))
        CV_Error(Error::StsBadArg, std::string(func) + ": '" + file + "': the model keeps tensors in external data "
                 "files, which " + (std::string(func) == "Backbone::create" ? "this OpenCV's ONNX importer does not read"
                                                                             : "a buffer does not hold") +
                 "; save it as one file (onnx.save_model(model, path, save_as_external_data=False))");
}

} // namespace

Backbone::~Backbone() {}

namespace {

BackboneManifest manifestFrom(const FileStorage& fs, const std::string& path);

/** Reads a manifest from its text. The text goes through detail::openStructuredText (the library's
    own strict YAML/JSON reader), never straight to OpenCV's YAML parser, which hangs on some malformed
    text (found by fuzz/fuzz_manifest). */
BackboneManifest openManifest(const std::string& text, const std::string& path)
{
    FileStorage fs;
    try {
        detail::openStructuredText(fs, text);
    } catch (const cv::Exception& e) {
        manifestError(path, "not a YAML/JSON manifest: " + e.err);
    }
    try {
        return manifestFrom(fs, path);
    } catch (const cv::Exception&) {
        throw;
    } catch (const std::exception& e) {
        manifestError(path, std::string("unreadable: ") + e.what());
    }
}

} // namespace

std::string detail::readManifestText(const std::string& path)
{
    // The type and size are checked before the file is opened (a named pipe would block, a device never
    // end); then at most 1 MiB + 1 byte is read, in case the file grew, parsed from memory by
    // detail::openStructuredText, which refuses more than 1 MiB.
    uint64_t size = 0;
    try {
        size = detail::checkRegularFile(path, "file");
    } catch (const cv::Exception& e) {
        manifestError(path, e.err.substr(e.err.find("': ") + 3));
    }
    if (size > detail::TextLimits::kMaxBytes)
        manifestError(path, format("expected at most %zu bytes (1 MiB) of YAML or JSON, found a file of %llu bytes",
                                   detail::TextLimits::kMaxBytes, (unsigned long long)size));
    std::ifstream in(path, std::ios::binary);
    if (!in)
        manifestError(path, "cannot open the file");
    std::string text(detail::TextLimits::kMaxBytes + 1, '\0');
    in.read(&text[0], (std::streamsize)text.size());
    text.resize((size_t)in.gcount());
    if (in.bad())
        manifestError(path, "cannot read the file");
    return text;
}

BackboneManifest BackboneManifest::read(const String& path)
{
    return openManifest(detail::readManifestText(path), path);
}

BackboneManifest detail::parseManifest(const std::string& text, const std::string& path)
{
    return openManifest(text, path);
}

namespace {

BackboneManifest manifestFrom(const FileStorage& fs, const std::string& path)
{
    const FileNode root = fs.root();
    if (!root.isMap())
        manifestError(path, "expected a map of keys at the top, found something else");
    BackboneManifest m;
    m.manifestPath = path;
    const std::string model = (std::string)required(root, "model", FileNode::STR, path, "");
    m.modelPath = isAbsolute(model) ? model : folderOf(path) + "/" + model;
    if (!root["sha256"].empty())
        m.sha256 = (std::string)root["sha256"];

    const FileNode in = required(root, "input", FileNode::MAP, path, "");
    m.input.width = (int)required(in, "width", FileNode::INT, path, "input.");
    m.input.height = (int)required(in, "height", FileNode::INT, path, "input.");
    const std::string order = in["channel_order"].empty() ? std::string("RGB") : (std::string)in["channel_order"];
    if (order != "RGB" && order != "BGR")
        manifestError(path, "key 'input.channel_order': expected RGB or BGR, found '" + order + "'");
    m.input.rgb = order == "RGB";
    m.input.scale = (double)required(in, "scale", FileNode::REAL, path, "input.");
    for (const char* key : { "mean", "std" }) {
        std::vector<double> v;
        required(in, key, FileNode::SEQ, path, "input.") >> v;
        if (v.size() != 3)
            manifestError(path, format("key 'input.%s': expected 3 values, found %d", key, (int)v.size()));
        (std::string(key) == "mean" ? m.input.mean : m.input.std) = Scalar(v[0], v[1], v[2]);
    }
    try {
        Preprocessor check(m.input);
    } catch (const cv::Exception& e) {
        manifestError(path, "key 'input': " + e.err);
    }

    const FileNode taps = required(root, "taps", FileNode::SEQ, path, "");
    for (FileNodeIterator it = taps.begin(); it != taps.end(); ++it) {
        const FileNode t = *it;
        const std::string where = format("taps[%d].", (int)m.taps.size());
        BackboneTap tap;
        tap.name = (std::string)required(t, "name", FileNode::STR, path, where);
        tap.role = (std::string)required(t, "role", FileNode::STR, path, where);
        if (tap.role != "local" && tap.role != "global" && tap.role != "class")
            manifestError(path, "key '" + where + "role': expected local, global or class, found '" + tap.role + "'");
        // `tensor` (when present) is the output's actual per-image shape, e.g. 196 x 768 for ViT tokens
        // whose `shape` says 768 x 14 x 14 after reshaping; the data layout follows the tensor.
        if (!t["tensor"].empty())
            required(t, "tensor", FileNode::SEQ, path, where) >> tap.shape;
        else
            required(t, "shape", FileNode::SEQ, path, where) >> tap.shape;
        if (tap.shape.empty() || tap.shape.size() > 3 || product(tap.shape) <= 0 ||
            std::any_of(tap.shape.begin(), tap.shape.end(), [](int v) { return v <= 0; }))
            manifestError(path, "key '" + where + "shape': expected 1 to 3 positive sizes");
        tap.imagenet = t["imagenet"].empty() || (int)t["imagenet"] != 0;
        tap.isDefault = !t["default"].empty() && (int)t["default"] != 0;
        m.taps.push_back(tap);
    }
    if (m.taps.empty())
        manifestError(path, "key 'taps': expected at least one tap, found none");
    return m;
}

} // namespace

std::vector<BackboneTap> BackboneManifest::tapsFor(const String& role, bool defaultsOnly) const
{
    std::vector<BackboneTap> out;
    for (const BackboneTap& t : taps)
        if (t.role == role && (!defaultsOnly || t.isDefault))
            out.push_back(t);
    return out;
}

BackboneTap BackboneManifest::tap(const String& name) const
{
    std::vector<String> names;
    for (const BackboneTap& t : taps) {
        if (t.name == name)
            return t;
        names.push_back(t.name);
    }
    CV_Error(Error::StsBadArg, "BackboneManifest: tap '" + name + "' is not in '" + manifestPath +
             "'; available: " + joined(names));
}

Ptr<Backbone> Backbone::create(const BackboneManifest& manifest, const std::vector<String>& taps, int backend)
{
    const std::string& file = manifest.modelPath;
    if (file.empty())
        CV_Error(Error::StsBadArg, "Backbone::create: manifest.modelPath: expected an ONNX file path, found an empty string");
    try {
        detail::checkRegularFile(file, "Backbone::create: ONNX file");
    } catch (const cv::Exception& e) {
        if (e.code == Error::StsBadArg)
            throw;   // a directory, a named pipe, a device: say so
        CV_Error(Error::StsError, "Backbone::create: '" + file + "': cannot open the ONNX file (" +
                 e.err.substr(e.err.find("cannot open: ") + 13) + "); generate the backbones with the scripts in "
                 "models/ (see models/README.md)");
    }
    if (!std::ifstream(file, std::ios::binary))
        CV_Error(Error::StsError, "Backbone::create: '" + file + "': cannot open the ONNX file; generate the "
                 "backbones with the scripts in models/ (see models/README.md)");
    // The bytes are read once for the hash and the external-data check; cv::dnn then reads the file.
    const std::vector<uchar> bytes = detail::readFile(file, "Backbone::create: ONNX file");
    if (!manifest.sha256.empty()) {
        const std::string found = detail::sha256Hex(bytes.data(), bytes.size());
        if (found != manifest.sha256)
            CV_Error(Error::StsError, "Backbone::create: '" + file + "': SHA-256 expected " + manifest.sha256 +
                     " (from the manifest), found " + found + "; regenerate it with the scripts in models/");
    }
    checkNoExternalData(bytes, "Backbone::create", file, kImporterReadsExternalData);
    return makePtr<BackboneImpl>(manifest, importOnnx(file, nullptr, backend), taps, backend);
}

Ptr<Backbone> Backbone::createFromBuffer(const BackboneManifest& manifest, const std::vector<uchar>& onnx,
                                         const std::vector<String>& taps, int backend)
{
    const std::string file = manifest.modelPath.empty() ? std::string("<buffer>") : manifest.modelPath;
    if (onnx.empty())
        CV_Error(Error::StsBadArg, "Backbone::createFromBuffer: onnx: expected the model's bytes, found an empty buffer");
    if (!manifest.sha256.empty()) {
        const std::string found = detail::sha256Hex(onnx.data(), onnx.size());
        if (found != manifest.sha256)
            CV_Error(Error::StsError, "Backbone::createFromBuffer: '" + file + "': SHA-256 expected " + manifest.sha256 +
                     ", found " + found);
    }
    checkNoExternalData(onnx, "Backbone::createFromBuffer", file, false);   // no folder to find them in
    return makePtr<BackboneImpl>(manifest, importOnnx(file, &onnx, backend), taps, backend);
}

String defaultModelDirectory()
{
    if (const char* dir = std::getenv("UNISLAD_MODEL_DIR"))
        if (*dir)
            return dir;
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"))
        if (*xdg)
            return std::string(xdg) + "/unislad/models";
    const char* home = std::getenv("HOME");
    return std::string(home && *home ? home : ".") + "/.cache/unislad/models";
}

}} // namespace cv::uniSLAD
