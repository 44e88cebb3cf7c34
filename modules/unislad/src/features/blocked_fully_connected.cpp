// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// OpenCV 4.6's fully connected layer multiplies each input row by the weights as a matrix-vector
// product, so the weights stream through the cache once per row: ViT-B/16's 197 tokens read each of its
// 72 weight matrices 197 times, and the layer runs at about 49 GFLOP/s on 2 AVX2 cores where a matrix
// product reaches twice that. This layer computes the same product as blocks of a matrix product.
//
// Results do not depend on the thread count or on the batch: the output is cut into fixed blocks (the
// rows of one sample, at most kRowBlock at a time, times kColumnBlock output columns), each block is one
// single-threaded Eigen product whose shape depends only on the layer and the sample, and the blocks are
// the tasks of one parallel_for_. Which thread runs a block changes nothing in its bits.
#include "precomp.hpp"
#include "features/blocked_fully_connected.hpp"
#include "eigen.hpp"

#include <opencv2/dnn/all_layers.hpp>
#include <opencv2/dnn/layer.hpp>
#include <opencv2/dnn/shape_utils.hpp>

#include <algorithm>
#include <mutex>

namespace cv {
namespace uniSLAD {
namespace detail {

namespace {

// Column blocks of 128 outputs keep a block's weights (128 x 768 floats, 384 KiB for ViT-B/16) in the
// L2 cache; on ViT-B/16, 128 ran faster than 768 (whole rows of outputs) (BENCHMARKS.md).
constexpr int kColumnBlock = 128;
constexpr int kRowBlock = 256;

int normalizedAxis(int axis, int dims)
{
    const int a = axis < 0 ? axis + dims : axis;
    if (a < 0 || a >= dims)
        CV_Error(Error::StsOutOfRange, format("fully connected layer: axis %d is out of range for a %d-dimensional input",
                                              axis, dims));
    return a;
}

class BlockedFullyConnectedLayer CV_FINAL : public dnn::Layer
{
public:
    /** params as createBlockedFullyConnected() checked them: blobs[0] a numOutput x inner CV_32F matrix,
        blobs[1] the bias where bias_term is set. */
    explicit BlockedFullyConnectedLayer(const dnn::LayerParams& params) : Layer(params)
    {
        axis_ = params.get<int>("axis", 1);
        weights_ = blobs[0].isContinuous() ? blobs[0] : blobs[0].clone();
        if (params.get<bool>("bias_term", true))
            bias_ = blobs[1].reshape(1, 1);
    }

    bool getMemoryShapes(const std::vector<dnn::MatShape>& inputs, const int /*requiredOutputs*/,
                         std::vector<dnn::MatShape>& outputs, std::vector<dnn::MatShape>& /*internals*/) const CV_OVERRIDE
    {
        if (inputs.size() != 1)
            CV_Error(Error::StsBadArg, format("fully connected layer '%s': expected one input, found %d",
                                              name.c_str(), (int)inputs.size()));
        const int a = normalizedAxis(axis_, (int)inputs[0].size());
        if (dnn::total(inputs[0], a) != weights_.cols)
            CV_Error(Error::StsBadSize, format("fully connected layer '%s': expected %d input values per row (from "
                                               "axis %d of the input %s), found %d", name.c_str(), weights_.cols, a,
                                               dnn::toString(inputs[0]).c_str(), dnn::total(inputs[0], a)));
        dnn::MatShape out(inputs[0].begin(), inputs[0].begin() + a);
        out.push_back(weights_.rows);
        outputs.assign(1, out);
        return false;
    }

