// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifdef UNISLAD_STANDALONE
//
// Approximate (HNSW) against exact nearest-neighbour search.
//
//  BM_HnswVsExact/<Nb>/<d>/<data>/<efSearch>: a bank of Nb vectors of d dims, Nq = 3136 queries
//    (56² patches), k = 1, L2. data: 0 "patch-like" (bank vectors on low-dimensional manifolds,
//    each query a bank vector plus small noise: every query has a close match, as a nominal patch
//    has in a coreset bank of nominal images; see chunkOf), 1 perf_common's clusteredFeatures (i.i.d. noise in every dimension around 64
//    centres: a worst case for any graph index), 2 standard normal.
//    The bank is generated once (in seeded chunks of 8192 rows); the exact index copies it, times
//    its search and gives the ground truth, and is freed before the HNSW graph is built (one add()
//    of the whole bank, as MemoryBank does). Counters:
//      build_s     HNSW build time (parallel build, all threads)
//      build_MiB   peak resident memory during the build above the level before it (bank matrix
//                  already held): the index (its copy of the vectors + the graph)
//      hnsw_ms     HNSW search of all 3136 queries at this efSearch
//      exact_ms    exact search of all 3136 queries; for Nb ≥ 10^6 measured on the first 784 and
//                  scaled by 4 (exact_sampled = 1)
//      speedup     exact_ms / hnsw_ms
//      recall1     recall@1 of HNSW against the exact index, over the queries the exact index ran
//      dist_excess mean relative excess of the distance found over the true nearest distance
//                  (what a miss costs a patch score; 0 when every neighbour is found)
//    The bank and graph of one (Nb, d, data) are kept between efSearch values (one build).
//
//   unislad_perf --benchmark_filter='BM_HnswVsExact/(10000|100000)/(1024|768)/0/'
//   unislad_perf --benchmark_filter='BM_HnswVsExact/1000000/1024/0/'   (about 8 GiB of memory)
//  BM_HnswVsExactSmall/<Nb>/<d>: the auto threshold: both searches of 784 queries (28² patches).

#include "perf_common.hpp"
#include "opencv2/unislad/nearest_neighbor.hpp"

#include <benchmark/benchmark.h>
#include <opencv2/core/utility.hpp>

#include <chrono>
#include <cmath>
#include <map>
#include <memory>

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kChunk = 8192;

