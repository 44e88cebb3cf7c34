// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifdef UNISLAD_STANDALONE
#include <benchmark/benchmark.h>

#include <opencv2/imgproc.hpp>

#include "opencv2/unislad/metrics.hpp"
#include "perf_common.hpp"

namespace {

// `images` anomaly maps of 256 x 256 (MVTec-style evaluation size) with a few elliptic defects in
// two images out of three; scores are noise plus a bump over each defect.
void makeMaps(int images, std::vector<cv::Mat>& maps, std::vector<cv::Mat>& masks)
{
    cv::RNG rng(7);
    maps.clear();
    masks.clear();
    for (int i = 0; i < images; ++i) {
        cv::Mat mask(256, 256, CV_8U, cv::Scalar(0)), map(256, 256, CV_32F);
        if (i % 3 != 0)
            for (int k = 0; k < 1 + i % 3; ++k)
                cv::ellipse(mask, cv::Point(rng.uniform(20, 236), rng.uniform(20, 236)),
                            cv::Size(rng.uniform(3, 30), rng.uniform(3, 30)), rng.uniform(0, 180), 0, 360,
                            cv::Scalar(255), cv::FILLED);
        rng.fill(map, cv::RNG::NORMAL, 0.0, 1.0);
        cv::GaussianBlur(map, map, cv::Size(0, 0), 4);
        cv::Mat bump;
        mask.convertTo(bump, CV_32F, 0.3 / 255);  // +0.3 over defects
        map += bump;
        maps.push_back(map);
        masks.push_back(mask);
    }
}

// Args: number of 256 x 256 maps.
void BM_Metrics_PixelAUROC(benchmark::State& state)
{
    std::vector<cv::Mat> maps, masks;
    makeMaps(static_cast<int>(state.range(0)), maps, masks);
    unislad_perf::resetPeakMemory();
    const double before = unislad_perf::peakMemoryMiB();
    double auc = 0;
    for (auto _ : state)
        benchmark::DoNotOptimize(auc = cv::uniSLAD::metrics::pixelAUROC(maps, masks));
    state.counters["Mpixels"] = static_cast<double>(maps.size()) * 65536 / 1e6;
    state.counters["extra_peak_MiB"] = unislad_perf::peakMemoryMiB() - before;
    state.counters["auroc"] = auc;
}
BENCHMARK(BM_Metrics_PixelAUROC)->Arg(100)->Arg(300)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Metrics_AUPRO(benchmark::State& state)
{
    std::vector<cv::Mat> maps, masks;
    makeMaps(static_cast<int>(state.range(0)), maps, masks);
    unislad_perf::resetPeakMemory();
    const double before = unislad_perf::peakMemoryMiB();
    double aupro = 0;
    for (auto _ : state)
        benchmark::DoNotOptimize(aupro = cv::uniSLAD::metrics::auPRO(maps, masks));
    state.counters["Mpixels"] = static_cast<double>(maps.size()) * 65536 / 1e6;
    state.counters["extra_peak_MiB"] = unislad_perf::peakMemoryMiB() - before;
    state.counters["aupro"] = aupro;
}
BENCHMARK(BM_Metrics_AUPRO)->Arg(100)->Arg(300)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace
#endif // UNISLAD_STANDALONE