    void forward(InputArrayOfArrays inputsArr, OutputArrayOfArrays outputsArr, OutputArrayOfArrays /*internals*/) CV_OVERRIDE
    {
        std::vector<Mat> inputs, outputs;
        inputsArr.getMatVector(inputs);
        outputsArr.getMatVector(outputs);
        CV_Assert(inputs.size() == 1 && outputs.size() == 1);
        const Mat& x = inputs[0];
        Mat& y = outputs[0];
        CV_CheckTypeEQ(x.type(), CV_32F, "BlockedFullyConnected: expected a CV_32F input");
        CV_Assert(x.isContinuous() && y.isContinuous() && y.type() == CV_32F);

        const int a = normalizedAxis(axis_, x.dims);
        const int inner = weights_.cols, numOutput = weights_.rows;
        // The batch is the first dimension where there is one before the axis.
        const int samples = a >= 1 ? x.size[0] : 1;
        const int rowsPerSample = a >= 1 ? (int)x.total(1, a) : 1;
        const int rowBlocks = (rowsPerSample + kRowBlock - 1) / kRowBlock;
        const int columnBlocks = (numOutput + kColumnBlock - 1) / kColumnBlock;
        const float* src = x.ptr<float>();
        float* dst = y.ptr<float>();
        const float* w = weights_.ptr<float>();
        const float* b = bias_.empty() ? nullptr : bias_.ptr<float>();

        using ConstRows = Eigen::Map<const RowMatrixF>;
        using Block = Eigen::Map<RowMatrixF, 0, Eigen::OuterStride<>>;
        const int tasks = samples * rowBlocks * columnBlocks;
        parallel_for_(Range(0, tasks), [&](const Range& range) {
            for (int t = range.start; t < range.end; ++t) {
                const int c = t % columnBlocks, rb = (t / columnBlocks) % rowBlocks, s = t / (columnBlocks * rowBlocks);
                const int c0 = c * kColumnBlock, n = std::min(kColumnBlock, numOutput - c0);
                const int r0 = s * rowsPerSample + rb * kRowBlock;
                const int m = std::min(kRowBlock, rowsPerSample - rb * kRowBlock);
                const ConstRows xs(src + (size_t)r0 * inner, m, inner);
                const ConstRows ws(w + (size_t)c0 * inner, n, inner);
                Block ys(dst + (size_t)r0 * numOutput + c0, m, n, Eigen::OuterStride<>(numOutput));
                ys.noalias() = xs * ws.transpose();
                if (b)
                    ys.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(b + c0, n);
            }
        }, tasks);
    }

private:
    int axis_ = 1;
    Mat weights_;  // numOutput x inner, as OpenCV's layer keeps them
    Mat bias_;     // 1 x numOutput, or empty
};

std::mutex& importMutex()
{
    static std::mutex m;
    return m;
}

} // namespace

Ptr<dnn::Layer> createBlockedFullyConnected(dnn::LayerParams& params)
{
    // Two variable inputs (attention's matrix products), weights that are not a plain numOutput x inner
    // float matrix, or a bias that does not match: OpenCV's own layer (which reads or refuses them).
    const std::vector<Mat>& b = params.blobs;
    const int numOutput = params.get<int>("num_output", 0);
    const bool bias = params.get<bool>("bias_term", true);
    if (b.empty() || b.size() > 2 || b[0].type() != CV_32F || b[0].dims != 2 || numOutput <= 0 ||
        b[0].size[0] != numOutput || (bias && (b.size() != 2 || b[1].type() != CV_32F ||
                                               b[1].total() != (size_t)numOutput)))
        return dnn::InnerProductLayer::create(params);
    return makePtr<BlockedFullyConnectedLayer>(params);
}

dnn::Net readOnnxWithBlockedFullyConnected(const std::string& file, const std::vector<uchar>* buffer)
{
    // OpenCV's layer factory is process-wide: the constructor is pushed for the import only, under a
    // lock, and popped on every exit path. The importer creates every layer while it reads the graph
    // (it infers each layer's output shapes), so the network keeps them after the pop.
    std::lock_guard<std::mutex> lock(importMutex());
    dnn::LayerFactory::registerLayer("InnerProduct", createBlockedFullyConnected);
    struct Pop {
        ~Pop() { dnn::LayerFactory::unregisterLayer("InnerProduct"); }
    } pop;
    return buffer ? dnn::readNetFromONNX(*buffer) : dnn::readNetFromONNX(file);
}

int countBlockedFullyConnected(dnn::Net& net)
{
    int n = 0;
    for (const String& name : net.getLayerNames())
        if (dynamic_cast<BlockedFullyConnectedLayer*>(net.getLayer(name).get()))
            ++n;
    return n;
}

}}} // namespace cv::uniSLAD::detail
