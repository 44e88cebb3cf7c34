// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifdef UNISLAD_STANDALONE
#include <benchmark/benchmark.h>

#include "opencv2/unislad/image_feature.hpp"
#include "perf_common.hpp"

using cv::uniSLAD::ImageFeatureConverter;

namespace {

// One image of the paper preset: K = 56 (3136 patches) x 1536 channels (WRN-50-2 layer2 + layer3).
// Args: mode, patches, channels.
void BM_ImageFeature_Convert(benchmark::State& state)
{
    const int mode = static_cast<int>(state.range(0));
    const int n = static_cast<int>(state.range(1)), c = static_cast<int>(state.range(2));
    const cv::Mat x = unislad_perf::clusteredFeatures(n, c);
    ImageFeatureConverter::Params p;
    p.mode = mode;
    cv::Ptr<ImageFeatureConverter> ifc = ImageFeatureConverter::create(p);
    cv::Mat f;
    for (auto _ : state) {
        ifc->convert(x, f);
        benchmark::DoNotOptimize(f.data);
    }
    state.counters["images/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
    state.SetLabel(mode == 0 ? "MEAN" : mode == 1 ? "PMP" : mode == 2 ? "LUM" : "PMP_LUM");
}
BENCHMARK(BM_ImageFeature_Convert)
    ->Args({ImageFeatureConverter::MEAN, 3136, 1536})
    ->Args({ImageFeatureConverter::PMP, 3136, 1536})
    ->Args({ImageFeatureConverter::LUM, 3136, 1536})
    ->Args({ImageFeatureConverter::PMP_LUM, 3136, 1536})
    ->Args({ImageFeatureConverter::PMP_LUM, 196, 768})  // ViT-B/16 tokens
    ->Unit(benchmark::kMillisecond)->UseRealTime();

// A batch of 16 images of the paper preset's local branch, default mode (PMP_LUM).
void BM_ImageFeature_ConvertBatch(benchmark::State& state)
{
    const int images = static_cast<int>(state.range(0));
    std::vector<cv::Mat> sets;
    for (int i = 0; i < images; ++i)
        sets.push_back(unislad_perf::clusteredFeatures(3136, 1536, 64, 100 + i));
    cv::Ptr<ImageFeatureConverter> ifc = ImageFeatureConverter::create();
    cv::Mat f;
    unislad_perf::resetPeakMemory();
    for (auto _ : state) {
        ifc->convertBatch(sets, f);
        benchmark::DoNotOptimize(f.data);
    }
    state.counters["images/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * images,
                                                    benchmark::Counter::kIsRate);
    state.counters["peak_MiB"] = unislad_perf::peakMemoryMiB();
}
BENCHMARK(BM_ImageFeature_ConvertBatch)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace
#endif // UNISLAD_STANDALONE
