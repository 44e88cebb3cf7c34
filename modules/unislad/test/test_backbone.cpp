// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "test_precomp.hpp"
#include "opencv2/unislad/backbone.hpp"

#include <opencv2/dnn.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <thread>

namespace opencv_test { namespace {

using namespace cv::uniSLAD;

std::vector<uchar> readBytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::vector<uchar>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void writeBytes(const std::string& path, const std::vector<uchar>& bytes)
{
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), (std::streamsize)bytes.size());
}

/** The fixture manifest with some lines replaced, written next to the fixture's ONNX file. */
std::string editedManifest(const std::string& from, const std::string& to, const std::string& suffix)
{
    std::ifstream in(unisladFixturePath("tiny_backbone.yml"));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t at = text.find(from);
    EXPECT_NE(std::string::npos, at) << from;
    if (at != std::string::npos)
        text.replace(at, from.size(), to);
    const std::string path = cv::tempfile(suffix.c_str());
    std::ofstream(path) << text;
    return path;
}

struct Fixture
{
    Mat input, map, deep, vec;
    Fixture()
    {
        FileStorage fs(unisladFixturePath("tiny_backbone.json"), FileStorage::READ);
        Mat in, m, d;
        fs["input"] >> in;
        fs["map"] >> m;
        fs["deep"] >> d;
        fs["vec"] >> vec;
        const int si[] = { 2, 3, 16, 16 }, sm[] = { 2, 4, 16, 16 }, sd[] = { 2, 6, 8, 8 };
        input = in.reshape(1, 4, si).clone();
        map = m.reshape(1, 4, sm).clone();
        deep = d.reshape(1, 4, sd).clone();
    }
};

TEST(UniSLAD_Backbone, manifest_is_read)
{
    const BackboneManifest m = BackboneManifest::read(unisladFixturePath("tiny_backbone.yml"));
    EXPECT_EQ(unisladFixturePath("tiny_backbone.onnx"), m.modelPath);
    EXPECT_EQ(64u, m.sha256.size());
    EXPECT_EQ(16, m.input.width);
    EXPECT_TRUE(m.input.rgb);
    EXPECT_DOUBLE_EQ(127.5, m.input.mean[2]);
    ASSERT_EQ(3u, m.taps.size());
    EXPECT_EQ("local", m.taps[0].role);
    EXPECT_EQ((std::vector<int>{ 4, 16, 16 }), m.taps[0].shape);
    EXPECT_FALSE(m.taps[0].imagenet);
    EXPECT_EQ(1u, m.tapsFor("class").size());
    EXPECT_EQ(1u, m.tapsFor("global").size());
    EXPECT_EQ(0u, m.tapsFor("texture").size());
    UNISLAD_EXPECT_THROW_MSG(m.tap("block_9_add"), "block_9_add", "available: map, deep, vec");
}

TEST(UniSLAD_Backbone, forward_matches_numpy_convolution)
{
    const Fixture fx;
    Ptr<Backbone> net = Backbone::create(BackboneManifest::read(unisladFixturePath("tiny_backbone.yml")));
    EXPECT_EQ((std::vector<String>{ "map", "deep", "vec" }), net->tapNames());
    std::vector<Mat> outs;
    net->forward(fx.input, outs);
    ASSERT_EQ(3u, outs.size());
    ASSERT_EQ(4, outs[0].dims);
    EXPECT_EQ(2, outs[0].size[0]);
    EXPECT_LE(cv::norm(outs[0], fx.map, NORM_INF), 1e-5);
    ASSERT_EQ(4, outs[1].dims);
    EXPECT_LE(cv::norm(outs[1], fx.deep, NORM_INF), 1e-5);
    ASSERT_EQ(2, outs[2].dims);
    EXPECT_EQ(Size(4, 2), outs[2].size());
    EXPECT_LE(cv::norm(outs[2], fx.vec, NORM_INF), 1e-5);
}

