// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "test_precomp.hpp"

#include "opencv2/unislad/image_feature.hpp"

#include <numeric>

namespace opencv_test { namespace {

using cv::uniSLAD::ImageFeatureConverter;

Ptr<ImageFeatureConverter> makeConverter(int mode, double q = 3.0, double alpha = 0.05)
{
    ImageFeatureConverter::Params p;
    p.mode = mode;
    p.q = q;
    p.alpha = alpha;
    return ImageFeatureConverter::create(p);
}

Mat convertWith(int mode, const Mat& patches, double q = 3.0, double alpha = 0.05)
{
    Mat f;
    makeConverter(mode, q, alpha)->convert(patches, f);
    return f;
}

// Per-channel mean in double, computed directly.
std::vector<double> columnMeans(const Mat& x)
{
    std::vector<double> m(x.cols, 0.0);
    for (int r = 0; r < x.rows; ++r)
        for (int c = 0; c < x.cols; ++c)
            m[c] += x.at<float>(r, c);
    for (double& v : m)
        v /= x.rows;
    return m;
}

void expectRowNear(const Mat& actual, const std::vector<double>& expected, double relTol, double absTol = 0.0)
{
    ASSERT_EQ(CV_32FC1, actual.type());
    ASSERT_EQ(1, actual.rows);
    ASSERT_EQ(static_cast<int>(expected.size()), actual.cols);
    for (int c = 0; c < actual.cols; ++c) {
        SCOPED_TRACE(cv::format("column %d", c));
        EXPECT_NEAR(actual.at<float>(0, c), expected[c], relTol * std::abs(expected[c]) + absTol);
    }
}

// Four patches, three channels (rows = patches):
//   channel 0: 0, 9, 1, 2        (non-negative)
//   channel 1: -2, 3, 0, 1       (signed, positive power mean)
//   channel 2: -3, 2, -1, 0      (signed, negative power mean)
Mat tinyPatches()
{
    return (Mat_<float>(4, 3) << 0, -2, -3,
                                 9,  3,  2,
                                 1,  0, -1,
                                 2,  1,  0);
}

TEST(UniSLAD_ImageFeature, hand_computed_mean_pmp_lum)
{
    const Mat x = tinyPatches();
    // MEAN: (0+9+1+2)/4 = 3, (-2+3+0+1)/4 = 0.5, (-3+2-1+0)/4 = -0.5
    expectRowNear(convertWith(ImageFeatureConverter::MEAN, x), {3.0, 0.5, -0.5}, 2e-7);

    // PMP, q = 3: m0 = (0 + 729 + 1 + 8)/4 = 184.5       -> 184.5^(1/3) = 5.692881233063985
    //             m1 = (-8 + 27 + 0 + 1)/4 = 5           -> 5^(1/3)
    //             m2 = (-27 + 8 - 1 + 0)/4 = -5          -> -(5^(1/3))
    const double c5 = 1.7099759466766968;  // 5^(1/3)
    expectRowNear(convertWith(ImageFeatureConverter::PMP, x), {5.692881233063985, c5, -c5}, 2e-7);

    // PMP, q = 2 (signed square): m0 = (0 + 81 + 1 + 4)/4 = 21.5  -> sqrt(21.5) = 4.636809247747852
    //                             m1 = (-4 + 9 + 0 + 1)/4 = 1.5   -> sqrt(1.5)  = 1.224744871391589
    //                             m2 = (-9 + 4 - 1 + 0)/4 = -1.5  -> -sqrt(1.5)
    expectRowNear(convertWith(ImageFeatureConverter::PMP, x, 2.0),
                  {4.636809247747852, 1.224744871391589, -1.224744871391589}, 2e-7);

    // LUM, alpha = 0.25: t = floor(0.25*4) = 1; drop the smallest and the largest of each channel:
    //   sorted 0,1,2,9 -> (1+2)/2 = 1.5;  -2,0,1,3 -> (0+1)/2 = 0.5;  -3,-1,0,2 -> (-1+0)/2 = -0.5
    expectRowNear(convertWith(ImageFeatureConverter::LUM, x, 3.0, 0.25), {1.5, 0.5, -0.5}, 2e-7);
    // alpha = 0.05: t = floor(0.2) = 0 -> the mean
    expectRowNear(convertWith(ImageFeatureConverter::LUM, x, 3.0, 0.05), {3.0, 0.5, -0.5}, 2e-7);

    // PMP_LUM (Eq. 14): PMP first, then LUM.
    expectRowNear(convertWith(ImageFeatureConverter::PMP_LUM, x, 3.0, 0.25),
                  {5.692881233063985, c5, -c5, 1.5, 0.5, -0.5}, 2e-7);
}

TEST(UniSLAD_ImageFeature, defaults_are_pmp_lum_q3_alpha005)
{
    const ImageFeatureConverter::Params p;
    EXPECT_EQ(ImageFeatureConverter::PMP_LUM, p.mode);
    EXPECT_EQ(3.0, p.q);
    EXPECT_EQ(0.05, p.alpha);
    Ptr<ImageFeatureConverter> ifc = ImageFeatureConverter::create();
    EXPECT_EQ(16, ifc->featureDim(8));
    EXPECT_EQ(8, makeConverter(ImageFeatureConverter::LUM)->featureDim(8));
    Mat f;
    ifc->convert(tinyPatches(), f);
    EXPECT_EQ(6, f.cols);
}

TEST(UniSLAD_ImageFeature, matches_numpy_fixture)
{
    const std::string path = unisladFixturePath("image_feature.json");
    FileStorage fs(path, FileStorage::READ);
    ASSERT_TRUE(fs.isOpened()) << path;
    const double scale = static_cast<double>(fs["scale"]);
    Mat params;
    fs["params"] >> params;
    ASSERT_EQ(2, params.cols);
    const char* modeNames[] = {"mean", "pmp", "lum", "pmp_lum"};
    for (const char* input : {"nonneg", "signed"}) {
        Mat raw, x;
        fs[input] >> raw;
        ASSERT_EQ(56 * 56, raw.rows) << input;
        raw.convertTo(x, CV_32F, 1.0 / scale);
        for (int k = 0; k < params.rows; ++k) {
            const double q = params.at<double>(k, 0), alpha = params.at<double>(k, 1);
            for (int mode = ImageFeatureConverter::MEAN; mode <= ImageFeatureConverter::PMP_LUM; ++mode) {
                SCOPED_TRACE(cv::format("%s, q = %g, alpha = %g, mode %s", input, q, alpha, modeNames[mode]));
                Mat expected;
                fs[cv::format("%s_%s_%d", input, modeNames[mode], k)] >> expected;
                ASSERT_FALSE(expected.empty());
                const Mat f = convertWith(mode, x, q, alpha);
                // 1e-5 relative, with an absolute floor for channels whose signed mean is near 0.
                expectRowNear(f, std::vector<double>(expected.begin<double>(), expected.end<double>()),
                              1e-5, 1e-6);
            }
        }
    }
}

TEST(UniSLAD_ImageFeature, closed_forms_q1_is_mean_alpha0_is_mean)
{
    RNG rng(7);
    Mat x(300, 40, CV_32F);
    rng.fill(x, RNG::NORMAL, 0.5, 2.0);  // signed
    const std::vector<double> mean = columnMeans(x);
    expectRowNear(convertWith(ImageFeatureConverter::MEAN, x), mean, 1e-6, 1e-7);
    expectRowNear(convertWith(ImageFeatureConverter::PMP, x, 1.0), mean, 1e-6, 1e-7);
    expectRowNear(convertWith(ImageFeatureConverter::LUM, x, 3.0, 0.0), mean, 1e-6, 1e-7);
    // alpha just below 1/300 still gives t = 0.
    expectRowNear(convertWith(ImageFeatureConverter::LUM, x, 3.0, 0.0033), mean, 1e-6, 1e-7);
}

TEST(UniSLAD_ImageFeature, power_mean_lies_between_mean_and_max_for_nonnegative)
{
    RNG rng(11);
    Mat x(500, 16, CV_32F);
    rng.fill(x, RNG::UNIFORM, 0.0, 5.0);
    const std::vector<double> mean = columnMeans(x);
    Mat colMax;
    reduce(x, colMax, 0, REDUCE_MAX);
    double prevQ = 1.0;
    Mat prev = convertWith(ImageFeatureConverter::PMP, x, prevQ);
    for (double q : {1.5, 3.0, 8.0, 64.0}) {
        SCOPED_TRACE(cv::format("q = %g", q));
        const Mat f = convertWith(ImageFeatureConverter::PMP, x, q);
        for (int c = 0; c < x.cols; ++c) {
            EXPECT_GE(f.at<float>(c), mean[c] * (1 - 1e-6));
            EXPECT_LE(f.at<float>(c), colMax.at<float>(c) * (1 + 1e-6));
            EXPECT_GE(f.at<float>(c), prev.at<float>(c) * (1 - 1e-6));  // power mean grows with q
        }
        prev = f;
        prevQ = q;
    }
    // q = 64: within (1/500)^(1/64) of the maximum at worst.
    for (int c = 0; c < x.cols; ++c)
        EXPECT_GE(prev.at<float>(c), colMax.at<float>(c) * std::pow(1.0 / 500, 1.0 / prevQ));
}

TEST(UniSLAD_ImageFeature, large_powers_do_not_overflow)
{
    // 1e20^20 = 1e400 overflows a double; the channel is rescaled and the power mean of a constant
    // is the constant. Channel 1 mixes 1e20 and 0: (mean = 1e400/2)^(1/20) = 1e20 * 2^(-1/20).
    Mat x(10, 2, CV_32F, Scalar(1e20f));
    for (int r = 0; r < 5; ++r)
        x.at<float>(r, 1) = 0.f;
    const double v0 = static_cast<double>(1e20f);
    expectRowNear(convertWith(ImageFeatureConverter::PMP, x, 20.0), {v0, v0 * std::pow(0.5, 1.0 / 20)}, 1e-6);
    // Tiny values: 1e-30^12 = 1e-360 underflows; the constant comes back.
    Mat y(6, 1, CV_32F, Scalar(1e-30f));
    expectRowNear(convertWith(ImageFeatureConverter::PMP, y, 12.0), {static_cast<double>(1e-30f)}, 1e-6);
}

TEST(UniSLAD_ImageFeature, lum_is_a_per_channel_trimmed_mean_independent_of_row_order)
{
    // Brute force: sort each channel fully, average the middle. 3136 x 70 exercises several channel
    // blocks and the partial ordering with many ties (integer values).
    RNG rng(3);
    Mat x(3136, 70, CV_32F);
    for (int r = 0; r < x.rows; ++r)
        for (int c = 0; c < x.cols; ++c)
            x.at<float>(r, c) = static_cast<float>(rng.uniform(-20, 21));
    const double alpha = 0.05;
    const int t = static_cast<int>(std::floor(alpha * x.rows));  // 156
    std::vector<double> expected(x.cols);
    for (int c = 0; c < x.cols; ++c) {
        std::vector<float> v(x.rows);
        for (int r = 0; r < x.rows; ++r)
            v[r] = x.at<float>(r, c);
        std::sort(v.begin(), v.end());
        expected[c] = std::accumulate(v.begin() + t, v.end() - t, 0.0) / (x.rows - 2 * t);
    }
    const Mat f = convertWith(ImageFeatureConverter::LUM, x, 3.0, alpha);
    expectRowNear(f, expected, 1e-6, 1e-7);

    // A channel built to mislead any sampling of every (n/128)-th value: large values exactly at
    // those positions, zeros elsewhere, and a third channel the reverse. The result must still be
    // the exact trimmed mean.
    Mat adversarial(x.rows, 3, CV_32F, Scalar(0));
    for (int i = 0; i < 128; ++i) {
        adversarial.at<float>(i * x.rows / 128, 0) = static_cast<float>(100 + i);
        adversarial.at<float>(i * x.rows / 128, 1) = static_cast<float>(-100 - i);
    }
    for (int r = 0; r < x.rows; ++r)
        adversarial.at<float>(r, 2) = (r * 128) % x.rows < 128 ? 0.f : static_cast<float>(r % 97);
    std::vector<double> expectedAdv(3);
    for (int c = 0; c < 3; ++c) {
        std::vector<float> v(x.rows);
        for (int r = 0; r < x.rows; ++r)
            v[r] = adversarial.at<float>(r, c);
        std::sort(v.begin(), v.end());
        expectedAdv[c] = std::accumulate(v.begin() + t, v.end() - t, 0.0) / (x.rows - 2 * t);
    }
    expectRowNear(convertWith(ImageFeatureConverter::LUM, adversarial, 3.0, alpha), expectedAdv, 1e-6, 1e-7);

    // Shuffling the patches changes nothing.
    std::vector<int> perm(x.rows);
    std::iota(perm.begin(), perm.end(), 0);
    randShuffle(perm, 1.0, &rng);
    Mat shuffled(x.size(), x.type());
    for (int r = 0; r < x.rows; ++r)
        x.row(perm[r]).copyTo(shuffled.row(r));
    const Mat g = convertWith(ImageFeatureConverter::LUM, shuffled, 3.0, alpha);
    EXPECT_EQ(0.0, cv::norm(f, g, NORM_INF));
}

TEST(UniSLAD_ImageFeature, batch_rows_equal_single_conversions_and_thread_count_is_irrelevant)
{
    RNG rng(5);
    std::vector<Mat> sets;
    for (int i = 0; i < 5; ++i) {
        Mat x(100 + 37 * i, 45, CV_32F);
        rng.fill(x, RNG::NORMAL, 0.0, 1.0);
        sets.push_back(x);
    }
    Ptr<ImageFeatureConverter> ifc = ImageFeatureConverter::create();
    const int threads = getNumThreads();
    Mat batch, batch1;
    ifc->convertBatch(sets, batch);
    setNumThreads(1);
    ifc->convertBatch(sets, batch1);
    std::vector<Mat> singles1;
    for (const Mat& x : sets) {
        Mat f;
        ifc->convert(x, f);
        singles1.push_back(f);
    }
    setNumThreads(threads);
    ASSERT_EQ(5, batch.rows);
    ASSERT_EQ(90, batch.cols);
    ASSERT_EQ(CV_32F, batch.type());
    EXPECT_EQ(0.0, cv::norm(batch, batch1, NORM_INF));
    for (int i = 0; i < 5; ++i) {
        SCOPED_TRACE(cv::format("image %d", i));
        Mat f;
        ifc->convert(sets[i], f);
        EXPECT_EQ(0.0, cv::norm(f, batch.row(i), NORM_INF));
        EXPECT_EQ(0.0, cv::norm(f, singles1[i], NORM_INF));
    }
    // A single Mat is one image.
    Mat one;
    ifc->convertBatch(sets[2], one);
    EXPECT_EQ(0.0, cv::norm(one, batch.row(2), NORM_INF));
}

TEST(UniSLAD_ImageFeature, params_persist_through_filestorage)
{
    Ptr<ImageFeatureConverter> a = makeConverter(ImageFeatureConverter::LUM, 2.5, 0.125);
    FileStorage out(".json", FileStorage::WRITE | FileStorage::MEMORY);
    a->write(out);
    const std::string text = out.releaseAndGetString();
    FileStorage in(text, FileStorage::READ | FileStorage::MEMORY);
    Ptr<ImageFeatureConverter> b = ImageFeatureConverter::create();
    b->read(in.root());
    const ImageFeatureConverter::Params p = b->getParams();
    EXPECT_EQ(ImageFeatureConverter::LUM, p.mode);
    EXPECT_EQ(2.5, p.q);
    EXPECT_EQ(0.125, p.alpha);
    EXPECT_EQ("UniSLAD_ImageFeatureConverter", b->getDefaultName());
}

TEST(UniSLAD_ImageFeature, bad_input_and_params_raise_clear_errors)
{
    Ptr<ImageFeatureConverter> ifc = ImageFeatureConverter::create();
    Mat f;
    UNISLAD_EXPECT_THROW_MSG(ifc->convert(Mat(), f), "convert", "patches", "empty");
    UNISLAD_EXPECT_THROW_MSG(ifc->convert(Mat(40, 4, CV_64F, Scalar(1)), f), "patches", "CV_64FC1");
    UNISLAD_EXPECT_THROW_MSG(ifc->convert(Mat(40, 4, CV_32FC3, Scalar(1)), f), "patches", "CV_32FC3");
    Mat nan(40, 4, CV_32F, Scalar(1));
    nan.at<float>(7, 2) = std::numeric_limits<float>::quiet_NaN();
    UNISLAD_EXPECT_THROW_MSG(ifc->convert(nan, f), "patches", "NaN or Inf", "row 7", "column 2");
    Mat inf(40, 4, CV_32F, Scalar(1));
    inf.at<float>(3, 0) = std::numeric_limits<float>::infinity();
    UNISLAD_EXPECT_THROW_MSG(ifc->convert(inf, f), "patches", "NaN or Inf", "row 3");

    // 2t >= K^2 cannot happen for alpha in [0, 0.5) (t <= alpha*K^2 < K^2/2): alpha just below 0.5
    // keeps exactly one value (odd K^2) or two (even K^2), i.e. LUM becomes the median.
    const double justBelowHalf = std::nextafter(0.5, 0.0);
    const Mat odd = (Mat_<float>(5, 1) << 7, -1, 30, 2, 4);     // median 4
    const Mat even = (Mat_<float>(4, 1) << 7, -1, 30, 2);       // middle pair 2, 7
    expectRowNear(convertWith(ImageFeatureConverter::LUM, odd, 3.0, justBelowHalf), {4.0}, 2e-7);
    expectRowNear(convertWith(ImageFeatureConverter::LUM, even, 3.0, justBelowHalf), {4.5}, 2e-7);
    EXPECT_NO_THROW(makeConverter(ImageFeatureConverter::LUM, 3.0, 0.0)->convert(Mat(1, 4, CV_32F, Scalar(2)), f));

    ImageFeatureConverter::Params p;
    p.q = 0.0;
    UNISLAD_EXPECT_THROW_MSG(ImageFeatureConverter::create(p), "create", "params.q", "(0, inf)", "found 0");
    p.q = -1.0;
    UNISLAD_EXPECT_THROW_MSG(ImageFeatureConverter::create(p), "params.q", "found -1");
    p.q = std::numeric_limits<double>::infinity();
    UNISLAD_EXPECT_THROW_MSG(ImageFeatureConverter::create(p), "params.q");
    p = ImageFeatureConverter::Params();
    p.alpha = 0.5;
    UNISLAD_EXPECT_THROW_MSG(ImageFeatureConverter::create(p), "params.alpha", "[0, 0.5)", "found 0.5");
    p.alpha = -0.01;
    UNISLAD_EXPECT_THROW_MSG(ImageFeatureConverter::create(p), "params.alpha", "found -0.01");
    p = ImageFeatureConverter::Params();
    p.mode = 4;
    UNISLAD_EXPECT_THROW_MSG(ImageFeatureConverter::create(p), "params.mode", "PMP_LUM (3)", "found 4");
    p.mode = 0;
    p.q = std::nan("");
    UNISLAD_EXPECT_THROW_MSG(ifc->setParams(p), "setParams", "params.q");

    std::vector<Mat> sets = {Mat(30, 4, CV_32F, Scalar(1)), Mat(30, 5, CV_32F, Scalar(1))};
    UNISLAD_EXPECT_THROW_MSG(ifc->convertBatch(sets, f), "convertBatch", "patchSets[1]", "expected 4 columns",
                             "found 5");
    UNISLAD_EXPECT_THROW_MSG(ifc->convertBatch(std::vector<Mat>(), f), "convertBatch", "patchSets", "found none");
}

}} // namespace
