// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_BLOCKED_FULLY_CONNECTED_HPP
#define OPENCV_UNISLAD_BLOCKED_FULLY_CONNECTED_HPP

#include <opencv2/dnn.hpp>

#include <string>
#include <vector>

namespace cv {
namespace uniSLAD {
namespace detail {

/** The fully connected layer of an ONNX graph (OpenCV's "InnerProduct" with constant weights: MatMul
    and Gemm nodes) as blocked matrix products. OpenCV 4.6 computes it one input row at a time, as
    matrix-vector products; ViT-B/16 spends most of its time there (BENCHMARKS.md, "The backbone's fully
    connected layers"). Layers it does not handle (two variable inputs, weights that are not a
    float matrix) are OpenCV's own. */
CV_EXPORTS Ptr<dnn::Layer> createBlockedFullyConnected(dnn::LayerParams& params);

/** dnn::readNetFromONNX of a file (buffer == nullptr) or of a buffer, with the fully connected
    layers above. For the CPU backend only: on other backends OpenCV runs such a layer on the CPU. */
CV_EXPORTS dnn::Net readOnnxWithBlockedFullyConnected(const std::string& file, const std::vector<uchar>* buffer);

/** How many of a network's layers are the blocked fully connected layer. */
CV_EXPORTS int countBlockedFullyConnected(dnn::Net& net);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_BLOCKED_FULLY_CONNECTED_HPP
