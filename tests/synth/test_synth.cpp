// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// Tests of the synthetic data generator: layout, determinism, nominal variation, defect sizes,
// logical anomalies without new local appearance, and a mean-image baseline that must stay far
// from perfect on the logical anomalies.
#include "synthetic_data.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/unislad/metrics.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

namespace opencv_test {
namespace {

using namespace unislad::synth;
namespace fs = std::filesystem;

fs::path scratchDir(const std::string& name)
{
    const fs::path dir = fs::path(UNISLAD_SYNTH_TEST_TMP) / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::string readBytes(const fs::path& p)
{
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

std::vector<std::string> locoNames()
{
    std::vector<std::string> v;
    for (const CategoryInfo& c : categoryRegistry())
        if (c.kind == Kind::Loco)
            v.push_back(c.name);
    return v;
}

size_t countPng(const fs::path& dir)
{
    if (!fs::is_directory(dir))
        return 0;
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir))
        n += e.path().extension() == ".png";
    return n;
}

/** Renders samples first..first+n-1 of a split in parallel (rendering is a pure function). */
std::vector<Sample> renderMany(const std::string& name, Split split, int n, uint64_t seed, int size)
{
    std::vector<Sample> out(static_cast<size_t>(n));
    cv::parallel_for_(cv::Range(0, n), [&](const cv::Range& r) {
        for (int i = r.start; i < r.end; ++i)
            out[static_cast<size_t>(i)] = renderSample(name, split, i, seed, size);
    });
    return out;
}

TEST(UniSLAD_Synth, registry_lists_seven_categories_of_three_kinds)
{
    const std::vector<CategoryInfo>& reg = categoryRegistry();
    ASSERT_GE(reg.size(), 7u);
    std::set<std::string> names;
    int loco = 0, texture = 0, object = 0;
    for (const CategoryInfo& c : reg)
    {
        SCOPED_TRACE(c.name);
        EXPECT_TRUE(names.insert(c.name).second) << "duplicate name";
        EXPECT_FALSE(c.summary.empty());
        EXPECT_FALSE(c.structuralDefects.empty());
        EXPECT_EQ(c.logicalDefects.empty(), c.kind != Kind::Loco);
        loco += c.kind == Kind::Loco;
        texture += c.kind == Kind::Texture;
        object += c.kind == Kind::Object;
    }
    EXPECT_GE(loco, 5);
    EXPECT_GE(texture, 1);
    EXPECT_GE(object, 1);
    EXPECT_THROW(findCategory("no_such_category"), cv::Exception);
    EXPECT_THROW(renderSample("metal_nut", Split::TestLogical, 0, 0, 64), cv::Exception);
    EXPECT_THROW(renderSample("kit_tray", Split::Train, 0, 0, 16), cv::Exception);
}

TEST(UniSLAD_Synth, layout_of_every_category)
{
    const fs::path root = scratchDir("layout");
    for (const CategoryInfo& c : categoryRegistry())
    {
        SCOPED_TRACE(c.name);
        SplitCounts n;
        n.train = 2;
        n.validation = 1;
        n.testGood = 1;
        n.testLogical = static_cast<int>(c.logicalDefects.size());
        n.testStructural = static_cast<int>(c.structuralDefects.size());
        const int size = 64;
        const GenerateStats st = generateCategory(root.string(), c.name, n, 7, size);
        const fs::path base = root / c.name;
        EXPECT_EQ(countPng(base / "train/good"), 2u);
        EXPECT_EQ(countPng(base / "test/good"), 1u);
        EXPECT_FALSE(fs::exists(base / "ground_truth/good"));
        const bool loco = c.kind == Kind::Loco;
        EXPECT_EQ(fs::exists(base / "validation"), loco);
        int images = 3, masks = 0;
        if (loco)
        {
            EXPECT_EQ(countPng(base / "validation/good"), 1u);
            EXPECT_EQ(countPng(base / "test/logical_anomalies"), static_cast<size_t>(n.testLogical));
            EXPECT_EQ(countPng(base / "test/structural_anomalies"), static_cast<size_t>(n.testStructural));
            images += 1 + n.testLogical + n.testStructural;
            masks += n.testLogical + n.testStructural;
        }
        else
        {
            for (const std::string& d : c.structuralDefects)
                EXPECT_EQ(countPng(base / "test" / d), 1u) << d;
            images += n.testStructural;
            masks += n.testStructural;
        }
        EXPECT_EQ(st.images, images);
        EXPECT_EQ(st.masks, masks);
        // every anomalous image has a non-empty mask of its size; nominal images have none
        for (Split split : {Split::TestLogical, Split::TestStructural, Split::TestGood})
        {
            const int count = split == Split::TestLogical ? (loco ? n.testLogical : 0)
                              : split == Split::TestStructural ? n.testStructural : n.testGood;
            for (int i = 0; i < count; ++i)
            {
                std::string maskRel;
                const std::string imgRel = samplePath(c, split, i, &maskRel);
                SCOPED_TRACE(imgRel);
                const cv::Mat img = cv::imread((base / imgRel).string(), cv::IMREAD_UNCHANGED);
                ASSERT_FALSE(img.empty()) << (base / imgRel);
                EXPECT_EQ(img.type(), CV_8UC3);
                EXPECT_EQ(img.size(), cv::Size(size, size));
                if (split == Split::TestGood)
                {
                    EXPECT_TRUE(maskRel.empty());
                    continue;
                }
                if (loco)
                {
                    EXPECT_EQ(maskRel, "ground_truth/" + std::string(split == Split::TestLogical ? "logical" : "structural") +
                                           "_anomalies/" + imgRel.substr(imgRel.size() - 7, 3) + "/000.png");
                }
                const cv::Mat m = cv::imread((base / maskRel).string(), cv::IMREAD_UNCHANGED);
                ASSERT_FALSE(m.empty()) << (base / maskRel);
                EXPECT_EQ(m.type(), CV_8UC1);
                EXPECT_EQ(m.size(), img.size());
                EXPECT_GT(cv::countNonZero(m), 0);
                EXPECT_EQ(cv::countNonZero(m) + cv::countNonZero(m == 0), m.rows * m.cols);
                EXPECT_EQ(cv::countNonZero((m != 0) & (m != 255)), 0) << "mask values other than 0 and 255";
            }
        }
        for (const auto& e : fs::recursive_directory_iterator(base))
            EXPECT_NE(e.path().extension(), ".tmp") << e.path();
    }
}

TEST(UniSLAD_Synth, same_seed_gives_identical_files_and_subsets_agree)
{
    const fs::path a = scratchDir("det_a"), b = scratchDir("det_b"), c = scratchDir("det_c");
    SplitCounts big;
    big.train = 3;
    big.validation = 0;
    big.testGood = 0;
    big.testLogical = 3;
    big.testStructural = 2;
    SplitCounts small = big;
    small.train = 1;
    small.testLogical = 2;
    for (const std::string& cat : {std::string("kit_tray"), std::string("woven_texture")})
    {
        SCOPED_TRACE(cat);
        generateCategory(a.string(), cat, big, 11, 64);
        generateCategory(b.string(), cat, small, 11, 64);
        generateCategory(c.string(), cat, small, 12, 64);
        size_t compared = 0;
        for (const auto& e : fs::recursive_directory_iterator(b / cat))
        {
            if (!e.is_regular_file())
                continue;
            const fs::path rel = fs::relative(e.path(), b);
            EXPECT_EQ(readBytes(a / rel), readBytes(e.path())) << rel;
            EXPECT_NE(readBytes(c / rel), readBytes(e.path())) << rel << " is the same for another seed";
            ++compared;
        }
        EXPECT_GE(compared, 4u);
    }
    // rendering twice in memory gives the same pixels
    const Sample s1 = renderSample("juice_bottle", Split::TestLogical, 4, 99, 64);
    const Sample s2 = renderSample("juice_bottle", Split::TestLogical, 4, 99, 64);
    EXPECT_EQ(cv::norm(s1.image, s2.image, cv::NORM_INF), 0.0);
    EXPECT_EQ(cv::norm(s1.mask, s2.mask, cv::NORM_INF), 0.0);
    EXPECT_EQ(s1.defect, s2.defect);
}

TEST(UniSLAD_Synth, nominal_images_all_differ_substantially)
{
    for (const CategoryInfo& c : categoryRegistry())
    {
        SCOPED_TRACE(c.name);
        std::vector<cv::Mat> imgs;
        for (int i = 0; i < 5; ++i)
        {
            const Sample s = renderSample(c.name, Split::Train, i, 0, 96);
            EXPECT_EQ(cv::countNonZero(s.mask), 0) << "nominal image with a mask";
            EXPECT_TRUE(s.defect.empty());
            imgs.push_back(s.image);
        }
        for (size_t i = 0; i < imgs.size(); ++i)
            for (size_t j = i + 1; j < imgs.size(); ++j)
            {
                const double mad = cv::norm(imgs[i], imgs[j], cv::NORM_L1) / static_cast<double>(imgs[i].total() * 3);
                EXPECT_GT(mad, 4.0) << "images " << i << " and " << j << " are nearly the same";
            }
    }
}

TEST(UniSLAD_Synth, structural_defects_are_small_and_every_type_is_drawn)
{
    for (const CategoryInfo& c : categoryRegistry())
    {
        std::set<std::string> seen;
        for (int i = 0; i < 2 * static_cast<int>(c.structuralDefects.size()); ++i)
        {
            const Sample s = renderSample(c.name, Split::TestStructural, i, 5, 128);
            SCOPED_TRACE(c.name + "/" + s.defect);
            seen.insert(s.defect);
            const double frac = cv::countNonZero(s.mask) / static_cast<double>(s.mask.total());
            EXPECT_GT(frac, 0.0);
            EXPECT_LT(frac, 0.03);
        }
        EXPECT_EQ(seen.size(), c.structuralDefects.size()) << c.name;
    }
}

/** Quantised colours (8 levels per channel) that occur in at least `minCount` pixels. */
std::vector<int> colourHistogram(const cv::Mat& img)
{
    std::vector<int> h(512, 0);
    for (int y = 0; y < img.rows; ++y)
        for (int x = 0; x < img.cols; ++x)
        {
            const cv::Vec3b v = img.at<cv::Vec3b>(y, x);
            ++h[static_cast<size_t>((v[0] >> 5) * 64 + (v[1] >> 5) * 8 + (v[2] >> 5))];
        }
    return h;
}

TEST(UniSLAD_Synth, logical_anomalies_introduce_no_new_colours)
{
    // Logical anomalies are made of nominal parts: (almost) every pixel colour of a logical anomaly
    // also occurs in nominal images. Structural stains and contamination may add colours; logical
    // ones must not.
    for (const std::string& name : locoNames())
    {
        SCOPED_TRACE(name);
        std::vector<int> nominal(512, 0);
        for (const Sample& t : renderMany(name, Split::Train, 24, 0, 64))
        {
            const std::vector<int> h = colourHistogram(t.image);
            for (size_t k = 0; k < h.size(); ++k)
                nominal[k] += h[k];
        }
        const CategoryInfo& info = findCategory(name);
        for (const Sample& s : renderMany(name, Split::TestLogical, 2 * static_cast<int>(info.logicalDefects.size()), 0, 64))
        {
            SCOPED_TRACE(s.defect);
            const std::vector<int> h = colourHistogram(s.image);
            int unseen = 0;
            for (size_t k = 0; k < h.size(); ++k)
                if (nominal[k] == 0)
                    unseen += h[k];
            EXPECT_LE(unseen, static_cast<int>(0.005 * s.image.total())) << "pixels of colours never seen in nominal images";
        }
    }
}

/** Mean-image baseline: the score of an image is its L2 distance to the mean training image
(`l2`), or the maximum of the blurred absolute difference (`max`). */
struct MeanImageScores
{
    std::vector<float> l2, max;
};

MeanImageScores meanImageScores(const cv::Mat& mean, const std::vector<Sample>& samples)
{
    MeanImageScores s;
    for (const Sample& x : samples)
    {
        cv::Mat f, diff;
        x.image.convertTo(f, CV_32F);
        s.l2.push_back(static_cast<float>(cv::norm(f, mean, cv::NORM_L2)));
        cv::absdiff(f, mean, diff);
        cv::GaussianBlur(diff, diff, cv::Size(0, 0), 1.5);
        double m = 0;
        cv::minMaxLoc(diff.reshape(1), nullptr, &m);
        s.max.push_back(static_cast<float>(m));
    }
    return s;
}

double auroc(const std::vector<float>& good, const std::vector<float>& bad)
{
    std::vector<float> scores = good;
    scores.insert(scores.end(), bad.begin(), bad.end());
    std::vector<int> labels(good.size(), 0);
    labels.resize(scores.size(), 1);
    return cv::uniSLAD::metrics::imageAUROC(scores, labels);
}

TEST(UniSLAD_Synth, mean_image_baseline_is_far_from_perfect_on_logical_anomalies)
{
    // A per-pixel template cannot tell logical anomalies from nominal variation. (It is no good on
    // the small structural defects either; the numbers are printed for the record.)
    const int size = 64;
    for (const std::string& name : locoNames())
    {
        SCOPED_TRACE(name);
        cv::Mat mean = cv::Mat::zeros(size, size, CV_32FC3);
        const std::vector<Sample> train = renderMany(name, Split::Train, 30, 0, size);
        for (const Sample& t : train)
        {
            cv::Mat f;
            t.image.convertTo(f, CV_32F);
            mean += f / static_cast<double>(train.size());
        }
        const MeanImageScores good = meanImageScores(mean, renderMany(name, Split::TestGood, 20, 0, size));
        const MeanImageScores logical = meanImageScores(mean, renderMany(name, Split::TestLogical, 20, 0, size));
        const MeanImageScores structural = meanImageScores(mean, renderMany(name, Split::TestStructural, 20, 0, size));
        const double l2 = auroc(good.l2, logical.l2), mx = auroc(good.max, logical.max);
        std::printf("  mean-image AUROC %-17s logical: L2 %.3f max %.3f | structural: L2 %.3f max %.3f\n", name.c_str(),
                    l2, mx, auroc(good.l2, structural.l2), auroc(good.max, structural.max));
        EXPECT_LT(l2, 0.8);
        EXPECT_LT(mx, 0.8);
    }
}

} // namespace
} // namespace opencv_test
