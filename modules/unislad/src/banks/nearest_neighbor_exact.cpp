// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "avx512_warnings.hpp"   // first: see there
#include "precomp.hpp"
#include "banks/nearest_neighbor_impl.hpp"
#include "eigen.hpp"

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

namespace cv {
namespace uniSLAD {
namespace detail {

namespace {

using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/** A candidate: ranking key (smaller is nearer) and bank id. */
struct Candidate
{
    float key;
    int id;
};

/** Total order on candidates: key, then id (ties go to the smaller id). */
inline bool candidateLess(const Candidate& a, const Candidate& b)
{
    return a.key < b.key || (a.key == b.key && a.id < b.id);
}

/** Lists longer than this are kept as a binary max-heap, shorter ones as a sorted array. */
constexpr int kHeapThreshold = 32;

/** Bounded list of the `capacity` smallest candidates of one query. Candidates arrive with
    increasing ids, so a new one is admitted only if its key is strictly smaller than the worst. */
struct TopList
{
    Candidate* items;
    int& count;
    int capacity;
    bool heap;

    float threshold() const
    {
        if (count < capacity)
            return std::numeric_limits<float>::infinity();
        return heap ? items[0].key : items[capacity - 1].key;
    }

    void push(Candidate c)
    {
        if (heap) {
            if (count < capacity) {
                items[count++] = c;
                std::push_heap(items, items + count, candidateLess);
            } else {
                std::pop_heap(items, items + capacity, candidateLess);
                items[capacity - 1] = c;
                std::push_heap(items, items + capacity, candidateLess);
            }
            return;
        }
        int pos = count < capacity ? count++ : capacity - 1;
        while (pos > 0 && candidateLess(c, items[pos - 1])) {
            items[pos] = items[pos - 1];
            --pos;
        }
        items[pos] = c;
    }
};

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
    }

    void search(InputArray queries, int k, OutputArray distances, OutputArray indices) const CV_OVERRIDE;

private:
    int dims_;
    int metric_;
    ExactSearchBlocking blocking_;
    std::vector<float> data_;    // count_ × dims_, row-major
    std::vector<float> norms_;   // squared norms of the rows (double accumulation, rounded)
    int count_ = 0;
};

void NearestNeighborIndexExactImpl::search(InputArray queries, int k, OutputArray distances,
                                           OutputArray indices) const
{
    const char* func = "NearestNeighborIndex::search";
    Mat q = queries.getMat();
    checkSearch(q, dims_, count_, k, func);
    if (q.step[0] % sizeof(float) != 0)
        q = q.clone();

    const int d = dims_;
    const int nq = q.rows;
    const int nb = count_;
    const int kc = std::min(nb, k + std::max(0, blocking_.extraCandidates));
    const bool useHeap = kc > kHeapThreshold;
    const bool l2 = metric_ != INNER_PRODUCT;

    // Work split (sizes only, thread-independent).
    const int qb = std::max(1, std::min(blocking_.queryBlock, nq));
    const int bb = std::max(1, std::min(blocking_.bankBlock, nb));
    const int nQueryBlocks = (nq + qb - 1) / qb;
    const int nBankBlocks = (nb + bb - 1) / bb;
    int nChunks = 1;
    if (nQueryBlocks < blocking_.minTasks)
        nChunks = std::min(nBankBlocks, (blocking_.minTasks + nQueryBlocks - 1) / nQueryBlocks);
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
                Eigen::Map<const RowMatrixF> bm(data_.data() + size_t(b0) * d, mb, d);
                Eigen::Map<RowMatrixF> s(buffer.data(), mq, mb);
                s.noalias() = qm * bm.transpose();

                const float* bn = norms_.data() + b0;
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
    SearchOutputs out(nq, k, metric_, distances, indices);
    const int metric = metric_;
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
            Eigen::Map<const Eigen::VectorXf> qv(q.ptr<float>(i), d);
            exact.clear();
            for (const Candidate& c : merged) {
                Eigen::Map<const Eigen::VectorXf> bv(data_.data() + size_t(c.id) * d, d);
                const double key = metric == INNER_PRODUCT
                    ? -qv.cast<double>().dot(bv.cast<double>())
                    : (qv.cast<double>() - bv.cast<double>()).squaredNorm();
                exact.emplace_back(key, c.id);
            }
            std::sort(exact.begin(), exact.end());   // by (key, id)
            for (int r = 0; r < k; ++r)
                out.set(i, r, exact[r].first, exact[r].second);
        }
    }, std::max(1.0, nq / 64.0));
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