TEST(UniSLAD_Backbone, images_buffer_and_tap_subset)
{
    const BackboneManifest m = BackboneManifest::read(unisladFixturePath("tiny_backbone.yml"));
    Ptr<Backbone> a = Backbone::create(m, { "vec" });
    Ptr<Backbone> b = Backbone::createFromBuffer(m, readBytes(m.modelPath), { "vec" });
    RNG rng(5);
    std::vector<Mat> imgs(3);
    for (Mat& im : imgs) {
        im.create(40, 30, CV_8UC3);
        rng.fill(im, RNG::UNIFORM, 0, 256);
    }
    std::vector<Mat> fromImages, fromBlob, fromBuffer;
    a->forwardImages(imgs, fromImages);
    Mat blob;
    Preprocessor(m.input).applyBatch(imgs, blob);
    a->forward(blob, fromBlob);
    b->forward(blob, fromBuffer);
    ASSERT_EQ(1u, fromImages.size());
    EXPECT_EQ(Size(4, 3), fromImages[0].size());
    EXPECT_EQ(0, cv::norm(fromImages[0], fromBlob[0], NORM_INF));
    EXPECT_EQ(0, cv::norm(fromBuffer[0], fromBlob[0], NORM_INF));
}

TEST(UniSLAD_Backbone, cuda_request_falls_back_to_cpu_when_unavailable)
{
    const BackboneManifest m = BackboneManifest::read(unisladFixturePath("tiny_backbone.yml"));
    Ptr<Backbone> net = Backbone::create(m, {}, COMPUTE_CUDA);
    const std::vector<dnn::Target> cuda = dnn::getAvailableTargets(dnn::DNN_BACKEND_CUDA);
    const bool hasCuda = std::find(cuda.begin(), cuda.end(), dnn::DNN_TARGET_CUDA) != cuda.end();
    EXPECT_EQ(hasCuda ? "CUDA" : "CPU", net->backendName());
    EXPECT_EQ("CPU", Backbone::create(m)->backendName());
    UNISLAD_EXPECT_THROW_MSG(Backbone::create(m, {}, 7), "backend", "found 7");
}

TEST(UniSLAD_Backbone, concurrent_forward_equals_serial)
{
    const Fixture fx;
    Ptr<Backbone> net = Backbone::create(BackboneManifest::read(unisladFixturePath("tiny_backbone.yml")));
    std::vector<Mat> serial;
    net->forward(fx.input, serial);
    std::vector<std::vector<Mat>> results(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] { for (int i = 0; i < 20; ++i) net->forward(fx.input, results[t]); });
    for (std::thread& t : threads)
        t.join();
    for (int t = 0; t < 4; ++t)
        for (size_t i = 0; i < serial.size(); ++i)
            EXPECT_EQ(0, cv::norm(results[t][i], serial[i], NORM_INF)) << t << " " << i;
}

TEST(UniSLAD_Backbone, bad_manifests)
{
    UNISLAD_EXPECT_THROW_MSG(BackboneManifest::read("/nonexistent/m.yml"), "/nonexistent/m.yml", "cannot open");
    const std::string garbage = cv::tempfile(".yml");
    std::ofstream(garbage) << "\x01\x02 not yaml {{{";
    EXPECT_THROW(BackboneManifest::read(garbage), cv::Exception);
    std::remove(garbage.c_str());
    struct Case { const char* from; const char* to; const char* message; };
    const Case cases[] = {
        { "model: \"tiny_backbone.onnx\"\n", "", "missing key 'model'" },
        { "   width: 16\n", "", "missing key 'input.width'" },
        { "channel_order: \"RGB\"", "channel_order: \"YUV\"", "expected RGB or BGR, found 'YUV'" },
        { "mean: [ 127.5, 127.5, 127.5 ]", "mean: [ 127.5 ]", "input.mean': expected 3 values, found 1" },
        { "std: [ 127.5, 127.5, 127.5 ]", "std: [ 127.5, 0, 127.5 ]", "std[1]" },
        { "role: \"local\"", "role: \"texture\"", "taps[0].role': expected local, global or class, found 'texture'" },
        { "shape: [ 4 ]", "shape: [ 0 ]", "taps[2].shape" },
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.message);
        const std::string path = editedManifest(c.from, c.to, ".yml");
        UNISLAD_EXPECT_THROW_MSG(BackboneManifest::read(path), path.c_str(), c.message);
        std::remove(path.c_str());
    }
}

