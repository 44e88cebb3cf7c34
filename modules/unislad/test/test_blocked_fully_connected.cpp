// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// The blocked fully connected layer against numpy in double precision (fixtures/tiny_fully_connected.py)
// and against OpenCV's own layer, on a graph of MatMul and Gemm nodes as a transformer exports them.
#include "test_precomp.hpp"
#include "features/blocked_fully_connected.hpp"

#include <opencv2/dnn.hpp>

namespace opencv_test { namespace {

using cv::uniSLAD::detail::countBlockedFullyConnected;
using cv::uniSLAD::detail::readOnnxWithBlockedFullyConnected;

const std::vector<String> kOutputs = { "mm", "mm2", "gemm_t", "attn", "long_mm" };

struct FullyConnectedFixture
{
    Mat x, longInput;
    std::map<std::string, Mat> expected;

    FullyConnectedFixture()
    {
        FileStorage fs(unisladFixturePath("tiny_fully_connected.json"), FileStorage::READ);
        const int sx[] = { 2, 5, 12 }, sl[] = { 1, 300, 8 };
        x = readFixtureMat(fs, "x").reshape(1, 3, sx).clone();
        longInput = readFixtureMat(fs, "long").reshape(1, 3, sl).clone();
        for (const String& name : kOutputs)
            expected[name] = readFixtureMat(fs, name);
    }
};

std::vector<Mat> run(dnn::Net& net, const Mat& x, const Mat& longInput)
{
    net.setInput(x, "x");
    net.setInput(longInput, "long");
    std::vector<Mat> outs;
    net.forward(outs, kOutputs);
    for (Mat& m : outs)
        m = m.reshape(1, (int)(m.total() / m.size[m.dims - 1])).clone();
    return outs;
}

dnn::Net blockedNet()
{
    return readOnnxWithBlockedFullyConnected(unisladFixturePath("tiny_fully_connected.onnx"), nullptr);
}

TEST(UniSLAD_BlockedFullyConnected, matches_numpy_and_opencvs_layer)
{
    const FullyConnectedFixture f;
    dnn::Net blocked = blockedNet();
    dnn::Net reference = dnn::readNetFromONNX(unisladFixturePath("tiny_fully_connected.onnx"));
    // Every MatMul and Gemm with constant weights is blocked; the product of two variable inputs is not.
    EXPECT_EQ(4, countBlockedFullyConnected(blocked));
    EXPECT_EQ(0, countBlockedFullyConnected(reference));
    const std::vector<Mat> ours = run(blocked, f.x, f.longInput), theirs = run(reference, f.x, f.longInput);
    ASSERT_EQ(kOutputs.size(), ours.size());
    for (size_t i = 0; i < kOutputs.size(); ++i) {
        SCOPED_TRACE(kOutputs[i]);
        const Mat& want = f.expected.at(kOutputs[i]);
        ASSERT_EQ(want.size(), ours[i].size());
        EXPECT_LT(relDiff(ours[i], want), 1e-5);
        EXPECT_LT(relDiff(ours[i], theirs[i]), 1e-5);
    }
}

TEST(UniSLAD_BlockedFullyConnected, the_factory_is_left_as_it_was)
{
    // The constructor is registered for the import only: a network read afterwards, and a layer made
    // by the factory, are OpenCV's own.
    dnn::Net blocked = blockedNet();
    EXPECT_EQ(4, countBlockedFullyConnected(blocked));
    dnn::Net after = dnn::readNetFromONNX(unisladFixturePath("tiny_fully_connected.onnx"));
    EXPECT_EQ(0, countBlockedFullyConnected(after));
    // A second import works (registering the same constructor twice would throw).
    dnn::Net again = blockedNet();
    EXPECT_EQ(4, countBlockedFullyConnected(again));
}

TEST(UniSLAD_BlockedFullyConnected, a_batch_gives_each_sample_bit_for_bit)
{
    const FullyConnectedFixture f;
    dnn::Net net = blockedNet();
    const std::vector<Mat> batch = run(net, f.x, f.longInput);
    for (int s = 0; s < 2; ++s) {
        SCOPED_TRACE(s);
        const int one[] = { 1, 5, 12 };
        const Mat sample = Mat(3, one, CV_32F, (void*)f.x.ptr<float>(s)).clone();
        const std::vector<Mat> single = run(net, sample, f.longInput);
        for (size_t i = 0; i < kOutputs.size(); ++i) {
            if (kOutputs[i] == "long_mm")
                continue;  // not batched
            const int rows = single[i].rows;
            EXPECT_EQ(0, cv::norm(single[i], batch[i].rowRange(s * rows, (s + 1) * rows), NORM_INF)) << kOutputs[i];
        }
    }
}

TEST(UniSLAD_BlockedFullyConnected, results_do_not_depend_on_the_thread_count)
{
    const FullyConnectedFixture f;
    dnn::Net net = blockedNet();
    cv::setNumThreads(1);
    const std::vector<Mat> first = run(net, f.x, f.longInput);
    for (int t : { 2, 3, 5, 16 }) {
        SCOPED_TRACE(t);
        cv::setNumThreads(t);
        const std::vector<Mat> other = run(net, f.x, f.longInput);
        for (size_t i = 0; i < kOutputs.size(); ++i)
            EXPECT_EQ(0, cv::norm(first[i], other[i], NORM_INF)) << kOutputs[i];
    }
    cv::setNumThreads(-1);
}

TEST(UniSLAD_BlockedFullyConnected, bad_input_sizes_are_refused)
{
    dnn::Net net = blockedNet();
    const int wrong[] = { 2, 5, 11 }, sl[] = { 1, 300, 8 };
    net.setInput(Mat(3, wrong, CV_32F, Scalar(1)), "x");
    net.setInput(Mat(3, sl, CV_32F, Scalar(1)), "long");
    EXPECT_THROW(net.forward("mm"), cv::Exception);
}

}} // namespace
