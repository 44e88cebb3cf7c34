// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifdef UNISLAD_STANDALONE
//
// Exact nearest-neighbour search against the machine's GEMM rate.
//
//  BM_EigenGemmSquare/<n>/<threads>: the reference. Each of `threads` threads (0: cv::getNumThreads())
//    multiplies its own n × n single-precision matrices with Eigen's GEMM at the same time, as the
//    search does (Eigen single-threaded, parallelism from cv::parallel_for_). GFLOPs = all threads.
//  BM_NNExactSearch/<Nq>/<Nb>/<d>/<k>/<metric>: NearestNeighborIndex::createExact, search of Nq
//    queries in a bank of Nb vectors. GFLOPs counts the GEMM work 2·Nq·Nb·d; ref_GFLOPs is the square
//    2048 reference measured in the same process (all threads); ratio = GFLOPs / ref_GFLOPs.
//    extra_MiB is the peak memory above what the inputs already hold.
//
// The target case (3136 queries = 56² patches of 4 images, 50k bank, d = 1024):
//   unislad_perf --benchmark_filter='BM_EigenGemmSquare/2048/0|BM_NNExactSearch/3136/50000'

// GCC 12 reports false "may be used uninitialized" warnings inside the AVX-512 intrinsics that
// Eigen's float GEMM kernel inlines (_mm512_broadcastss_ps); they are not about this code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "perf_common.hpp"
#include "opencv2/unislad/nearest_neighbor.hpp"

#include <benchmark/benchmark.h>
#include <Eigen/Core>
#include <opencv2/core/utility.hpp>

#include <algorithm>
#include <chrono>
#include <vector>

namespace {

using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Clock = std::chrono::steady_clock;

/** One timed round of `threads` concurrent n³ GEMMs; returns the aggregate GFLOP/s. */
double concurrentGemmRound(int n, int threads, std::vector<RowMatrixF>& a, std::vector<RowMatrixF>& b,
                           std::vector<RowMatrixF>& c)
{
    const Clock::time_point t0 = Clock::now();
    cv::parallel_for_(cv::Range(0, threads), [&](const cv::Range& r) {
        for (int t = r.start; t < r.end; ++t)
            c[t].noalias() = a[t] * b[t];
    }, threads);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    return 2.0 * n * n * double(n) * threads / s * 1e-9;
}

void makeGemmOperands(int n, int threads, std::vector<RowMatrixF>& a, std::vector<RowMatrixF>& b,
                      std::vector<RowMatrixF>& c)
{
    for (int t = 0; t < threads; ++t) {
        a.push_back(RowMatrixF::Random(n, n));
        b.push_back(RowMatrixF::Random(n, n));
        c.push_back(RowMatrixF(n, n));
    }
}

/** The square-2048 reference of this process (all threads), measured once: best of 3 rounds. */
double referenceGemmGflops()
{
    static const double gflops = [] {
        const int n = 2048, threads = cv::getNumThreads();
        std::vector<RowMatrixF> a, b, c;
        makeGemmOperands(n, threads, a, b, c);
        double best = 0.0;
        for (int r = 0; r < 3; ++r)
            best = std::max(best, concurrentGemmRound(n, threads, a, b, c));
        return best;
    }();
    return gflops;
}

void BM_EigenGemmSquare(benchmark::State& state)
{
    const int n = int(state.range(0));
    const int threads = state.range(1) > 0 ? int(state.range(1)) : cv::getNumThreads();
    std::vector<RowMatrixF> a, b, c;
    makeGemmOperands(n, threads, a, b, c);
    double seconds = 0.0;
    for (auto _ : state) {
        const Clock::time_point t0 = Clock::now();
        cv::parallel_for_(cv::Range(0, threads), [&](const cv::Range& r) {
            for (int t = r.start; t < r.end; ++t)
                c[t].noalias() = a[t] * b[t];
        }, threads);
        seconds += std::chrono::duration<double>(Clock::now() - t0).count();
        benchmark::DoNotOptimize(c[0].data());
    }
    state.counters["GFLOPs"] = 2.0 * n * n * double(n) * threads * double(state.iterations()) / seconds * 1e-9;
    state.counters["threads"] = threads;
}
BENCHMARK(BM_EigenGemmSquare)->Args({2048, 0})->Args({2048, 1})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_NNExactSearch(benchmark::State& state)
{
    const int nq = int(state.range(0)), nb = int(state.range(1)), d = int(state.range(2));
    const int k = int(state.range(3)), metric = int(state.range(4));
    const cv::Mat bank = unislad_perf::randomFeatures(nb, d, 1);
    const cv::Mat queries = unislad_perf::randomFeatures(nq, d, 2);
    const double reference = referenceGemmGflops();

    cv::Ptr<cv::uniSLAD::NearestNeighborIndex> index = cv::uniSLAD::NearestNeighborIndex::createExact(d, metric);
    index->add(bank);
    cv::Mat dist, ids;
    unislad_perf::resetPeakMemory();
    const double baseMiB = unislad_perf::peakMemoryMiB();
    double seconds = 0.0;
    for (auto _ : state) {
        const Clock::time_point t0 = Clock::now();
        index->search(queries, k, dist, ids);
        seconds += std::chrono::duration<double>(Clock::now() - t0).count();
        benchmark::DoNotOptimize(ids.data);
    }
    const double gflops = 2.0 * nq * double(nb) * d * double(state.iterations()) / seconds * 1e-9;
    state.counters["GFLOPs"] = gflops;
    state.counters["ref_GFLOPs"] = reference;
    state.counters["ratio"] = gflops / reference;
    state.counters["peak_MiB"] = unislad_perf::peakMemoryMiB();
    state.counters["extra_MiB"] = unislad_perf::peakMemoryMiB() - baseMiB;
    state.counters["threads"] = cv::getNumThreads();
}
BENCHMARK(BM_NNExactSearch)
    ->Args({3136, 50000, 1024, 1, cv::uniSLAD::NearestNeighborIndex::L2})    // target: patch bank, Eq. 16
    ->Args({3136, 50000, 1024, 9, cv::uniSLAD::NearestNeighborIndex::L2})
    ->Args({196, 20000, 768, 1, cv::uniSLAD::NearestNeighborIndex::L2})      // global tokens of one image
    ->Args({1, 1000, 768, 1, cv::uniSLAD::NearestNeighborIndex::INNER_PRODUCT})   // class bank, Eq. 17
    ->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace

#endif // UNISLAD_STANDALONE
