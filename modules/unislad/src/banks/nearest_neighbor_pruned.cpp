// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "avx512_warnings.hpp"   // first: see there
#include "precomp.hpp"
#include "banks/exact_candidates.hpp"
#include "banks/nearest_neighbor_impl.hpp"
#include "banks/projection_bounds.hpp"

// Exact L2 search that skips most of the GEMM (NearestNeighborIndex::createExact, L2 metrics).
//
// Why: the patch search of detect is 3136 queries against a bank of about 8 000 × 256, and the full
// GEMM Q·Bᵀ spends nearly all its time on pairs that are nowhere near each other. Patch features
// have a decaying spectrum, so a few principal directions already separate most pairs: with P the
// leading `rank` principal directions of the bank, R = I − PᵀP and μ its mean, every pair satisfies
//     ‖P(q − b)‖² + (‖R(q − μ)‖ − ‖R(b − μ)‖)² ≤ ‖q − b‖²,
// i.e. ‖q̃ − b̃‖² ≤ ‖q − b‖² for the (rank + 1)-dimensional coordinates x̃ = [P(x − μ), ‖R(x − μ)‖]
// (projection_bounds.hpp). Those bounds are one GEMM of depth rank + 1 instead of dims, with the same
// blocked kernel and key trick as the plain search (key = ‖b̃‖² − 2 q̃·b̃). A bank vector whose bound
// is above the k-th best exact distance found cannot be among the k nearest, so only the rest get
// their exact distance, which alone decides the result. The result is therefore the exact k-NN by
// (double-accumulated distance, id), the same as a brute force in double, whatever the basis: the
// basis only decides how much is skipped.
//
// Per block of queries (the split depends on the sizes only, never on the thread count):
// 1. x̃ of the queries (double, rounded to float), then the bound keys of the whole bank, kept for the
//    block (block × count floats: the block shrinks for large banks so that this stays near 4 MiB),
//    streamed into a list of the k + extraSeeds smallest bounds and a minimum per group of
//    `boundGroup` bank vectors.
// 2. Exact distances of that list: the k-th best U is an upper bound of the true k-th distance.
// 3. Only groups whose minimum bound is ≤ U are visited; within them only vectors whose bound is
//    ≤ U get an exact distance, and U shrinks as better ones are found.
// Rounding: the float bound keys err by at most about (rank + 8)·2⁻²⁴·(‖q̃‖² + ‖b̃‖²); the test gives
// kBoundSlack = 1e-4 of that sum (folded into the stored norms, so it costs nothing), plus an absolute
// 1e-30 for underflow, and the threshold is rounded up to float: a vector is skipped only when its true
// bound, hence its true distance, exceeds U.
// Isotropic data (no decaying spectrum) makes the bounds useless: a block where more than a quarter of
// the pairs survive (an exact distance costs about four pairs of the GEMM) is handed back to the GEMM
// search (its bound GEMM, about (rank + 1) / dims of the full one, is then wasted).

namespace cv {
namespace uniSLAD {
namespace detail {

namespace {

using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/** Target size of one block's bound keys (floats): the query block shrinks for large banks. */
constexpr size_t kKeyBudget = size_t(1) << 20;
/** Absolute slack of the pruning test: covers products that underflow in float. */
constexpr double kAbsoluteSlack = 1e-30;
/** An exact distance costs about this many pairs of the GEMM search: a block goes back to it when more
    than 1 / kExactCost of its pairs survive the bounds. */
constexpr int kExactCost = 4;

/** The k best (exact key, id) pairs of one query, sorted. */
struct ExactTop
{
    std::vector<std::pair<double, int>> items;
    int k;

    void clear() { items.clear(); }
    bool full() const { return int(items.size()) == k; }
    double worst() const { return full() ? items.back().first : std::numeric_limits<double>::infinity(); }

    void push(double key, int id)
    {
        const std::pair<double, int> c(key, id);
        if (full() && !(c < items.back()))
            return;
        if (full())
            items.pop_back();
        items.insert(std::upper_bound(items.begin(), items.end(), c), c);
    }
};

/** The float threshold on bound keys for an upper bound u of the k-th squared distance: a bank
    vector with key ≤ the result may be within u. */
float keyThreshold(double u, double queryNorm)
{
    const double t = u - (1.0 - kBoundSlack) * queryNorm + kAbsoluteSlack;
    float f = float(t);
    if (double(f) < t)
        f = std::nextafter(f, std::numeric_limits<float>::infinity());
    return f;
}

/** Minimum of n floats, in 8 lanes (a plain loop is not vectorised: std::min is not associative for
    the compiler). */
inline float groupMinimum(const float* x, int n)
{
    float lanes[8];
    const int n8 = n & ~7;
    if (n8 == 0)
        return *std::min_element(x, x + n);
    std::copy(x, x + 8, lanes);
    for (int j = 8; j < n8; j += 8)
        for (int l = 0; l < 8; ++l)
            lanes[l] = std::min(lanes[l], x[j + l]);
    float m = *std::min_element(lanes, lanes + 8);
    for (int j = n8; j < n; ++j)
        m = std::min(m, x[j]);
    return m;
}

/** Number of the n floats at x that are ≤ t. */
inline int countAtMost(const float* x, int n, float t)
{
    int c = 0;
    for (int j = 0; j < n; ++j)
        c += x[j] <= t;
    return c;
}

/** Bank geometry of the bound pass: blocks of `bankBlock` vectors, each cut into groups. */
struct Groups
{
    int count, bankBlock, group, perBlock, total;

