// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifdef UNISLAD_STANDALONE
// The fully connected layer on ViT-B/16's shapes (197 tokens; 768 -> 2304 attention projections, 768 ->
// 768, 768 -> 3072 and 3072 -> 768 MLP), OpenCV's own layer (argument 0) against the blocked one (1),
// alternated in one run:
//   unislad_perf --benchmark_filter='BM_FullyConnected' --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include "features/blocked_fully_connected.hpp"

#include <opencv2/dnn/all_layers.hpp>

namespace {

void BM_FullyConnected(benchmark::State& state)
{
    const bool blocked = state.range(0) != 0;
    const int rows = (int)state.range(1), inner = (int)state.range(2), outputs = (int)state.range(3);
    cv::RNG rng(5);
    cv::dnn::LayerParams lp;
    lp.name = "fc";
    lp.type = "InnerProduct";
    lp.set("num_output", outputs);
    lp.set("bias_term", false);
    lp.set("axis", 2);
    cv::Mat w(outputs, inner, CV_32F);
    rng.fill(w, cv::RNG::NORMAL, 0, 0.05);
    lp.blobs.push_back(w);
    cv::Ptr<cv::dnn::Layer> layer = blocked ? cv::uniSLAD::detail::createBlockedFullyConnected(lp)
                                            : cv::Ptr<cv::dnn::Layer>(cv::dnn::InnerProductLayer::create(lp));
    const int xs[] = { 1, rows, inner }, ys[] = { 1, rows, outputs };
    std::vector<cv::Mat> in{ cv::Mat(3, xs, CV_32F) }, out{ cv::Mat(3, ys, CV_32F) }, internals;
    rng.fill(in[0], cv::RNG::NORMAL, 0, 1);
    layer->finalize(cv::_InputArray(in), cv::_OutputArray(out));
    layer->forward(in, out, internals);
    for (auto _ : state)
        layer->forward(in, out, internals);
    state.counters["GFLOP_per_s"] = benchmark::Counter(2.0 * rows * inner * outputs / 1e9,
                                                       benchmark::Counter::kIsIterationInvariantRate);
}

void vitShapes(benchmark::internal::Benchmark* b)
{
    for (const auto& s : std::vector<std::vector<int64_t>>{ { 768, 2304 }, { 768, 768 }, { 768, 3072 }, { 3072, 768 } })
        for (int blocked : { 0, 1 })
            b->Args({ blocked, 197, s[0], s[1] });
}

BENCHMARK(BM_FullyConnected)->Apply(vitShapes)->ArgNames({ "blocked", "rows", "in", "out" })
    ->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace
#endif // UNISLAD_STANDALONE
