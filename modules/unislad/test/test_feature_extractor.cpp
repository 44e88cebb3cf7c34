// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "test_precomp.hpp"
#include "opencv2/unislad/feature_extractor.hpp"

#include <cstdio>
#include <fstream>
#include <iterator>

namespace opencv_test { namespace {

using namespace cv::uniSLAD;

DualFeatureExtractor::Params tinyParams()
{
    DualFeatureExtractor::Params p;
    p.localManifest = unisladFixturePath("tiny_backbone.yml");
    p.localTaps = { "map", "deep" };
    p.localAggregation.pretrainDims = 8;
    p.localAggregation.targetDims = 6;
    return p;
}

std::vector<Mat> fixtureImages(const FileStorage& fs)
{
    Mat pixels;
    fs["images"] >> pixels;  // (2·16·16) x 3, int32 BGR
    std::vector<Mat> images;
    for (int i = 0; i < 2; ++i) {
        Mat img;
        pixels.rowRange(i * 256, (i + 1) * 256).reshape(3, 16).convertTo(img, CV_8U);
        images.push_back(img);
    }
    return images;
}

TEST(UniSLAD_FeatureExtractor, matches_numpy_and_torch_reference)
{
    FileStorage fs(unisladFixturePath("tiny_backbone.json"), FileStorage::READ);
    ASSERT_TRUE(fs.isOpened());
    Mat expLocal, expGlobal, expCls;
    fs["local"] >> expLocal;
    fs["global"] >> expGlobal;
    fs["cls"] >> expCls;
    for (int batchSize : { 1, 8 }) {
        SCOPED_TRACE(batchSize);
        DualFeatureExtractor::Params p = tinyParams();
        p.batchSize = batchSize;
        Ptr<DualFeatureExtractor> ex = DualFeatureExtractor::create(p);
        EXPECT_EQ(16, ex->localGrid());
        EXPECT_EQ(8, ex->globalGrid());
        EXPECT_EQ(6, ex->localDims());
        EXPECT_EQ(6, ex->globalDims());
        EXPECT_EQ(4, ex->classDims());
        EXPECT_EQ(ex->localBackbone(), ex->globalBackbone()) << "one manifest: one network";
        Mat local, global, cls;
        ex->extract(fixtureImages(fs), local, global, cls);
        ASSERT_EQ(expLocal.size(), local.size());
        ASSERT_EQ(expGlobal.size(), global.size());
        ASSERT_EQ(expCls.size(), cls.size());
        EXPECT_LE(cv::norm(local, expLocal, NORM_INF), 1e-5);
        EXPECT_LE(cv::norm(global, expGlobal, NORM_INF), 1e-5);
        EXPECT_LE(cv::norm(cls, expCls, NORM_INF), 1e-5);
    }
}

TEST(UniSLAD_FeatureExtractor, separate_global_backbone_and_explicit_grid)
{
    FileStorage fs(unisladFixturePath("tiny_backbone.json"), FileStorage::READ);
    DualFeatureExtractor::Params p = tinyParams();
    p.localTaps = { "map" };
    p.globalManifest = cv::tempfile(".yml");
    {   // the same network under another manifest path: two backbones
        std::ifstream src(unisladFixturePath("tiny_backbone.yml"));
        std::string text((std::istreambuf_iterator<char>(src)), std::istreambuf_iterator<char>());
        text.replace(text.find("\"tiny_backbone.onnx\""), 20, "\"" + unisladFixturePath("tiny_backbone.onnx") + "\"");
        std::ofstream(p.globalManifest) << text;
    }
    p.globalTaps = { "deep" };
    p.classTap = "map";  // a map as class feature: average-pooled, equals "vec"
    p.localAggregation.gridSize = 10;
    Ptr<DualFeatureExtractor> ex = DualFeatureExtractor::create(p);
    EXPECT_NE(ex->localBackbone(), ex->globalBackbone());
    Mat local, global, cls, expCls;
    ex->extract(fixtureImages(fs), local, global, cls);
    fs["cls"] >> expCls;
    EXPECT_EQ(Size(6, 2 * 100), local.size());
    EXPECT_LE(cv::norm(cls, expCls, NORM_INF), 1e-5);
    std::remove(p.globalManifest.c_str());
}

TEST(UniSLAD_FeatureExtractor, a_branch_switched_off_costs_nothing_and_changes_nothing_else)
{
    FileStorage fs(unisladFixturePath("tiny_backbone.json"), FileStorage::READ);
    Mat fullLocal, fullGlobal, fullCls;
    DualFeatureExtractor::create(tinyParams())->extract(fixtureImages(fs), fullLocal, fullGlobal, fullCls);
    DualFeatureExtractor::Params p = tinyParams();
    p.useGlobal = false;
    Ptr<DualFeatureExtractor> localOnly = DualFeatureExtractor::create(p);
    EXPECT_EQ(0, localOnly->globalGrid());
    EXPECT_EQ(0, localOnly->classDims());
    Mat local, global, cls;
    localOnly->extract(fixtureImages(fs), local, global, cls);
    EXPECT_TRUE(global.empty());
    EXPECT_TRUE(cls.empty());
    EXPECT_EQ(0, cv::norm(local, fullLocal, NORM_INF));
    p = tinyParams();
    p.useLocal = false;
    Ptr<DualFeatureExtractor> globalOnly = DualFeatureExtractor::create(p);
    EXPECT_EQ(0, globalOnly->localGrid());
    globalOnly->extract(fixtureImages(fs), local, global, cls);
    EXPECT_TRUE(local.empty());
    EXPECT_EQ(0, cv::norm(global, fullGlobal, NORM_INF));
    EXPECT_EQ(0, cv::norm(cls, fullCls, NORM_INF));
    p.useGlobal = false;
    UNISLAD_EXPECT_THROW_MSG(DualFeatureExtractor::create(p), "at least one branch");
}

TEST(UniSLAD_FeatureExtractor, bad_parameters)
{
    DualFeatureExtractor::Params p;
    UNISLAD_EXPECT_THROW_MSG(DualFeatureExtractor::create(p), "localManifest", "empty");
    p = tinyParams();
    p.batchSize = 0;
    UNISLAD_EXPECT_THROW_MSG(DualFeatureExtractor::create(p), "batchSize", "found 0");
    p = tinyParams();
    p.localTaps = { "vec" };
    UNISLAD_EXPECT_THROW_MSG(DualFeatureExtractor::create(p), "local tap 'vec'", "C x H x W");
    p = tinyParams();
    p.globalTaps = { "map", "deep" };
    UNISLAD_EXPECT_THROW_MSG(DualFeatureExtractor::create(p), "one grid", "16x16", "8x8");
    p = tinyParams();
    p.classTap = "missing";
    UNISLAD_EXPECT_THROW_MSG(DualFeatureExtractor::create(p), "tap 'missing'");
    p = tinyParams();
    p.localManifest = "/nonexistent/backbone.yml";
    UNISLAD_EXPECT_THROW_MSG(DualFeatureExtractor::create(p), "/nonexistent/backbone.yml");
    Ptr<DualFeatureExtractor> ex = DualFeatureExtractor::create(tinyParams());
    Mat a, b, c;
    UNISLAD_EXPECT_THROW_MSG(ex->extract(std::vector<Mat>{}, a, b, c), "at least one image");
    UNISLAD_EXPECT_THROW_MSG(ex->extract(std::vector<Mat>{ Mat(2, 2, CV_8UC3) }, a, b, c), "at least 8x8");
}

}} // namespace
