// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "avx512_warnings.hpp"   // first: see there
#include "precomp.hpp"
#include "banks/bound_kernels.hpp"
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
//    ≤ U get a distance, and U shrinks as better ones are found. That distance is first taken in
//    float (8 lanes), and only when it is within its rounding bound of U in double: the float test
//    alone rules out most of the survivors of the bounds, at a quarter of the cost.
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

/** Absolute slack of the pruning test: covers products that underflow in float. */
constexpr double kAbsoluteSlack = 1e-30;
/** A block goes back to the GEMM search when more than 1 / kFallbackRatio of its groups survive. */
constexpr int kFallbackRatio = 2;
/** Queries per call of the key kernel. */
constexpr int kQueryTile = 4;

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
        for (const std::pair<double, int>& it : items)   // a seed found again
            if (it.second == id)
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

/** Per-task scratch of one query block. */
struct BlockScratch
{
    std::vector<float> coords, coords2, groupMin;
    std::vector<double> norms;
    std::vector<Candidate> seeds;
    std::vector<int> seedCounts;
    std::vector<float> thresholds;
    std::vector<ExactTop> tops;
    float tile[kQueryTile * kGroupSize];
};

class PrunedSearch
{
public:
    PrunedSearch(const ProjectionBounds& b, const float* data, int count, const Mat& q, int k,
                 const ExactSearchBlocking& blocking)
        : b_(b), data_(data), count_(count), q_(q), k_(k),
          panels_((count + kPanelWidth - 1) / kPanelWidth), groups_((panels_ + kGroupPanels - 1) / kGroupPanels),
          seedCount_(std::min(count, k + std::max(0, blocking.extraSeeds))),
          queryBlock_(std::max(1, std::min(blocking.boundQueryBlock, q.rows))),
          distanceSlack_(floatDistanceSlack(b.dims))
    {
    }

    int queryBlock() const { return queryBlock_; }

    /** Searches queries [q0, q0 + mq); false when the block is left to the GEMM search. */
    bool run(int q0, int mq, BlockScratch& s, SearchOutputs& out) const
    {
        boundPass(q0, mq, s);
        int64_t surviving = 0;
        for (int i = 0; i < mq; ++i) {
            seedTop(q0 + i, i, s);
            const float thr = s.thresholds[i];
            const float* gm = s.groupMin.data() + size_t(i) * groups_;
            for (int g = 0; g < groups_; ++g)
                surviving += gm[g] <= thr;
        }
        if (surviving * kFallbackRatio > int64_t(mq) * groups_)
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
    int groupPanels(int g) const { return std::min(kGroupPanels, panels_ - g * kGroupPanels); }

    /** Step 1: bound keys of the block against the bank, the smallest bounds and the group minima. */
    void boundPass(int q0, int mq, BlockScratch& s) const
    {
        const int kd = b_.rank + 1;
        s.coords.resize(size_t(mq) * kd);
        s.coords2.resize(size_t(mq) * kd);
        s.norms.resize(mq);
        s.groupMin.resize(size_t(mq) * groups_);
        s.seeds.resize(size_t(mq) * seedCount_);
        s.seedCounts.assign(mq, 0);
        b_.project(q_.ptr<float>(q0), q_.step[0] / sizeof(float), mq, s.coords.data(), s.norms.data());
        for (size_t c = 0; c < s.coords.size(); ++c)
            s.coords2[c] = 2.f * s.coords[c];   // exact: the kernel then subtracts 2 q̃·b̃ directly
        const bool useHeap = seedCount_ > kHeapThreshold;
        for (int g = 0; g < groups_; ++g) {
            const int np = groupPanels(g), n = np * kPanelWidth, base = g * kGroupSize;
            for (int r0 = 0; r0 < mq; r0 += kQueryTile) {
                const int nq = std::min(kQueryTile, mq - r0);
                groupKeys(s.coords2.data() + size_t(r0) * kd, nq, kd, b_.panels.data(), b_.panelNorms.data(),
                          g * kGroupPanels, np, s.tile);
                for (int r = 0; r < nq; ++r) {
                    const int i = r0 + r;
                    const float* keys = s.tile + r * kGroupSize;
                    const float m = minimumOf(keys, n);
                    s.groupMin[size_t(i) * groups_ + g] = m;
                    TopList list{s.seeds.data() + size_t(i) * seedCount_, s.seedCounts[i], seedCount_, useHeap};
                    if (!(m < list.threshold()))
                        continue;
                    for (int j = 0; j < n; ++j)
                        if (keys[j] < list.threshold())
                            list.push(Candidate{keys[j], base + j});
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

    /** Step 3: exact distances of the vectors whose bound is within the threshold (the group's keys
        recomputed for this query alone: the same values as in step 1). */
    void visitSurvivors(int qi, int i, BlockScratch& s) const
    {
        const int kd = b_.rank + 1;
        ExactTop& top = s.tops[i];
        const float* gm = s.groupMin.data() + size_t(i) * groups_;
        float thr = s.thresholds[i];
        for (int g = 0; g < groups_; ++g) {
            if (!(gm[g] <= thr))
                continue;
            const int np = groupPanels(g), base = g * kGroupSize;
            const int n = std::min(np * kPanelWidth, count_ - base);
            groupKeys(s.coords2.data() + size_t(i) * kd, 1, kd, b_.panels.data(), b_.panelNorms.data(),
                      g * kGroupPanels, np, s.tile);
            for (int j = 0; j < n; ++j) {
                if (!(s.tile[j] <= thr))
                    continue;
                const int id = base + j;
                const float* q = q_.ptr<float>(qi);
                const float* v = data_ + size_t(id) * b_.dims;
                const double u = top.worst();
                if (double(squaredDistanceF(q, v, b_.dims)) > u * (1.0 + distanceSlack_) + kAbsoluteSlack)
                    continue;   // certainly farther than the k-th best
                top.push(exactKey(NearestNeighborIndex::L2, q, v, b_.dims), id);
                thr = keyThreshold(top.worst(), s.norms[i]);
            }
        }
    }

    const ProjectionBounds& b_;
    const float* data_;
    int count_;
    const Mat& q_;
    int k_;
    int panels_, groups_;
    int seedCount_;
    int queryBlock_;
    double distanceSlack_;
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
