// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "test_precomp.hpp"
#include "opencv2/unislad/local_aggregation.hpp"

namespace opencv_test { namespace {

using cv::uniSLAD::LocalFeatureAggregator;

TEST(UniSLAD_LocalAggregation, adaptive_pool_matches_torch_bins)
{
    // torch.nn.functional.adaptive_avg_pool1d([1,2,3,4,5], 3): bins [0,2) [1,4) [3,5) -> 1.5, 3, 4.5
    const Mat src = (Mat_<float>(1, 5) << 1, 2, 3, 4, 5);
    Mat dst;
    cv::uniSLAD::adaptiveAveragePool1D(src, 3, dst);
    ASSERT_EQ(3, dst.cols);
    EXPECT_FLOAT_EQ(1.5f, dst.at<float>(0));
    EXPECT_FLOAT_EQ(3.0f, dst.at<float>(1));
    EXPECT_FLOAT_EQ(4.5f, dst.at<float>(2));
    // Upsampling 2 -> 4 repeats: [a, a, b, b]
    const Mat two = (Mat_<float>(1, 2) << 7, -1);
    cv::uniSLAD::adaptiveAveragePool1D(two, 4, dst);
    const Mat repeated = (Mat_<float>(1, 4) << 7, 7, -1, -1);
    EXPECT_EQ(0, cv::norm(dst, repeated, NORM_INF));
}

TEST(UniSLAD_LocalAggregation, single_pixel_neighbourhood_by_hand)
{
    // One tap, 1 channel, 2x2, p = 3, pretrain = target = 1: each location is the mean of its 3x3
    // zero-padded neighbourhood, i.e. (sum of the 2x2 map) / 9 for every location.
    const int sz[] = { 1, 1, 2, 2 };
    Mat tap(4, sz, CV_32F);
    float* d = tap.ptr<float>();
    d[0] = 1; d[1] = 2; d[2] = 3; d[3] = 4;
    LocalFeatureAggregator::Params p;
    p.pretrainDims = 1;
    p.targetDims = 1;
    Mat out;
    LocalFeatureAggregator(p).aggregate(std::vector<Mat>{ tap }, out);
    ASSERT_EQ(4, out.rows);
    for (int i = 0; i < 4; ++i)
        EXPECT_NEAR(10.f / 9.f, out.at<float>(i), 1e-6);
}

TEST(UniSLAD_LocalAggregation, matches_patchcore_torch_fixture)
{
    const std::string path = unisladFixturePath("local_aggregation.json");
    FileStorage fs(path, FileStorage::READ);
    ASSERT_TRUE(fs.isOpened()) << path;
    int cases = 0;
    for (FileNodeIterator it = fs.root().begin(); it != fs.root().end(); ++it, ++cases) {
        const FileNode c = *it;
        SCOPED_TRACE(c.name());
        LocalFeatureAggregator::Params p;
        p.patchSize = (int)c["patch_size"];
        p.pretrainDims = (int)c["pretrain_dims"];
        p.targetDims = (int)c["target_dims"];
        p.gridSize = (int)c["grid"];
        std::vector<Mat> taps;
        for (int t = 0; t < (int)c["num_taps"]; ++t) {
            std::vector<int> shape;
            c[format("tap%d_shape", t)] >> shape;
            Mat flat;
            c[format("tap%d", t)] >> flat;
            ASSERT_EQ(4u, shape.size());
            taps.push_back(flat.reshape(1, 4, shape.data()).clone());
        }
        Mat expected, out;
        c["expected"] >> expected;
        LocalFeatureAggregator agg(p);
        agg.aggregate(taps, out);
        ASSERT_EQ(expected.size(), out.size());
        EXPECT_LE(cv::norm(out, expected, NORM_INF), 1e-5) << "max abs difference to torch";
    }
    EXPECT_EQ(4, cases);
}

TEST(UniSLAD_LocalAggregation, batch_equals_images_one_by_one)
{
    RNG rng(3);
    const int s1[] = { 3, 6, 8, 8 }, s2[] = { 3, 10, 4, 4 };
    Mat a(4, s1, CV_32F), b(4, s2, CV_32F);
    rng.fill(a, RNG::UNIFORM, 0, 1);
    rng.fill(b, RNG::UNIFORM, 0, 1);
    LocalFeatureAggregator::Params p;
    p.pretrainDims = 16;
    p.targetDims = 12;
    LocalFeatureAggregator agg(p);
    Mat batch;
    agg.aggregate(std::vector<Mat>{ a, b }, batch);
    ASSERT_EQ(3 * 64, batch.rows);
    for (int n = 0; n < 3; ++n) {
        SCOPED_TRACE(n);
        const int o1[] = { 1, 6, 8, 8 }, o2[] = { 1, 10, 4, 4 };
        Mat an(4, o1, CV_32F, a.ptr<float>(n)), bn(4, o2, CV_32F, b.ptr<float>(n));
        Mat single;
        agg.aggregate(std::vector<Mat>{ an, bn }, single);
        EXPECT_EQ(0, cv::norm(single, batch.rowRange(n * 64, (n + 1) * 64), NORM_INF));
    }
}

TEST(UniSLAD_LocalAggregation, bad_input)
{
    LocalFeatureAggregator agg;
    Mat out;
    UNISLAD_EXPECT_THROW_MSG(agg.aggregate(std::vector<Mat>{}, out), "taps", "at least one");
    UNISLAD_EXPECT_THROW_MSG(agg.aggregate(std::vector<Mat>{ Mat(4, 4, CV_32F, Scalar(0)) }, out), "taps[0]", "4-D", "4x4 CV_32FC1");
    const int s1[] = { 2, 3, 4, 4 }, s2[] = { 1, 3, 2, 2 }, s3[] = { 1, 3, 4, 5 };
    UNISLAD_EXPECT_THROW_MSG(agg.aggregate(std::vector<Mat>{ Mat(4, s1, CV_32F, Scalar(0)), Mat(4, s2, CV_32F, Scalar(0)) }, out),
                             "taps[1]", "batch size 2", "found 1");
    UNISLAD_EXPECT_THROW_MSG(agg.aggregate(std::vector<Mat>{ Mat(4, s3, CV_32F, Scalar(0)) }, out), "square", "4x5");
    Mat nan(4, s2, CV_32F, Scalar(0));
    nan.ptr<float>()[5] = std::numeric_limits<float>::quiet_NaN();
    UNISLAD_EXPECT_THROW_MSG(agg.aggregate(std::vector<Mat>{ nan }, out), "taps[0]", "NaN");
    UNISLAD_EXPECT_THROW_MSG(agg.aggregate(std::vector<Mat>{ Mat(4, s2, CV_64F, Scalar(0)) }, out), "CV_64FC1");
    LocalFeatureAggregator::Params p;
    p.patchSize = 2;
    UNISLAD_EXPECT_THROW_MSG(LocalFeatureAggregator{ p }, "patchSize", "odd", "found 2");
    p = LocalFeatureAggregator::Params();
    p.targetDims = 0;
    UNISLAD_EXPECT_THROW_MSG(LocalFeatureAggregator{ p }, "targetDims", "found 0");
}

TEST(UniSLAD_LocalAggregation, equals_a_direct_unfold_bit_for_bit_at_borders_and_inside)
{
    // A second implementation, written as the definition reads: unfold the zero-padded p x p window of
    // every location into C·p·p values (channel-major, like torch's unfold), average each adaptive bin
    // in double in index order. The library's sums run in the same order, so the results are identical.
    RNG rng(3);
    for (int patch : { 1, 3, 5 })
        for (int dims : { 7, 64 }) {
            SCOPED_TRACE(cv::format("patch %d dims %d", patch, dims));
            const int C = 6, H = 8, W = 8;   // gridSize 0 takes the square grid of the tap as it is
            const int sz[] = { 1, C, H, W };
            Mat tap(4, sz, CV_32F);
            rng.fill(tap, RNG::NORMAL, 0, 1);
            LocalFeatureAggregator::Params p;
            p.patchSize = patch;
            p.pretrainDims = dims;
            p.targetDims = dims;
            Mat got;
            LocalFeatureAggregator(p).aggregate(std::vector<Mat>{ tap }, got);
            const int flat = C * patch * patch, pad = patch / 2;
            const float* t = tap.ptr<float>();
            ASSERT_EQ(H * W, got.rows);
            int differing = 0;
            for (int h = 0; h < H; ++h)
                for (int w = 0; w < W; ++w) {
                    std::vector<float> unfolded(flat, 0.f);
                    for (int c = 0; c < C; ++c)
                        for (int ky = 0; ky < patch; ++ky)
                            for (int kx = 0; kx < patch; ++kx) {
                                const int y = h + ky - pad, x = w + kx - pad;
                                if (y >= 0 && y < H && x >= 0 && x < W)
                                    unfolded[(c * patch + ky) * patch + kx] = t[(c * H + y) * W + x];
                            }
                    for (int b = 0; b < dims; ++b) {
                        const int begin = (int)((int64_t)b * flat / dims), end = (int)(((int64_t)(b + 1) * flat + dims - 1) / dims);
                        double sum = 0;
                        for (int f = begin; f < end; ++f)
                            sum += unfolded[f];
                        differing += (float)(sum / (end - begin)) != got.at<float>(h * W + w, b);
                    }
                }
            EXPECT_EQ(0, differing);
        }
}

}} // namespace