    Groups(int count_, int bankBlock_, int group_)
        : count(count_), bankBlock(bankBlock_), group(group_), perBlock((bankBlock_ + group_ - 1) / group_)
    {
        total = ((count + bankBlock - 1) / bankBlock) * perBlock;
    }
    Range range(int g) const
    {
        const int block = g / perBlock;
        const int b0 = block * bankBlock + (g % perBlock) * group;
        const int end = std::min(count, (block + 1) * bankBlock);
        return Range(std::min(b0, end), std::min(b0 + group, end));
    }
};

/** Per-task scratch of one query block. */
struct BlockScratch
{
    std::vector<float> coords, coords2, keys, groupMin;
    std::vector<double> norms;
    std::vector<Candidate> seeds;
    std::vector<int> seedCounts;
    std::vector<float> thresholds;
    std::vector<ExactTop> tops;
};

class PrunedSearch
{
public:
    PrunedSearch(const ProjectionBounds& b, const float* data, int count, const Mat& q, int k,
                 const ExactSearchBlocking& blocking)
        : b_(b), data_(data), count_(count), q_(q), k_(k),
          groups_(count, std::max(1, std::min(blocking.bankBlock, count)), std::max(1, blocking.boundGroup)),
          seedCount_(std::min(count, k + std::max(0, blocking.extraSeeds)))
    {
        const int byBudget = int(std::max<size_t>(1, kKeyBudget / size_t(count)));
        queryBlock_ = std::max(1, std::min({blocking.boundQueryBlock, byBudget, q.rows}));
    }

    int queryBlock() const { return queryBlock_; }

    /** Searches queries [q0, q0 + mq); false when the block is left to the GEMM search. */
    bool run(int q0, int mq, BlockScratch& s, SearchOutputs& out) const
    {
        boundKeys(q0, mq, s);
        int64_t surviving = 0;
        for (int i = 0; i < mq; ++i) {
            seedTop(q0 + i, i, s);
            const float thr = s.thresholds[i];
            const float* gm = s.groupMin.data() + size_t(i) * groups_.total;
            const float* row = s.keys.data() + size_t(i) * count_;
            for (int g = 0; g < groups_.total; ++g) {
                if (gm[g] <= thr) {
                    const Range r = groups_.range(g);
                    surviving += countAtMost(row + r.start, r.end - r.start, thr);
                }
            }
        }
        if (surviving * kExactCost > int64_t(mq) * count_)
            return false;
        for (int i = 0; i < mq; ++i) {
            visitSurvivors(q0 + i, i, s);
            const ExactTop& top = s.tops[i];
            for (int r = 0; r < k_; ++r)
                out.set(q0 + i, r, top.items[r].first, top.items[r].second);
        }
        return true;
    }

private:
    /** Step 1: bound keys of the block against the bank, the smallest bounds and the group minima. */
    void boundKeys(int q0, int mq, BlockScratch& s) const
    {
        const int kd = b_.rank + 1;
        const int nb = count_;
        s.coords.resize(size_t(mq) * kd);
        s.norms.resize(mq);
        s.keys.resize(size_t(mq) * nb);
        s.groupMin.assign(size_t(mq) * groups_.total, std::numeric_limits<float>::infinity());
        s.seeds.resize(size_t(mq) * seedCount_);
        s.seedCounts.assign(mq, 0);
        b_.project(q_.ptr<float>(q0), q_.step[0] / sizeof(float), mq, s.coords.data(), s.norms.data());
        // 2 q̃ (exact in float): the GEMM below then subtracts 2 q̃·b̃ from ‖b̃‖² in place, with no
        // zeroing of its output and no second pass over it.
        s.coords2.resize(s.coords.size());
        for (size_t c = 0; c < s.coords.size(); ++c)
            s.coords2[c] = 2.f * s.coords[c];
        Eigen::Map<const RowMatrixF> qm(s.coords2.data(), mq, kd);
        const bool useHeap = seedCount_ > kHeapThreshold;
        const int bb = groups_.bankBlock;
        for (int b0 = 0; b0 < nb; b0 += bb) {
            const int mb = std::min(nb, b0 + bb) - b0;
            Eigen::Map<const RowMatrixF> bm(b_.coords.data() + size_t(b0) * kd, mb, kd);
            Eigen::Map<RowMatrixF, Eigen::Unaligned, Eigen::OuterStride<>> keys(
                s.keys.data() + b0, mq, mb, Eigen::OuterStride<>(nb));
            const float* bn = b_.keyNorms.data() + b0;
            for (int i = 0; i < mq; ++i)
                std::copy(bn, bn + mb, s.keys.data() + size_t(i) * nb + b0);
            keys.noalias() -= qm * bm.transpose();
            const int firstGroup = (b0 / bb) * groups_.perBlock;
            for (int i = 0; i < mq; ++i) {
                const float* row = s.keys.data() + size_t(i) * nb + b0;
                TopList list{s.seeds.data() + size_t(i) * seedCount_, s.seedCounts[i], seedCount_, useHeap};
                float* gm = s.groupMin.data() + size_t(i) * groups_.total + firstGroup;
                for (int j0 = 0, g = 0; j0 < mb; j0 += groups_.group, ++g) {
                    const int j1 = std::min(mb, j0 + groups_.group);
                    const float m = groupMinimum(row + j0, j1 - j0);
                    gm[g] = m;
                    if (!(m < list.threshold()))
                        continue;
                    for (int j = j0; j < j1; ++j)
                        if (row[j] < list.threshold())
                            list.push(Candidate{row[j], b0 + j});
                }
            }
        }
    }

