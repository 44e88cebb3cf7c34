// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// MahalanobisTransform fit / apply and GaussianModel fit / distances.
//   unislad_perf --benchmark_filter='Mahalanobis|Gaussian'
#ifdef UNISLAD_STANDALONE
#include <benchmark/benchmark.h>

#include "opencv2/unislad/gaussian.hpp"
#include "opencv2/unislad/mahalanobis.hpp"
#include "perf_common.hpp"

namespace {

using cv::uniSLAD::GaussianModel;
using cv::uniSLAD::MahalanobisTransform;

// fit on N x d patch features (args: N, d). Covariance (n d^2, symmetric) plus eigen-decomposition.
void BM_MahalanobisFit(benchmark::State& state)
{
    const int n = (int)state.range(0), d = (int)state.range(1);
    const cv::Mat x = unislad_perf::clusteredFeatures(n, d);
    unislad_perf::resetPeakMemory();
    for (auto _ : state) {
        cv::Ptr<MahalanobisTransform> mt = MahalanobisTransform::create();
        mt->fit(x);
        benchmark::DoNotOptimize(mt->getTransform().data);
    }
    state.counters["peak_MiB"] = unislad_perf::peakMemoryMiB();
}
BENCHMARK(BM_MahalanobisFit)->Args({10000, 1024})->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

// apply to N x d queries (args: N, d), e.g. the 56 x 56 local patches of one image.
void BM_MahalanobisApply(benchmark::State& state)
{
    const int n = (int)state.range(0), d = (int)state.range(1);
    cv::Ptr<MahalanobisTransform> mt = MahalanobisTransform::create();
    mt->fit(unislad_perf::clusteredFeatures(2 * d, d, 64, 2));
    const cv::Mat q = unislad_perf::clusteredFeatures(n, d, 64, 3);
    cv::Mat out;
    mt->apply(q, out);
    unislad_perf::resetPeakMemory();
    for (auto _ : state) {
        mt->apply(q, out);
        benchmark::DoNotOptimize(out.data);
    }
    state.counters["GFLOPs"] = benchmark::Counter(2e-9 * n * (double)d * d, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["peak_MiB"] = unislad_perf::peakMemoryMiB();
}
BENCHMARK(BM_MahalanobisApply)->Args({3136, 1024})->Unit(benchmark::kMillisecond)->UseRealTime();

// GaussianModel fit on n x d image features (args: n, d, solver).
void BM_GaussianFit(benchmark::State& state)
{
    const int n = (int)state.range(0), d = (int)state.range(1);
    GaussianModel::Params p;
    p.solver = (int)state.range(2);
    const cv::Mat x = unislad_perf::clusteredFeatures(n, d, 8);
    unislad_perf::resetPeakMemory();
    for (auto _ : state) {
        cv::Ptr<GaussianModel> g = GaussianModel::create(p);
        g->fit(x);
        benchmark::DoNotOptimize(g->shrinkage());
    }
    state.counters["peak_MiB"] = unislad_perf::peakMemoryMiB();
    state.SetLabel(p.solver == GaussianModel::SOLVER_DENSE ? "dense" : "auto (woodbury)");
}
BENCHMARK(BM_GaussianFit)
    ->Args({100, 2048, GaussianModel::SOLVER_AUTO})
    ->Args({100, 2048, GaussianModel::SOLVER_DENSE})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

// Distances of N query images (args: n, d, solver, N).
void BM_GaussianDistance(benchmark::State& state)
{
    const int n = (int)state.range(0), d = (int)state.range(1), nq = (int)state.range(3);
    GaussianModel::Params p;
    p.solver = (int)state.range(2);
    cv::Ptr<GaussianModel> g = GaussianModel::create(p);
    g->fit(unislad_perf::clusteredFeatures(n, d, 8));
    const cv::Mat q = unislad_perf::clusteredFeatures(nq, d, 8, 5);
    cv::Mat dist;
    for (auto _ : state) {
        g->mahalanobis(q, dist);
        benchmark::DoNotOptimize(dist.data);
    }
    state.SetLabel(p.solver == GaussianModel::SOLVER_DENSE ? "dense" : "auto (woodbury)");
}
BENCHMARK(BM_GaussianDistance)
    ->Args({100, 2048, GaussianModel::SOLVER_AUTO, 100})
    ->Args({100, 2048, GaussianModel::SOLVER_DENSE, 100})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace
#endif // UNISLAD_STANDALONE
