// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "avx512_warnings.hpp"   // first: see there
#include "precomp.hpp"
#include "banks/nearest_neighbor_impl.hpp"
#include "banks/exact_candidates.hpp"
#include "eigen.hpp"
#include "banks/projection_bounds.hpp"

#include <memory>
#include <mutex>

// Exact k-NN search (NearestNeighborIndex::createExact).
//
// Work split: queries in blocks of `queryBlock` rows, the bank in blocks of `bankBlock` rows grouped
// into chunks of consecutive blocks. One task = one query block × one bank chunk: for each bank block
// of its chunk it computes S = Q_blk · B_blkᵀ with Eigen's (single-threaded) GEMM, turns S into
// ranking keys in place (L2: ||b||² − 2 q·b, which orders like ||q − b||²; inner product: −q·b) and
// streams them into a per-query list of the kc = k + extraCandidates smallest (key, id) pairs. Tasks
// run in parallel (cv::parallel_for_); the split depends on the sizes only, never on the thread count.
// A second pass merges each query's chunk lists, recomputes the kc candidates' distances exactly from
// the vectors (double accumulation) and keeps the k best by (exact distance, id).
// Memory: one queryBlock × bankBlock float buffer per running task plus the candidate lists
// (Nq × chunks × kc pairs; chunks > 1 only when there are few query blocks); never Nq × Nb.
// L2 searches of large enough banks go to the pruned search first (nearest_neighbor_pruned.cpp),
// which hands back the query blocks its bounds cannot prune; this GEMM search takes those and
// everything else.

namespace cv {
namespace uniSLAD {
namespace detail {

namespace {

/** Streams one row of keys (ids base … base + n − 1) into a list. */
inline void scanKeys(const float* keys, int n, int base, TopList& list)
{
    constexpr int kChunk = 64;
    float thr = list.threshold();
    for (int j0 = 0; j0 < n; j0 += kChunk) {
        const int j1 = std::min(n, j0 + kChunk);
        int any = 0;
        for (int j = j0; j < j1; ++j)   // vectorised test: is any key of the chunk admissible?
            any |= keys[j] < thr;
        if (!any)
            continue;
        for (int j = j0; j < j1; ++j) {
            if (keys[j] < thr) {
                list.push(Candidate{keys[j], base + j});
                thr = list.threshold();
            }
        }
    }
}

class NearestNeighborIndexExactImpl CV_FINAL : public NearestNeighborIndex
{
public:
    NearestNeighborIndexExactImpl(int dims, int metric, const ExactSearchBlocking& blocking)
        : dims_(dims), metric_(metric), blocking_(blocking)
    {
    }

    int dims() const CV_OVERRIDE { return dims_; }
    int size() const CV_OVERRIDE { return count_; }
    int metric() const CV_OVERRIDE { return metric_; }
    bool empty() const CV_OVERRIDE { return count_ == 0; }
    String getDefaultName() const CV_OVERRIDE { return "uniSLAD.NearestNeighborIndex.Exact"; }
    void clear() CV_OVERRIDE { reset(); }

    void reset() CV_OVERRIDE
    {
        std::vector<float>().swap(data_);
        std::vector<float>().swap(norms_);
        count_ = 0;
        bounds_.reset();
    }

    void add(InputArray vectors) CV_OVERRIDE
    {
        const char* func = "NearestNeighborIndex::add";
        const Mat v = vectors.getMat();
        std::vector<double> sq;
        checkVectors(v, dims_, func, "vectors", &sq);
        if (int64_t(count_) + v.rows > int64_t(std::numeric_limits<int>::max()))
            CV_Error(Error::StsOutOfRange, format("%s: vectors: expected at most %d vectors in total, found %lld",
                                                  func, std::numeric_limits<int>::max(),
                                                  (long long)(int64_t(count_) + v.rows)));
        // One add: exactly what it needs (a bank is usually added at once). More adds: grow by half,
        // so that many small adds cost amortised O(1) per vector instead of a copy of the bank each.
        const size_t need = data_.size() + size_t(v.rows) * dims_;
        if (need > data_.capacity())
            data_.reserve(data_.empty() ? need : std::max(need, data_.capacity() + data_.capacity() / 2));
        for (int i = 0; i < v.rows; ++i) {
            const float* row = v.ptr<float>(i);
            data_.insert(data_.end(), row, row + dims_);
            norms_.push_back(float(sq[i]));
        }
        count_ += v.rows;
        bounds_.reset();
    }

