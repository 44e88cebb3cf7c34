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
//    cpu_ratio is the same ratio per CPU-second of the process (user + system time of all threads):
//    it discounts time lost to other processes on a busy machine, but not idle threads.
//    extra_MiB is the peak memory above what the inputs already hold.
//
// The target case (3136 queries = 56² patches of 4 images, 50k bank, d = 1024):
//   unislad_perf --benchmark_filter='BM_EigenGemmSquare/2048/0|BM_NNExactSearch/3136/50000'
//
//  BM_NNExactPruned/<data>/<k>: the pruned exact search (the default of createExact for L2) against
//    the GEMM search alone (projectionRank = 0), alternated in every iteration on the same data, k
//    neighbours, L2. data 0: the real local bank and patch features of Params::defaults() (fitted on
//    100 synthetic juice_bottle images of 256 px, queries: the 56² patches of a logical anomaly; needs
//    the backbone in $UNISLAD_MODEL_DIR); 1: clusteredFeatures (7 840 × 256, 3136 queries); 2:
//    isotropic standard-normal data, the worst case of the bounds. gemm_ms / pruned_ms per search,
//    speedup = gemm_ms / pruned_ms, id_mismatches = neighbours that differ between the two.
//   unislad_perf --benchmark_filter='BM_NNExactPruned' --benchmark_counters_tabular=true

// GCC 12 reports false "may be used uninitialized" warnings inside the AVX-512 intrinsics that
// Eigen's float GEMM kernel inlines (_mm512_broadcastss_ps); they are not about this code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "perf_common.hpp"
#include "opencv2/unislad.hpp"
#include "opencv2/unislad/nearest_neighbor.hpp"
#include "banks/nearest_neighbor_impl.hpp"
#include "detector/unislad_impl.hpp"
#include "synthetic_data.hpp"

#include <benchmark/benchmark.h>
#include <Eigen/Core>
#include <opencv2/core/utility.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <vector>

