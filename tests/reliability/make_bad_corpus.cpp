// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// Writes the bad-input corpus: images, model files, backbone manifests and ONNX files, and feature
// matrices that a camera, a disk or a user may hand the library, with the index cases.tsv that the
// library test (test_bad_inputs.cpp) and the command-line check (check_bad_cli.cmake) run.
//
//   make_bad_corpus <out dir> <tiny_backbone.yml>
//
// cases.tsv, one case a line, tab-separated:
//   id  kind  file  expect  fragment  cli
//   kind     image | model | manifest | features
//   file     relative to the corpus folder
//   expect   error (a cv::Exception from the library, exit code 1 from the CLI) or ok
//   fragment text the library's message must contain ("-" for none)
//   cli      how the command line meets it: test (an image to score), test-error (the same, where
//            the CLI refuses what the library accepts), train (a training image), model (--model),
//            manifest (--manifest), or - (library only); check_bad_cli.cmake maps the roles to
//            `unislad eval`, `fit` and `detect`
#include <opencv2/unislad.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "io/model_archive.hpp"
#include "tiny_detector.hpp"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace cv;
using namespace cv::uniSLAD;
using Bytes = std::vector<uchar>;
namespace arc = cv::uniSLAD::detail;

namespace {

std::string outDir;
std::ofstream caseIndex;

Bytes readBytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void writeBytes(const std::string& path, const Bytes& b)
{
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(b.data()),
                                                                  (std::streamsize)b.size());
}

void addCase(const std::string& id, const std::string& kind, const std::string& file, const std::string& expect,
             const std::string& fragment, const std::string& cli)
{
    caseIndex << id << '\t' << kind << '\t' << file << '\t' << expect << '\t' << (fragment.empty() ? "-" : fragment) << '\t'
          << cli << '\n';
}