    void search(InputArray queries, int k, OutputArray distances, OutputArray indices) const CV_OVERRIDE;

private:
    int dims_;
    int metric_;
    ExactSearchBlocking blocking_;
    std::vector<float> data_;    // count_ × dims_, row-major
    std::vector<float> norms_;   // squared norms of the rows (double accumulation, rounded)
    int count_ = 0;
    // The bounds of the pruned search, built by the first search after a change of the bank.
    mutable std::mutex boundsMutex_;
    mutable std::shared_ptr<const ProjectionBounds> bounds_;

    /** The bank's bounds, or null where the plain GEMM search runs (inner product, small banks). */
    std::shared_ptr<const ProjectionBounds> projectionBounds() const;
};

/** The GEMM search of queries q (rows row0 … of the outputs) in a bank of nb vectors. */
void gemmSearch(const float* data, const float* norms, int nb, int d, int metric, const Mat& q, int k,
                const ExactSearchBlocking& blocking, SearchOutputs& out, int row0)
{
    const int nq = q.rows;
    const int kc = std::min(nb, k + std::max(0, blocking.extraCandidates));
    const bool useHeap = kc > kHeapThreshold;
    const bool l2 = metric != NearestNeighborIndex::INNER_PRODUCT;

    // Work split (sizes only, thread-independent).
    const int qb = std::max(1, std::min(blocking.queryBlock, nq));
    const int bb = std::max(1, std::min(blocking.bankBlock, nb));
    const int nQueryBlocks = (nq + qb - 1) / qb;
    const int nBankBlocks = (nb + bb - 1) / bb;
    int nChunks = 1;
    if (nQueryBlocks < blocking.minTasks)
        nChunks = std::min(nBankBlocks, (blocking.minTasks + nQueryBlocks - 1) / nQueryBlocks);
    const size_t listBytes = size_t(nq) * kc * sizeof(Candidate);
    const size_t listBudget = size_t(256) << 20;   // chunk lists beyond one: at most 256 MiB
    if (nChunks > 1 && listBytes * nChunks > listBudget)
        nChunks = int(std::max<size_t>(1, listBudget / listBytes));
    const int blocksPerChunk = (nBankBlocks + nChunks - 1) / nChunks;
    nChunks = (nBankBlocks + blocksPerChunk - 1) / blocksPerChunk;

    std::vector<Candidate> lists(size_t(nChunks) * nq * kc);
    std::vector<int> counts(size_t(nChunks) * nq, 0);
    const size_t qStride = q.step[0] / sizeof(float);

    const int nTasks = nQueryBlocks * nChunks;
    parallel_for_(Range(0, nTasks), [&](const Range& range) {
        std::vector<float> buffer(size_t(qb) * bb);
        for (int task = range.start; task < range.end; ++task) {
            const int queryBlock = task / nChunks;
            const int chunk = task % nChunks;
            const int q0 = queryBlock * qb;
            const int mq = std::min(nq, q0 + qb) - q0;
            Eigen::Map<const RowMatrixF, Eigen::Unaligned, Eigen::OuterStride<>> qm(
                q.ptr<float>(q0), mq, d, Eigen::OuterStride<>(Eigen::Index(qStride)));
            Candidate* taskLists = lists.data() + (size_t(chunk) * nq + q0) * kc;
            int* taskCounts = counts.data() + size_t(chunk) * nq + q0;

            const int blockEnd = std::min(nBankBlocks, (chunk + 1) * blocksPerChunk);
            for (int block = chunk * blocksPerChunk; block < blockEnd; ++block) {
                const int b0 = block * bb;
                const int mb = std::min(nb, b0 + bb) - b0;
                Eigen::Map<const RowMatrixF> bm(data + size_t(b0) * d, mb, d);
                Eigen::Map<RowMatrixF> s(buffer.data(), mq, mb);
                s.noalias() = qm * bm.transpose();

                const float* bn = norms + b0;
                for (int i = 0; i < mq; ++i) {
                    float* keys = buffer.data() + size_t(i) * mb;
                    if (l2) {
                        for (int j = 0; j < mb; ++j)
                            keys[j] = bn[j] - 2.f * keys[j];
                    } else {
                        for (int j = 0; j < mb; ++j)
                            keys[j] = -keys[j];
                    }
                    TopList list{taskLists + size_t(i) * kc, taskCounts[i], kc, useHeap};
                    scanKeys(keys, mb, b0, list);
                }
            }
        }
    }, nTasks);

    // Merge the chunk lists, re-rank the candidates with exact distances, keep k.
    parallel_for_(Range(0, nq), [&](const Range& range) {
        std::vector<Candidate> merged;
        std::vector<std::pair<double, int>> exact;
        for (int i = range.start; i < range.end; ++i) {
            merged.clear();
            for (int c = 0; c < nChunks; ++c) {
                const Candidate* l = lists.data() + (size_t(c) * nq + i) * kc;
                merged.insert(merged.end(), l, l + counts[size_t(c) * nq + i]);
            }
            if (int(merged.size()) > kc) {
                std::nth_element(merged.begin(), merged.begin() + kc, merged.end(), candidateLess);
                merged.resize(kc);
            }
            exact.clear();
            for (const Candidate& c : merged)
                exact.emplace_back(exactKey(metric, q.ptr<float>(i), data + size_t(c.id) * d, d), c.id);
            std::sort(exact.begin(), exact.end());   // by (key, id)
            for (int r = 0; r < k; ++r)
                out.set(row0 + i, r, exact[r].first, exact[r].second);
        }
    }, std::max(1.0, nq / 64.0));
}

void NearestNeighborIndexExactImpl::search(InputArray queries, int k, OutputArray distances,
                                           OutputArray indices) const
{
    const char* func = "NearestNeighborIndex::search";
    Mat q = queries.getMat();
    checkSearch(q, dims_, count_, k, func);
    if (q.step[0] % sizeof(float) != 0)
        q = q.clone();
    SearchOutputs out(q.rows, k, metric_, distances, indices);
    const std::shared_ptr<const ProjectionBounds> bounds = projectionBounds();
    if (!bounds || !bounds->usable) {
        gemmSearch(data_.data(), norms_.data(), count_, dims_, metric_, q, k, blocking_, out, 0);
        return;
    }
    std::vector<Range> rest;
    prunedSearch(*bounds, data_.data(), count_, q, k, blocking_, out, rest);
    for (const Range& r : rest)
        gemmSearch(data_.data(), norms_.data(), count_, dims_, metric_, q.rowRange(r), k, blocking_, out, r.start);
}

std::shared_ptr<const ProjectionBounds> NearestNeighborIndexExactImpl::projectionBounds() const
{
    const int rank = blocking_.projectionRank;
    if (metric_ == INNER_PRODUCT || rank < 1 || count_ < blocking_.minBoundedBank ||
        2 * (rank + 1) > dims_)
        return nullptr;
    std::lock_guard<std::mutex> lock(boundsMutex_);
    if (!bounds_)
        bounds_ = std::make_shared<const ProjectionBounds>(buildProjectionBounds(data_.data(), count_, dims_, rank,
                                                                                    blocking_.minCapturedVariance));
    return bounds_;
}

} // namespace

Ptr<NearestNeighborIndex> createExactIndex(int dims, int metric, const ExactSearchBlocking& blocking)
{
    const char* func = "NearestNeighborIndex::createExact";
    if (dims < 1)
        CV_Error(Error::StsOutOfRange, format("%s: dims: expected a value >= 1, found %d", func, dims));
    checkMetric(metric, func);
    CV_Assert(blocking.queryBlock >= 1 && blocking.bankBlock >= 1 && blocking.minTasks >= 1 &&
              blocking.extraCandidates >= 0);
    return makePtr<NearestNeighborIndexExactImpl>(dims, metric, blocking);
}

} // namespace detail

Ptr<NearestNeighborIndex> NearestNeighborIndex::createExact(int dims, int metric)
{
    return detail::createExactIndex(dims, metric, detail::ExactSearchBlocking());
}

}} // namespace cv::uniSLAD