double secondsSince(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

/** Chunk `chunk` (rows chunk·8192 …, n of them) of the data set `kind` of dimension d for a bank
    of nb vectors; chunk < 0: queries (deterministic). */
cv::Mat chunkOf(int kind, int d, int64_t chunk, int n, int64_t nb)
{
    const uint64_t seed = 1000003ull * uint64_t(chunk + 10) + uint64_t(d) * 31 + uint64_t(kind);
    if (kind == 1)
        return unislad_perf::clusteredFeatures(n, d, 64, seed);
    if (kind == 2)
        return unislad_perf::randomFeatures(n, d, seed);
    // Patch-like: bank row i is point i of 16 8-dimensional linear manifolds (through ReLU); a
    // query is a random bank point plus noise (σ = 0.05 per dimension). As a nominal patch has a
    // close match in a coreset bank (which holds no near-duplicates).
    const int latent = 8, clusters = 16;
    static std::map<int, std::pair<cv::Mat, std::vector<cv::Mat>>> model;
    auto it = model.find(d);
    if (it == model.end()) {
        cv::RNG rng(77 + uint64_t(d));
        cv::Mat centres(clusters, d, CV_32F);
        rng.fill(centres, cv::RNG::UNIFORM, 0.0, 1.0);
        std::vector<cv::Mat> bases(clusters);
        for (cv::Mat& b : bases) {
            b.create(latent, d, CV_32F);
            rng.fill(b, cv::RNG::NORMAL, 0.0, 0.5);
        }
        it = model.emplace(d, std::make_pair(centres, bases)).first;
    }
    const int64_t prototypes = std::max<int64_t>(1, nb);
    cv::RNG rng(seed);
    cv::Mat x(n, d, CV_32F), z(1, latent, CV_32F), noise(1, d, CV_32F), v;
    for (int i = 0; i < n; ++i) {
        const int64_t row = chunk * kChunk + i;
        const uint64_t p = chunk < 0 ? uint64_t(rng.uniform(0, int(prototypes))) : uint64_t(row % prototypes);
        cv::RNG prng(0x9E3779B97F4A7C15ull ^ (p * 2654435761ull + 1));
        const int c = prng.uniform(0, clusters);
        prng.fill(z, cv::RNG::NORMAL, 0.0, 1.0);
        cv::max(it->second.first.row(c) + z * it->second.second[size_t(c)], 0.0, v);
        rng.fill(noise, cv::RNG::NORMAL, 0.0, chunk < 0 ? 0.05 : 0.0);
        cv::Mat out = x.row(i);
        cv::add(v, noise, out);
    }
    return x;
}

template <typename F>
void forEachChunk(int64_t nb, F f)
{
    for (int64_t c = 0; c * kChunk < nb; ++c)
        f(c, int(std::min<int64_t>(kChunk, nb - c * kChunk)));
}

struct Prepared
{
    int64_t nb = 0;
    int d = 0, kind = -1;
    cv::Mat queries, exactIds, exactDist;
    double exactMs = 0.0, buildS = 0.0, buildMiB = 0.0;
    bool sampled = false;
    cv::Ptr<cv::uniSLAD::HnswIndex> hnsw;
};

Prepared& prepare(int64_t nb, int d, int kind, int nq)
{
    static std::unique_ptr<Prepared> cache;
    if (cache && cache->nb == nb && cache->d == d && cache->kind == kind)
        return *cache;
    cache.reset();
    std::unique_ptr<Prepared> p(new Prepared);
    p->nb = nb;
    p->d = d;
    p->kind = kind;
    p->queries = chunkOf(kind, d, -1, nq, nb);   // own seed: not bank rows
    p->sampled = nb >= 1000000;
    const int exactQueries = p->sampled ? nq / 4 : nq;
    cv::Mat bank(int(nb), d, CV_32F);
    forEachChunk(nb, [&](int64_t c, int n) { chunkOf(kind, d, c, n, nb).copyTo(bank.rowRange(int(c * kChunk), int(c * kChunk) + n)); });
    {
        cv::Ptr<cv::uniSLAD::NearestNeighborIndex> exact = cv::uniSLAD::NearestNeighborIndex::createExact(d);
        exact->add(bank);
        const Clock::time_point t0 = Clock::now();
        exact->search(p->queries.rowRange(0, exactQueries), 1, p->exactDist, p->exactIds);
        p->exactMs = secondsSince(t0) * 1e3 * double(nq) / exactQueries;
    }
    unislad_perf::resetPeakMemory();
    const double before = unislad_perf::peakMemoryMiB();
    const Clock::time_point t0 = Clock::now();
    p->hnsw = cv::uniSLAD::HnswIndex::create(d);
    p->hnsw->add(bank);
    p->buildS = secondsSince(t0);
    p->buildMiB = unislad_perf::peakMemoryMiB() - before;
    cache = std::move(p);
    return *cache;
}

void BM_HnswVsExact(benchmark::State& state)
{
    const int64_t nb = state.range(0);
    const int d = int(state.range(1)), kind = int(state.range(2)), ef = int(state.range(3));
    const int nq = 3136;
    Prepared& p = prepare(nb, d, kind, nq);
    p.hnsw->setEfSearch(ef);
    cv::Mat dist, ids;
    double seconds = 0.0;
    for (auto _ : state) {
        const Clock::time_point t0 = Clock::now();
        p.hnsw->search(p.queries, 1, dist, ids);
        seconds += secondsSince(t0);
        benchmark::DoNotOptimize(ids.data);
    }
    int hits = 0;
    double excess = 0.0;
    for (int i = 0; i < p.exactIds.rows; ++i) {
        hits += ids.at<int>(i) == p.exactIds.at<int>(i);
        excess += dist.at<float>(i) / std::max(p.exactDist.at<float>(i), 1e-30f) - 1.0;
    }
    const double hnswMs = seconds * 1e3 / double(state.iterations());
    state.counters["build_s"] = p.buildS;
    state.counters["build_MiB"] = p.buildMiB;
    state.counters["hnsw_ms"] = hnswMs;
    state.counters["exact_ms"] = p.exactMs;
    state.counters["exact_sampled"] = p.sampled ? 1 : 0;
    state.counters["speedup"] = p.exactMs / hnswMs;
    state.counters["recall1"] = double(hits) / p.exactIds.rows;
    state.counters["dist_excess"] = excess / p.exactIds.rows;
    state.counters["threads"] = cv::getNumThreads();
}

void hnswArgs(benchmark::internal::Benchmark* b)
{
    for (int64_t nb : {10000, 100000, 1000000})
        for (int d : {1024, 768})
            for (int kind : {0, 1})
                for (int ef : {16, 32, 64, 128, 256})
                    b->Args({nb, d, kind, ef});
}
BENCHMARK(BM_HnswVsExact)->Apply(hnswArgs)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// Where HNSW starts to win: 784 queries (K = 28), patch-like data, default HnswParams.
void BM_HnswVsExactSmall(benchmark::State& state)
{
    const int nb = int(state.range(0)), d = int(state.range(1)), nq = 784;
    cv::Mat full;
    forEachChunk(nb, [&](int64_t c, int n) { full.push_back(chunkOf(0, d, c, n, nb)); });
    const cv::Mat queries = chunkOf(0, d, -1, nq, nb);
    cv::Ptr<cv::uniSLAD::NearestNeighborIndex> exact = cv::uniSLAD::NearestNeighborIndex::createExact(d);
    exact->add(full);
    const Clock::time_point b0 = Clock::now();
    cv::Ptr<cv::uniSLAD::NearestNeighborIndex> hnsw = cv::uniSLAD::NearestNeighborIndex::createHnsw(d);
    hnsw->add(full);
    const double buildS = secondsSince(b0);
    cv::Mat dist, ids, eids;
    double exactS = 0.0, hnswS = 0.0;
    for (auto _ : state) {
        Clock::time_point t0 = Clock::now();
        exact->search(queries, 1, dist, eids);
        exactS += secondsSince(t0);
        t0 = Clock::now();
        hnsw->search(queries, 1, dist, ids);
        hnswS += secondsSince(t0);
    }
    int hits = 0;
    for (int i = 0; i < nq; ++i)
        hits += ids.at<int>(i) == eids.at<int>(i);
    state.counters["exact_ms"] = exactS * 1e3 / double(state.iterations());
    state.counters["hnsw_ms"] = hnswS * 1e3 / double(state.iterations());
    state.counters["speedup"] = exactS / hnswS;
    state.counters["build_s"] = buildS;
    state.counters["recall1"] = double(hits) / nq;
}
BENCHMARK(BM_HnswVsExactSmall)
    ->ArgsProduct({{1000, 2000, 5000, 10000, 20000, 50000}, {512, 1024}})
    ->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

} // namespace

#endif // UNISLAD_STANDALONE