namespace {

using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Clock = std::chrono::steady_clock;

/** CPU time (user + system) of the whole process so far, in seconds. */
double processCpuSeconds()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

/** GEMM rates of the reference: per wall second (all threads) and per process CPU second. */
struct GemmRate
{
    double wall = 0.0;
    double cpu = 0.0;
};

/** One timed round of `threads` concurrent n³ GEMMs; returns the GFLOP/s. */
GemmRate concurrentGemmRound(int n, int threads, std::vector<RowMatrixF>& a, std::vector<RowMatrixF>& b,
                             std::vector<RowMatrixF>& c)
{
    const double cpu0 = processCpuSeconds();
    const Clock::time_point t0 = Clock::now();
    cv::parallel_for_(cv::Range(0, threads), [&](const cv::Range& r) {
        for (int t = r.start; t < r.end; ++t)
            c[t].noalias() = a[t] * b[t];
    }, threads);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    const double cpu = processCpuSeconds() - cpu0;
    const double gflop = 2.0 * n * n * double(n) * threads * 1e-9;
    return GemmRate{gflop / s, gflop / cpu};
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
GemmRate referenceGemmRate()
{
    static const GemmRate rate = [] {
        const int n = 2048, threads = cv::getNumThreads();
        std::vector<RowMatrixF> a, b, c;
        makeGemmOperands(n, threads, a, b, c);
        GemmRate best;
        for (int r = 0; r < 3; ++r) {
            const GemmRate g = concurrentGemmRound(n, threads, a, b, c);
            best.wall = std::max(best.wall, g.wall);
            best.cpu = std::max(best.cpu, g.cpu);
        }
        return best;
    }();
    return rate;
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
    const GemmRate reference = referenceGemmRate();

    cv::Ptr<cv::uniSLAD::NearestNeighborIndex> index = cv::uniSLAD::NearestNeighborIndex::createExact(d, metric);
    index->add(bank);
    cv::Mat dist, ids;
    unislad_perf::resetPeakMemory();
    const double baseMiB = unislad_perf::peakMemoryMiB();
    double seconds = 0.0, cpuSeconds = 0.0;
    for (auto _ : state) {
        const double cpu0 = processCpuSeconds();
        const Clock::time_point t0 = Clock::now();
        index->search(queries, k, dist, ids);
        seconds += std::chrono::duration<double>(Clock::now() - t0).count();
        cpuSeconds += processCpuSeconds() - cpu0;
        benchmark::DoNotOptimize(ids.data);
    }
    const double gflop = 2.0 * nq * double(nb) * d * double(state.iterations()) * 1e-9;
    state.counters["GFLOPs"] = gflop / seconds;
    state.counters["ref_GFLOPs"] = reference.wall;
    state.counters["ratio"] = gflop / seconds / reference.wall;
    state.counters["cpu_ratio"] = gflop / cpuSeconds / reference.cpu;
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

/** Bank and queries of BM_NNExactPruned; empty when the real features cannot be made. */
struct SearchData
{
    cv::Mat bank, queries;
};

SearchData realPatchFeatures()
{
    static const SearchData data = [] {
        SearchData r;
        const cv::uniSLAD::Params p = cv::uniSLAD::Params::defaults();
        if (!std::ifstream(p.localManifest))
            return r;
        std::vector<cv::Mat> train;
        for (int i = 0; i < 100; ++i)
            train.push_back(unislad::synth::renderSample("juice_bottle", unislad::synth::Split::Train, i, 0, 256).image);
        cv::Ptr<cv::uniSLAD::UniSLAD> detector = cv::uniSLAD::UniSLAD::create(p);
        detector->fit(train);
        const auto& impl = dynamic_cast<const cv::uniSLAD::detail::UniSLADImpl&>(*detector);
        const cv::Mat image = unislad::synth::renderSample("juice_bottle", unislad::synth::Split::TestLogical, 0, 0, 256).image;
        const cv::uniSLAD::detail::FeatureSet feats = impl.extract({ image });
        const cv::Ptr<cv::uniSLAD::MemoryBank>& bank = impl.fittedModel().banks.local;
        r.bank = bank->getBank().clone();
        bank->transform(feats.local, r.queries);
        return r;
    }();
    return data;
}

void BM_NNExactPruned(benchmark::State& state)
{
    const int kind = int(state.range(0)), k = int(state.range(1));
    SearchData data;
    if (kind == 0)
        data = realPatchFeatures();
    else if (kind == 1)
        data = SearchData{unislad_perf::clusteredFeatures(7840, 256, 64, 1), unislad_perf::clusteredFeatures(3136, 256, 64, 2)};
    else
        data = SearchData{unislad_perf::randomFeatures(7840, 256, 1), unislad_perf::randomFeatures(3136, 256, 2)};
    if (data.bank.empty()) {
        state.SkipWithError("missing the default backbone: generate it with models/make_default_backbone.py");
        return;
    }
    const int d = data.bank.cols;
    cv::uniSLAD::detail::ExactSearchBlocking gemmOnly;
    gemmOnly.projectionRank = 0;
    cv::Ptr<cv::uniSLAD::NearestNeighborIndex> gemm = cv::uniSLAD::detail::createExactIndex(d, 0, gemmOnly);
    cv::Ptr<cv::uniSLAD::NearestNeighborIndex> pruned = cv::uniSLAD::NearestNeighborIndex::createExact(d, 0);
    gemm->add(data.bank);
    pruned->add(data.bank);
    cv::Mat gd, gi, pd, pi;
    pruned->search(data.queries.row(0), 1, pd, pi);   // builds the bounds (once per bank), untimed
    double gemmSeconds = 0.0, prunedSeconds = 0.0;
    for (auto _ : state) {
        const Clock::time_point t0 = Clock::now();
        gemm->search(data.queries, k, gd, gi);
        const Clock::time_point t1 = Clock::now();
        pruned->search(data.queries, k, pd, pi);
        const Clock::time_point t2 = Clock::now();
        gemmSeconds += std::chrono::duration<double>(t1 - t0).count();
        prunedSeconds += std::chrono::duration<double>(t2 - t1).count();
    }
    const double n = double(state.iterations());
    state.counters["gemm_ms"] = gemmSeconds / n * 1e3;
    state.counters["pruned_ms"] = prunedSeconds / n * 1e3;
    state.counters["speedup"] = gemmSeconds / prunedSeconds;
    state.counters["id_mismatches"] = cv::countNonZero(gi != pi);
    state.counters["bank"] = data.bank.rows;
    state.counters["queries"] = data.queries.rows;
    state.counters["threads"] = cv::getNumThreads();
}
BENCHMARK(BM_NNExactPruned)->ArgsProduct({{0, 1, 2}, {1, 3}})->Unit(benchmark::kMillisecond)->UseRealTime()
    ->MinTime(2.0);

} // namespace

#endif // UNISLAD_STANDALONE