TEST(UniSLAD_Backbone, bad_models)
{
    BackboneManifest m = BackboneManifest::read(unisladFixturePath("tiny_backbone.yml"));
    const std::vector<uchar> bytes = readBytes(m.modelPath);

    // The file's hash differs from the manifest's.
    BackboneManifest wrongHash = m;
    wrongHash.sha256[0] = wrongHash.sha256[0] == '0' ? '1' : '0';
    UNISLAD_EXPECT_THROW_MSG(Backbone::create(wrongHash), m.modelPath.c_str(), "SHA-256 expected");

    // Truncated and foreign files (no hash in the manifest, so the importer itself sees them).
    BackboneManifest noHash = m;
    noHash.sha256.clear();
    const std::string broken = cv::tempfile(".onnx");
    noHash.modelPath = broken;
    writeBytes(broken, std::vector<uchar>(bytes.begin(), bytes.begin() + bytes.size() / 2));
    UNISLAD_EXPECT_THROW_MSG(Backbone::create(noHash), broken.c_str());
    writeBytes(broken, std::vector<uchar>{ 'P', 'K', 3, 4, 'n', 'o', 't', ' ', 'o', 'n', 'n', 'x' });
    UNISLAD_EXPECT_THROW_MSG(Backbone::create(noHash), broken.c_str());
    std::remove(broken.c_str());
    UNISLAD_EXPECT_THROW_MSG(Backbone::create(noHash), broken.c_str(), "cannot open");
    UNISLAD_EXPECT_THROW_MSG(Backbone::createFromBuffer(m, std::vector<uchar>{}), "empty buffer");

    // A tap the graph does not have.
    BackboneManifest extra = m;
    BackboneTap t = m.taps[0];
    t.name = "block_9_add";
    extra.taps.push_back(t);
    UNISLAD_EXPECT_THROW_MSG(Backbone::create(extra), "expected an output named 'block_9_add'");
    UNISLAD_EXPECT_THROW_MSG(Backbone::create(m, { "nope" }), "tap 'nope'", "available: map, deep, vec");

    // The manifest's input size disagrees with the graph's output shapes.
    BackboneManifest bigger = m;
    bigger.input.width = bigger.input.height = 32;
    UNISLAD_EXPECT_THROW_MSG(Backbone::create(bigger), "test forward pass at 32x32", "tap 'map'", "4 x 16 x 16");

    Ptr<Backbone> ok = Backbone::create(m);
    std::vector<Mat> outs;
    const int wrong[] = { 1, 3, 8, 8 };
    UNISLAD_EXPECT_THROW_MSG(ok->forward(Mat(4, wrong, CV_32F, Scalar(0)), outs), "N x 3 x 16 x 16", "1x3x8x8");
}

TEST(UniSLAD_Backbone, default_model_directory_follows_environment)
{
    const char* saved = std::getenv("UNISLAD_MODEL_DIR");
    const std::string keep = saved ? saved : "";
    setenv("UNISLAD_MODEL_DIR", "/opt/models", 1);
    EXPECT_EQ("/opt/models", defaultModelDirectory());
    unsetenv("UNISLAD_MODEL_DIR");
    EXPECT_NE(std::string::npos, defaultModelDirectory().find("unislad/models"));
    if (saved)
        setenv("UNISLAD_MODEL_DIR", keep.c_str(), 1);
}

}} // namespace
