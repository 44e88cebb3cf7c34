// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifdef UNISLAD_STANDALONE
#include <benchmark/benchmark.h>

#include "opencv2/unislad/coreset.hpp"
#include "perf_common.hpp"

// Coreset selection (Eq. 5) at fit-time sizes: N vectors of 1024 dimensions, ratio 0.1, default
// projection to 128 dimensions. Counters: input_MiB (the feature matrix, allocated before the
// measurement), sampler_MiB (peak resident memory above what the process held when select() started:
// the sampler's own memory), peak_MiB (the process's peak during select(), input included),
// selected (number of rows chosen).
//
// Run one case:  unislad_perf --benchmark_filter='BM_Coreset/clustered/500000'

namespace {

using namespace unislad_perf;

void BM_Coreset(benchmark::State& state, bool clustered)
{
    const int n = (int)state.range(0);
    const int d = 1024;
    const cv::Mat x = clustered ? clusteredFeatures(n, d) : randomFeatures(n, d);
    cv::uniSLAD::CoresetSampler::Params params;
    params.ratio = 0.1;
    const cv::Ptr<cv::uniSLAD::CoresetSampler> sampler = cv::uniSLAD::CoresetSampler::create(params);

    double samplerMiB = 0, peakMiB = 0;
    size_t selected = 0;
    for (auto _ : state) {
        resetPeakMemory();
        const double base = peakMemoryMiB();
        const std::vector<int> sel = sampler->select(x);
        peakMiB = peakMemoryMiB();
        samplerMiB = peakMiB - base;
        selected = sel.size();
        benchmark::DoNotOptimize(sel.data());
    }
    state.counters["input_MiB"] = (double)x.total() * x.elemSize() / (1024.0 * 1024.0);
    state.counters["sampler_MiB"] = samplerMiB;
    state.counters["peak_MiB"] = peakMiB;
    state.counters["selected"] = (double)selected;
}

void coresetArgs(benchmark::internal::Benchmark* b)
{
    b->Arg(20000)->Arg(100000)->Arg(500000)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);
}

} // namespace

BENCHMARK_CAPTURE(BM_Coreset, random, false)->Apply(coresetArgs);
BENCHMARK_CAPTURE(BM_Coreset, clustered, true)->Apply(coresetArgs);

#endif // UNISLAD_STANDALONE