    /** Step 2: exact distances of the smallest bounds; the threshold from the k-th best. */
    void seedTop(int qi, int i, BlockScratch& s) const
    {
        ExactTop& top = s.tops[i];
        top.clear();
        const Candidate* seeds = s.seeds.data() + size_t(i) * seedCount_;
        for (int c = 0; c < s.seedCounts[i]; ++c)
            top.push(exactKey(NearestNeighborIndex::L2, q_.ptr<float>(qi), data_ + size_t(seeds[c].id) * b_.dims,
                              b_.dims), seeds[c].id);
        s.thresholds[i] = keyThreshold(top.worst(), s.norms[i]);
    }

    /** Step 3: exact distances of the vectors whose bound is within the threshold. */
    void visitSurvivors(int qi, int i, BlockScratch& s) const
    {
        ExactTop& top = s.tops[i];
        const Candidate* seeds = s.seeds.data() + size_t(i) * seedCount_;
        const int nSeeds = s.seedCounts[i];
        const float* row = s.keys.data() + size_t(i) * count_;
        const float* gm = s.groupMin.data() + size_t(i) * groups_.total;
        float thr = s.thresholds[i];
        for (int g = 0; g < groups_.total; ++g) {
            if (!(gm[g] <= thr))
                continue;
            const Range r = groups_.range(g);
            for (int j = r.start; j < r.end; ++j) {
                if (!(row[j] <= thr))
                    continue;
                bool seen = false;
                for (int c = 0; c < nSeeds && !seen; ++c)
                    seen = seeds[c].id == j;
                if (seen)
                    continue;
                top.push(exactKey(NearestNeighborIndex::L2, q_.ptr<float>(qi), data_ + size_t(j) * b_.dims, b_.dims), j);
                thr = keyThreshold(top.worst(), s.norms[i]);
            }
        }
    }

    const ProjectionBounds& b_;
    const float* data_;
    int count_;
    const Mat& q_;
    int k_;
    Groups groups_;
    int seedCount_;
    int queryBlock_ = 1;
};

} // namespace

void prunedSearch(const ProjectionBounds& bounds, const float* data, int count, const Mat& q, int k,
                  const ExactSearchBlocking& blocking, SearchOutputs& out, std::vector<Range>& rest)
{
    CV_Assert(bounds.usable && q.cols == bounds.dims && k >= 1 && k <= count);
    const PrunedSearch search(bounds, data, count, q, k, blocking);
    const int qb = search.queryBlock();
    const int nBlocks = (q.rows + qb - 1) / qb;
    std::vector<uchar> handedBack(nBlocks, 0);
    parallel_for_(Range(0, nBlocks), [&](const Range& range) {
        BlockScratch s;
        s.thresholds.resize(qb);
        s.tops.assign(qb, ExactTop{{}, k});
        for (int block = range.start; block < range.end; ++block) {
            const int q0 = block * qb;
            handedBack[block] = !search.run(q0, std::min(q.rows, q0 + qb) - q0, s, out);
        }
    }, nBlocks);
    for (int block = 0; block < nBlocks; ++block) {
        if (!handedBack[block])
            continue;
        const int q0 = block * qb, q1 = std::min(q.rows, q0 + qb);
        if (!rest.empty() && rest.back().end == q0)
            rest.back().end = q1;
        else
            rest.push_back(Range(q0, q1));
    }
}

}}} // namespace cv::uniSLAD::detail