/** The IEEE CRC-32 of the model format (reflected 0xEDB88320), computed independently of the library. */
uint32_t crc32(const uchar* p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; ++i) {
        c ^= p[i];
        for (int k = 0; k < 8; ++k)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

void putU32(uchar* p, uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        p[i] = (uchar)(v >> (8 * i));
}

// ---- images -------------------------------------------------------------------------------------
void images()
{
    RNG rng(11);
    const Mat good = tinySampleImage(rng);
    auto image = [&](const std::string& id, const std::string& file, const Mat& m, const std::string& expect,
                     const std::string& fragment, const std::string& cli = "test") {
        CV_Assert(imwrite(outDir + "/" + file, m));
        addCase(id, "image", file, expect, fragment, cli);
    };
    auto raw = [&](const std::string& id, const std::string& file, const Bytes& b, const std::string& fragment,
                   const std::string& cli = "test") {
        writeBytes(outDir + "/" + file, b);
        addCase(id, "image", file, "error", fragment, cli);
    };

    // Accepted: other depths and channel counts, other sizes than the training images.
    Mat gray, bgra, bgr16, gray16;
    cvtColor(good, gray, COLOR_BGR2GRAY);
    cvtColor(good, bgra, COLOR_BGR2BGRA);
    good.convertTo(bgr16, CV_16U, 257.0);
    gray.convertTo(gray16, CV_16U, 257.0);
    image("image_gray8", "gray8.png", gray, "ok", "");
    image("image_bgra", "bgra.png", bgra, "ok", "");
    image("image_bgr16", "bgr16.png", bgr16, "ok", "");
    image("image_gray16", "gray16.png", gray16, "ok", "");
    Mat large;
    resize(good, large, Size(4000, 3000), 0, 0, INTER_LINEAR);
    image("image_other_size_4000x3000", "other_size_4000x3000.jpg", large, "ok", "");
    image("image_other_aspect_8x200", "other_aspect_8x200.png", Mat(8, 200, CV_8UC3, Scalar(100, 120, 140)), "ok", "");

    // Refused by the library (the CLI gets the same message).
    image("image_1x1", "one_pixel_1x1.png", Mat(1, 1, CV_8UC3, Scalar(1, 2, 3)), "error", "at least 8x8");
    image("image_7x300", "thin_7x300.png", Mat(7, 300, CV_8UC1, Scalar(9)), "error", "at least 8x8");
    Mat f32;
    good.convertTo(f32, CV_32F, 1.0 / 255);
    image("image_float32_bgr", "float32_bgr.tiff", f32, "error", "8- or 16-bit");
    // Huge: 20000 x 20000 (a 1.2 MB PNG that decodes to 400 MB): above Preprocessor::kMaxImagePixels.
    {
        Mat huge(20000, 20000, CV_8UC1, Scalar(128));
        image("image_huge_20000x20000", "huge_20000x20000.png", huge, "error", "at most 268435456 pixels");
    }

    // Files the decoders refuse: the caller's imread gives an empty matrix.
    Bytes png, jpg;
    imencode(".png", good, png);
    imencode(".jpg", good, jpg);
    raw("image_empty_file", "empty_file.png", Bytes(), "empty");
    raw("image_text_as_png", "text_as_png.png", Bytes{ 'n', 'o', 't', ' ', 'a', 'n', ' ', 'i', 'm', 'a', 'g', 'e', '\n' }, "empty");
    raw("image_text_as_jpg", "text_as_jpg.jpg", Bytes{ '#', '!', '/', 'b', 'i', 'n', '/', 's', 'h', '\n' }, "empty");
    raw("image_png_as_jpg_header_only", "png_header_only.jpg", Bytes(png.begin(), png.begin() + 16), "empty");
    raw("image_png_truncated_half", "truncated_half.png", Bytes(png.begin(), png.begin() + png.size() / 2), "empty");
    raw("image_png_truncated_header", "truncated_header.png", Bytes(png.begin(), png.begin() + 20), "empty");
    raw("image_jpg_truncated_header", "truncated_header.jpg", Bytes(jpg.begin(), jpg.begin() + 20), "empty");
    // A JPEG cut in its entropy-coded data decodes (libjpeg fills the rest with gray and warns): the
    // library cannot tell; the CLI refuses it for its missing end-of-image marker.
    Mat noise(256, 256, CV_8UC3);
    rng.fill(noise, RNG::UNIFORM, 0, 256);
    imencode(".jpg", noise, jpg);   // large enough that half of it is entropy-coded data
    writeBytes(outDir + "/truncated_half.jpg", Bytes(jpg.begin(), jpg.begin() + jpg.size() / 2));
    addCase("image_jpg_truncated_half", "image", "truncated_half.jpg", "ok", "", "test-error");
    raw("image_empty_in_train", "empty_train.png", Bytes(), "empty", "train");
    // Decodes, but the library refuses it: the CLI's message must still name the file, not only
    // its index among the training images.
    image("image_1x1_in_train", "one_pixel_1x1_train.png", Mat(1, 1, CV_8UC3, Scalar(1, 2, 3)), "error", "at least 8x8",
          "train");
}

// ---- model files --------------------------------------------------------------------------------
struct SectionSpan { std::string name; size_t begin, end; };

/** The sections of a model file, walked with the documented layout (model_archive.hpp). */
std::vector<SectionSpan> sectionsOf(const Bytes& b)
{
    std::vector<SectionSpan> spans;
    size_t off = 24;
    while (off < b.size()) {
        const size_t len = b[off] | (size_t)b[off + 1] << 8;
        uint64_t payload = 0;
        for (int i = 0; i < 8; ++i)
            payload |= (uint64_t)b[off + 3 + len + i] << (8 * i);
        const size_t end = off + 11 + len + (size_t)payload + 4;
        spans.push_back({ std::string(b.begin() + off + 2, b.begin() + off + 2 + len), off, end });
        off = end;
    }
    CV_Assert(off == b.size());
    return spans;
}

/** A copy of a model with one text section replaced (valid CRCs: only the content is wrong). */
void rewrite(const std::string& from, const std::string& to, const std::string& section, const std::string& text,
             bool drop = false)
{
    const arc::ModelArchiveReader r = arc::ModelArchiveReader::load(from);
    arc::ModelArchiveWriter w;
    for (const std::string& name : r.names()) {
        if (name == section && drop)
            continue;
        switch (r.kind(name)) {
        case arc::ArchiveSectionKind::Text: w.addText(name, name == section ? text : r.text(name)); break;
        case arc::ArchiveSectionKind::Tensor: w.addTensor(name, r.tensor(name)); break;
        case arc::ArchiveSectionKind::Bytes: w.addBytes(name, r.bytes(name)); break;
        }
    }
    w.save(to);
}

/** The same with one bytes section replaced (the embedded ONNX model). */
void rewriteBytes(const std::string& from, const std::string& to, const std::string& section, const Bytes& bytes)
{
    const arc::ModelArchiveReader r = arc::ModelArchiveReader::load(from);
    arc::ModelArchiveWriter w;
    for (const std::string& name : r.names()) {
        switch (r.kind(name)) {
        case arc::ArchiveSectionKind::Text: w.addText(name, r.text(name)); break;
        case arc::ArchiveSectionKind::Tensor: w.addTensor(name, r.tensor(name)); break;
        case arc::ArchiveSectionKind::Bytes: w.addBytes(name, name == section ? bytes : r.bytes(name)); break;
        }
    }
    w.save(to);
}

void models(const std::string& manifest)
{
    Params p = tinyDetectorParams(manifest);
    p.useMahalanobis = true;   // transform tensors in the file too
    RNG rng(5);
    std::vector<Mat> train;
    for (int i = 0; i < 10; ++i)
        train.push_back(tinySampleImage(rng));
    Ptr<UniSLAD> d = UniSLAD::create(p);
    d->fit(train);
    const std::string goodPath = outDir + "/good.unislad";
    d->save(goodPath);
    addCase("model_good", "model", "good.unislad", "ok", "", "model");
    const Bytes good = readBytes(goodPath);
    auto model = [&](const std::string& id, const Bytes& b, const std::string& fragment) {
        writeBytes(outDir + "/" + id + ".unislad", b);
        addCase(id, "model", id + ".unislad", "error", fragment, "model");
    };

    // Truncated at every section boundary (and inside the magic and the header).
    model("model_truncated_at_0", Bytes(), "truncated");
    model("model_truncated_at_5", Bytes(good.begin(), good.begin() + 5), "truncated");
    model("model_truncated_at_20", Bytes(good.begin(), good.begin() + 20), "truncated");
    const std::vector<SectionSpan> spans = sectionsOf(good);
    for (size_t i = 0; i < spans.size(); ++i) {
        model(format("model_truncated_before_section_%02d", (int)i), Bytes(good.begin(), good.begin() + spans[i].begin),
              "truncated");
        // and one byte short of the section's end (its CRC cut)
        model(format("model_truncated_in_crc_of_section_%02d", (int)i), Bytes(good.begin(), good.begin() + spans[i].end - 1),
              "truncated");
    }
    // A flipped byte in every section's payload and in the header's CRC.
    for (size_t i = 0; i < spans.size(); ++i) {
        Bytes b = good;
        b[(spans[i].begin + spans[i].end) / 2] ^= 0x10;
        model(format("model_flipped_byte_in_section_%02d", (int)i), b, "");
    }
    { Bytes b = good; b[21] ^= 0x01; model("model_flipped_header_crc", b, "CRC-32 mismatch"); }
    { Bytes b = good; b[3] = 'X'; model("model_wrong_magic", b, "not a UniSLAD model file"); }
    { Bytes b = good; b.insert(b.end(), 3, 0); model("model_trailing_bytes", b, "trailing data"); }
    {
        Bytes b = good;
        putU32(&b[8], 2);
        putU32(&b[20], crc32(b.data(), 20));   // a genuine version-2 header
        model("model_newer_version", b, "format version 2 is newer");
    }
    {
        Bytes b = good;
        b[12] = 1; b[13] = 2; b[14] = 3; b[15] = 4;
        putU32(&b[20], crc32(b.data(), 20));
        model("model_big_endian", b, "foreign byte order");
    }
    model("model_png_renamed", Bytes{ 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R' },
          "not a UniSLAD model file");
    // Valid containers with wrong content. good.unislad embeds its backbone (the default); a referencing
    // model (Params::embedBackbones = false) needs the backbone's files.
    Params referencing = p;
    referencing.embedBackbones = false;
    Ptr<UniSLAD> withReferences = UniSLAD::create(referencing);
    withReferences->fit(train);
    const std::string referencingPath = outDir + "/good_referencing.unislad";
    withReferences->save(referencingPath);
    addCase("model_good_referencing", "model", "good_referencing.unislad", "ok", "", "model");
    const std::string hash(64, 'a');
    rewrite(goodPath, outDir + "/model_other_backbone_hash.unislad", "text/backbone0_sha256", hash);
    addCase("model_other_backbone_hash", "model", "model_other_backbone_hash.unislad", "error", "SHA-256", "model");
    rewrite(referencingPath, outDir + "/model_referencing_other_backbone_hash.unislad", "text/backbone0_sha256", hash);
    addCase("model_referencing_other_backbone_hash", "model", "model_referencing_other_backbone_hash.unislad", "error",
            "SHA-256", "model");
    rewrite(referencingPath, outDir + "/model_missing_backbone.unislad", "text/backbone0_manifest", "/nonexistent/backbone.yml");
    addCase("model_missing_backbone", "model", "model_missing_backbone.unislad", "error", "not found", "model");
    {
        // Another valid ONNX model in the embedding one (the same graph with an unknown protobuf field
        // appended, which the importer skips): its SHA-256 is not the recorded one.
        Bytes onnx = readBytes(fs::path(manifest).parent_path().string() + "/tiny_backbone.onnx");
        onnx.insert(onnx.end(), { 0xA0, 0x06, 0x01 });
        rewriteBytes(goodPath, outDir + "/model_embedded_other_onnx.unislad", "backbone/0/onnx", onnx);
        addCase("model_embedded_other_onnx", "model", "model_embedded_other_onnx.unislad", "error", "SHA-256", "model");
    }
    rewrite(goodPath, outDir + "/model_embedded_manifest_not_yaml.unislad", "backbone/0/manifest", "{{{ not: [yaml");
    addCase("model_embedded_manifest_not_yaml", "model", "model_embedded_manifest_not_yaml.unislad", "error",
            "embedded backbone 0", "model");
    rewrite(goodPath, outDir + "/model_embedded_without_onnx.unislad", "backbone/0/onnx", "", true);
    addCase("model_embedded_without_onnx", "model", "model_embedded_without_onnx.unislad", "error",
            "missing section 'backbone/0/onnx'", "model");
    rewrite(goodPath, outDir + "/model_params_not_yaml.unislad", "params", "{{{ not: [yaml");
    addCase("model_params_not_yaml", "model", "model_params_not_yaml.unislad", "error", "parameters", "model");
    rewrite(goodPath, outDir + "/model_params_invalid.unislad", "params",
            "%YAML:1.0\n---\nparams:\n   localManifest: \"" + manifest + "\"\n   w: 7.5\n");
    addCase("model_params_invalid", "model", "model_params_invalid.unislad", "error", "params.w", "model");
    rewrite(goodPath, outDir + "/model_missing_threshold.unislad", "tensor/threshold", "", true);
    addCase("model_missing_threshold", "model", "model_missing_threshold.unislad", "error", "missing tensor 'threshold'", "model");
    {
        // NaN among the stored image-level features (valid CRCs).
        const arc::ModelArchiveReader r = arc::ModelArchiveReader::load(goodPath);
        arc::ModelArchiveWriter w;
        std::vector<Mat> keep;
        for (const std::string& name : r.names()) {
            if (r.kind(name) == arc::ArchiveSectionKind::Text) {
                w.addText(name, r.text(name));
            } else if (r.kind(name) == arc::ArchiveSectionKind::Bytes) {
                w.addBytes(name, r.bytes(name));
            } else {
                keep.push_back(r.tensor(name).clone());
                if (name == "tensor/local_image_features")
                    keep.back().at<float>(1, 2) = std::numeric_limits<float>::quiet_NaN();
                w.addTensor(name, keep.back());
            }
        }
        w.save(outDir + "/model_nan_features.unislad");
        addCase("model_nan_features", "model", "model_nan_features.unislad", "error", "finite", "model");
    }
    fs::create_directories(outDir + "/model_is_a_directory.unislad");
    addCase("model_is_a_directory", "model", "model_is_a_directory.unislad", "error", "regular file", "model");
    addCase("model_missing_file", "model", "model_missing_file.unislad", "error", "cannot open", "model");
}

// ---- manifests and ONNX files -------------------------------------------------------------------
void manifests(const std::string& manifest)
{
    // The fixture's manifest with the ONNX file's absolute path, so that the copies here find it.
    std::ifstream in(manifest);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string onnx = fs::path(manifest).parent_path().string() + "/tiny_backbone.onnx";
    const std::string relativeLine = "model: \"tiny_backbone.onnx\"", modelLine = "model: \"" + onnx + "\"";
    CV_Assert(text.find(relativeLine) != std::string::npos);
    text.replace(text.find(relativeLine), relativeLine.size(), modelLine);
    const Bytes model = readBytes(onnx);
    auto edited = [&](const std::string& id, const std::string& from, const std::string& to, const std::string& fragment) {
        std::string t = text;
        const size_t at = t.find(from);
        CV_Assert(at != std::string::npos);
        t.replace(at, from.size(), to);
        std::ofstream(outDir + "/" + id + ".yml") << t;
        addCase(id, "manifest", id + ".yml", "error", fragment, "manifest");
    };
    const std::string shaLine = text.substr(text.find("sha256:"), text.find('\n', text.find("sha256:")) - text.find("sha256:"));
    std::ofstream(outDir + "/manifest_good.yml") << text;
    addCase("manifest_good", "manifest", "manifest_good.yml", "ok", "", "manifest");

    writeBytes(outDir + "/manifest_binary.yml", Bytes{ 0x00, 0xFF, 0x13, 0x37, '{', '{', '[', 0x80 });
    addCase("manifest_binary", "manifest", "manifest_binary.yml", "error", "manifest_binary.yml", "manifest");
    writeBytes(outDir + "/manifest_empty.yml", Bytes());
    addCase("manifest_empty", "manifest", "manifest_empty.yml", "error", "manifest_empty.yml", "manifest");
    edited("manifest_no_model_key", modelLine, "", "missing key 'model'");
    edited("manifest_missing_onnx", modelLine, "model: \"nonexistent.onnx\"", "cannot open the ONNX file");
    edited("manifest_no_taps", text.substr(text.find("taps:")), "", "missing key 'taps'");
    edited("manifest_bad_input_width", "width: 16", "width: sixteen", "input.width");
    edited("manifest_zero_std", "std: [ 127.5, 127.5, 127.5 ]", "std: [ 127.5, 0, 127.5 ]", "std[1]");
    edited("manifest_tap_not_in_graph", "name: \"deep\"", "name: \"block_9_add\"", "expected an output named 'block_9_add'");
    edited("manifest_input_size_differs", "width: 16\n   height: 16", "width: 32\n   height: 32", "test forward pass at 32x32");
    edited("manifest_onnx_hash_differs", shaLine, "sha256: \"" + std::string(64, '0') + "\"", "SHA-256 expected");

    // Corrupt ONNX files behind a manifest without a hash (so that the importer itself meets them).
    auto corrupt = [&](const std::string& id, const Bytes& bytes, const std::string& fragment) {
        writeBytes(outDir + "/" + id + ".onnx", bytes);
        std::string t = text;
        t.replace(t.find(shaLine), shaLine.size(), "");
        t.replace(t.find(modelLine), modelLine.size(), "model: \"" + id + ".onnx\"");
        std::ofstream(outDir + "/" + id + ".yml") << t;
        addCase(id, "manifest", id + ".yml", "error", fragment, "manifest");
    };
    corrupt("onnx_truncated_half", Bytes(model.begin(), model.begin() + model.size() / 2), "onnx_truncated_half.onnx");
    corrupt("onnx_truncated_16", Bytes(model.begin(), model.begin() + 16), "onnx_truncated_16.onnx");
    corrupt("onnx_empty", Bytes(), "onnx_empty.onnx");
    Bytes flipped = model;
    for (size_t i = 40; i < flipped.size(); i += 97)
        flipped[i] ^= 0xA5;
    corrupt("onnx_flipped_bytes", flipped, "onnx_flipped_bytes.onnx");
    Bytes png;
    imencode(".png", Mat(8, 8, CV_8UC1, Scalar(0)), png);
    corrupt("onnx_png_renamed", png, "onnx_png_renamed.onnx");
}

// ---- feature matrices with NaN / Inf ------------------------------------------------------------
void features()
{
    RNG rng(3);
    for (const char* which : { "nan", "inf" }) {
        Mat m(64, 16, CV_32F);
        rng.fill(m, RNG::NORMAL, 0, 1);
        m.at<float>(17, 5) = which[0] == 'n' ? std::numeric_limits<float>::quiet_NaN() : -std::numeric_limits<float>::infinity();
        const std::string file = format("features_%s.yml", which);
        FileStorage fs(outDir + "/" + file, FileStorage::WRITE);
        fs << "features" << m;
        addCase(format("features_%s", which), "features", file, "error", "expected finite values", "-");
    }
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::cerr << "usage: make_bad_corpus <out dir> <tiny_backbone.yml>\n";
        return 2;
    }
    outDir = argv[1];
    const std::string manifest = fs::absolute(argv[2]).string();
    try {
        fs::remove_all(outDir);
        fs::create_directories(outDir);
        caseIndex.open(outDir + "/cases.tsv");
        caseIndex << "# id\tkind\tfile\texpect\tfragment\tcli\n";
        images();
        models(manifest);
        manifests(manifest);
        features();
        caseIndex.close();
    } catch (const std::exception& e) {
        std::cerr << "make_bad_corpus: " << e.what() << "\n";
        return 1;
    }
    std::cout << "make_bad_corpus: wrote " << outDir << "\n";
    return 0;
}
