// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "avx512_warnings.hpp"   // first: see there
#include "precomp.hpp"

#include "banks/greedy_kcenter.hpp"
#include "banks/for_blocks.hpp"
#include "banks/tournament.hpp"

#include <atomic>
#include <memory>

// Greedy k-center selection (paper Eq. 5), exact and pruned.
//
// State: every point x keeps its assigned centre a(x) and mind(x) = dist²(x, c_a(x)), the squared
// distance to its nearest centre so far. Points are grouped in cluster lists, one per centre, and each
// cluster keeps its radius R_j = max mind over its members (selected rows excluded) and the smallest
// member index reaching it. The next centre is the best cluster's argmax (largest R, then smallest
// index), found in a tournament tree. When a centre c' is added, a point x of cluster j can only come
// closer to c' than to c_j if d(c', c_j) < 2 d(x, c_j) (triangle inequality), so:
//   * cluster j is skipped whole when d²(c', c_j) >= 4 R_j; a cheap lower bound of d(c', c_j) from
//     the distances of both centres to a few pivot centres (the first selected ones) rejects most
//     far clusters without touching their centre vectors;
//   * inside a remaining cluster, point x is skipped when d²(c', c_j) >= 4 mind(x);
//   * every other point gets dist²(x, c') and moves to c' when strictly closer; the distance is
//     accumulated in stages and abandoned as soon as a partial sum reaches mind(x) (exact: partial
//     sums of the same lanes never exceed the full value).
// Each cluster stores a copy of its members' rows contiguously, so the updates stream through
// memory; leaving rows are replaced by the cluster's last row. Projected rows (and the centres) are
// stored as binary16 numbers with one power-of-two scale (see roundToHalf(); project() returns the
// float values they stand for), which halves the memory traffic of the updates; the distances are
// computed in float from the exactly converted values, the same arithmetic as on the floats. Rows
// selected in the original space (no projection) stay in float. Memory: the projected rows once
// (plus, briefly, their float projection), plus O(N + k·d') bookkeeping.
// Skipping is only done when it is provably safe for the computed (rounded) values: the comparisons
// carry a relative margin larger than the rounding error of the squared distances, so the skipped
// points are exactly those whose computed distance to c' would not have been smaller than mind(x).
// All distances are computed as detail::coresetSquaredDistance computes them on the float values, so
// the selection equals the brute-force greedy algorithm's bit for bit. Every parallel loop works on a fixed partition into
// blocks and every reduction orders by (value, index), so the result does not depend on the thread
// count.

namespace cv {
namespace uniSLAD {
namespace detail {
namespace coreset {

namespace {

/** A member of a cluster: row index and its squared distance to the cluster's centre. During a step,
    idx < 0 marks a row (~idx) that leaves for the new centre. */
struct Member
{
    int idx;
    float d;
};
static_assert(sizeof(Member) == 8, "the member scan reads members as pairs of floats");

/** Index of the lowest set bit of a non-zero mask. */
inline int lowestBit(unsigned m)
{
#if defined(__GNUC__)
    return __builtin_ctz(m);
#else
    int i = 0;
    while (!(m & 1u)) {
        m >>= 1;
        ++i;
    }
    return i;
#endif
}

/** A cluster's members, with a copy of their rows stored contiguously in the same order, so that
    the distance updates stream through memory instead of gathering scattered rows. */
template <typename T>
struct Cluster
{
    std::vector<Member> mem;
    std::vector<T> rows;

    void clear()
    {
        mem.clear();
        rows.clear();
    }
    /** Gives memory back once a cluster has shrunk well below what it once held. */
    void trim()
    {
        if (mem.capacity() > 4 * mem.size() + 64) {
            mem.shrink_to_fit();
            rows.shrink_to_fit();
        }
    }
};

/** The greedy k-center state. */
template <typename Format>
class GreedyKCenter
{
public:
    typedef typename Format::T T;

    GreedyKCenter(const Format& fmt, int n, int p, int count)
        : fmt_(fmt), n_(n), p_(p), count_(count), tree_(count)
    {
        const double u = std::ldexp(1.0, -24);
        // Bound of the relative rounding error of sqDist (non-negative terms summed in at most
        // p/16 + 4 steps, plus the rounding of the difference and of the square), with room to spare.
        // Skipping a point needs d²(c', c_j) >= 4 (1 + m) mind(x) with m > 2 delta (see the file
        // comment); m = 8 delta + 64 u also absorbs the rounding of the threshold itself.
        const double delta = (p_ + 16) * u;
        thrScale_ = 1.0 / (4.0 * (1.0 + 8.0 * delta + 64.0 * u));
        // The pivot bound |s(c', π) - s(c_j, π)| is off by at most (delta / 2 + 3u)(s + s') for the
        // computed square roots s; eta is generous.
        pivotEta_ = (float)(2.0 * delta + 16.0 * u);
        numPivots_ = std::min(kMaxPivots, count_);
    }

    /** Runs the selection on the rows of y (continuous, n × p), released once copied. */
    std::vector<int> run(Mat& y, int start);

private:
    static constexpr int kMaxPivots = 8;
    static constexpr int kScanBlock = 2048;
    static constexpr int kPointBlock = 4096;
    static constexpr int kParallelWork = 16384;

    /** Centre j as stored (row format); the newest centre's float values are in cur_. */
    const T* centre(int j) const { return centres_.data() + (size_t)j * p_; }
    void setCentre(int t, const T* x)
    {
        std::copy(x, x + p_, centres_.begin() + (size_t)t * p_);
        for (int i = 0; i < p_; ++i)
            cur_[i] = fmt_.value(x[i]);
    }
    float& pivotDist(int a, int j) { return pivotDist_[(size_t)a * count_ + j]; }

    void initFirst(const Mat& y, int start);
    void addPivotDistances(int t);
    void findCandidates(int t, int forced);
    void updatePoints(int q, int b);
    void compactClusters(int t, int q);

    Format fmt_;
    int n_, p_, count_;
    double thrScale_;
    float pivotEta_;
    int numPivots_;

    std::vector<Cluster<T>> clusters_;
    std::vector<int> keyPos_;      // position of each cluster's key row in its lists
    std::vector<T> centres_;
    std::vector<float> cur_;
    std::vector<float> pivotDist_;
    Tournament tree_;

    // Per-step scratch: candidate clusters (increasing slot order), their skip thresholds, the prefix
    // sums of their sizes, what each one loses to the new centre and its new key.
    std::vector<std::vector<int>> blockCand_;
    std::vector<int> cand_;
    std::vector<float> candThr_;
    std::vector<char> candKeep_;
    std::vector<int> candOffset_;
    std::unique_ptr<std::atomic<unsigned char>[]> candChanged_;   // a member left (any thread may set it)
    int candChangedSize_ = 0;
    std::vector<int> changed_;
    std::vector<Cluster<T>> moved_;
    std::vector<Key> candKey_;
    std::vector<int> candKeyPos_;
};

template <typename Format>
void GreedyKCenter<Format>::initFirst(const Mat& y, int start)
{
    const int p = p_;
    setCentre(0, y.ptr<T>(start));
    const float* c0 = cur_.data();
    Cluster<T>& c = clusters_[0];
    c.mem.resize(n_ - 1);
    c.rows.resize((size_t)(n_ - 1) * p);
    const int nblocks = (n_ + kPointBlock - 1) / kPointBlock;
    std::vector<Key> blockKey(nblocks, kEmptyKey);
    forBlocks(n_, kPointBlock, n_ >= kParallelWork, [&](int b, int i0, int i1) {
        Key k = kEmptyKey;
        for (int i = i0; i < i1; ++i) {
            if (i == start)
                continue;
            const int pos = i < start ? i : i - 1;
            const T* x = y.ptr<T>(i);
            std::copy(x, x + p, c.rows.begin() + (size_t)pos * p);
            const float d = sqDistRow(fmt_, x, c0, p);
            c.mem[pos] = Member{i, d};
            const Key ki = {d, i};
            if (better(ki, k))
                k = ki;
        }
        blockKey[b] = k;
    });
    Key k0 = kEmptyKey;
    for (const Key& k : blockKey)
        if (better(k, k0))
            k0 = k;
    tree_.set(0, k0);
    keyPos_[0] = k0.idx < start ? k0.idx : k0.idx - 1;
}

template <typename Format>
void GreedyKCenter<Format>::addPivotDistances(int t)
{
    const float* c = cur_.data();
    for (int a = 0; a < std::min(t, numPivots_); ++a)
        pivotDist(a, t) = std::sqrt(sqDistRow(fmt_, centre(a), c, p_));
    if (t < numPivots_) {
        for (int j = 0; j < t; ++j)
            pivotDist(t, j) = std::sqrt(sqDistRow(fmt_, centre(j), c, p_));
        pivotDist(t, t) = 0.f;
    }
}

template <typename Format>
void GreedyKCenter<Format>::findCandidates(int t, int forced)
{
    const int np = std::min(t + 1, numPivots_);
    const float* c = cur_.data();
    const int nblocks = (t + kScanBlock - 1) / kScanBlock;
    if ((int)blockCand_.size() < nblocks)
        blockCand_.resize(nblocks);
    float st[kMaxPivots];
    for (int a = 0; a < np; ++a)
        st[a] = pivotDist(a, t);
    const float eta = pivotEta_;
    const double thrScale = thrScale_;

    // Cheap rejection: lower bound of d(c', c_j) from the pivots, vectorised over j.
    forBlocks(t, kScanBlock, t >= 4 * kScanBlock, [&](int b, int j0, int j1) {
        std::vector<int>& out = blockCand_[b];
        out.clear();
        float lb[kScanBlock];
        const int m = j1 - j0;
        for (int i = 0; i < m; ++i)
            lb[i] = 0.f;
        for (int a = 0; a < np; ++a) {
            const float s = st[a];
            const float* pd = &pivotDist(a, j0);
            for (int i = 0; i < m; ++i) {
                const float v = std::abs(s - pd[i]) - eta * (s + pd[i]);
                lb[i] = std::max(lb[i], v);
            }
        }
        for (int i = 0; i < m; ++i) {
            const int j = j0 + i;
            const float r = tree_.key(j).r;
            if (j != forced) {
                if (r <= 0.f)   // empty, or every member on its centre: nobody can come closer
                    continue;
                if ((double)lb[i] * lb[i] * thrScale >= r)
                    continue;
            }
            out.push_back(j);
        }
    });

    cand_.clear();
    for (int b = 0; b < nblocks; ++b)
        cand_.insert(cand_.end(), blockCand_[b].begin(), blockCand_[b].end());

    // Exact centre-to-centre distances for the clusters the bound did not reject. The distance is
    // accumulated over about half the dimensions first: a partial sum whose threshold already reaches
    // the radius rejects the cluster (the full sum is not smaller, and the threshold is monotonic).
    const int nc = (int)cand_.size();
    candThr_.resize(nc);
    candKeep_.resize(nc);
    const int half = p_ / 2 / 16 * 16;
    forBlocks(nc, 256, nc >= 1024, [&](int, int i0, int i1) {
        const Load16 ld(fmt_);
        for (int i = i0; i < i1; ++i) {
            const int j = cand_[i];
            if (i + 4 < i1)
                prefetchValues(centre(cand_[i + 4]), p_);
            const T* cj = centre(j);
            const float r = tree_.key(j).r;
            Lanes acc = Lanes::zero();
            int s = 0;
            for (; s < half; s += 16)
                acc.step(ld, cj + s, c + s);
            if (half > 0 && j != forced && (float)(acc.reduce() * thrScale) >= r) {
                candKeep_[i] = 0;
                continue;
            }
            for (; s + 16 <= p_; s += 16)
                acc.step(ld, cj + s, c + s);
            if (s < p_)
                tailStep(acc, fmt_, cj + s, c + s, p_ - s);
            const double dcc = acc.reduce();   // = sqDistRow(fmt_, cj, c, p_)
            candThr_[i] = (float)(dcc * thrScale);
            candKeep_[i] = (j == forced) || candThr_[i] < r;
        }
    });
    int w = 0;
    for (int i = 0; i < nc; ++i)
        if (candKeep_[i]) {
            cand_[w] = cand_[i];
            candThr_[w] = candThr_[i];
            ++w;
        }
    cand_.resize(w);
    candThr_.resize(w);
}

template <typename Format>
void GreedyKCenter<Format>::updatePoints(int q, int b)
{
    const int nc = (int)cand_.size();
    candOffset_.resize(nc + 1);
    candOffset_[0] = 0;
    for (int i = 0; i < nc; ++i)
        candOffset_[i + 1] = candOffset_[i] + (int)clusters_[cand_[i]].mem.size();
    const int total = candOffset_[nc];
    const float* c = cur_.data();
    const int p = p_;
    if (candChangedSize_ < nc) {
        candChangedSize_ = std::max(nc, 2 * candChangedSize_);
        candChanged_.reset(new std::atomic<unsigned char>[candChangedSize_]);
    }
    for (int i = 0; i < nc; ++i)
        candChanged_[i].store(0, std::memory_order_relaxed);

    // The new centre leaves its cluster (always a candidate). Its distance is set to 0, so the scan
    // below skips it (every threshold is >= 0).
    {
        const int bi = (int)(std::lower_bound(cand_.begin(), cand_.end(), b) - cand_.begin());
        CV_Assert(bi < nc && cand_[bi] == b);
        Member& mq = clusters_[b].mem[keyPos_[b]];
        CV_Assert(mq.idx == q);
        mq.idx = ~q;
        mq.d = 0.f;
        candChanged_[bi].store(1, std::memory_order_relaxed);
    }

    forBlocks(total, kPointBlock, total >= kParallelWork, [&](int, int s0, int s1) {
        BoundedDistances<Format> eval(fmt_, p);
        const int kBatch = BoundedDistances<Format>::kBatch;
        Member* pending[kBatch];
        int pendingCand[kBatch];
        const T* xs[kBatch];
        float bound[kBatch], dist[kBatch];
        const int first = eval.firstStage();
        int np = 0;
        auto flush = [&]() {
            eval.compute(c, xs, bound, np, dist);
            for (int k = 0; k < np; ++k)
                if (dist[k] < bound[k]) {
                    pending[k]->d = dist[k];
                    pending[k]->idx = ~pending[k]->idx;
                    candChanged_[pendingCand[k]].store(1, std::memory_order_relaxed);
                }
            np = 0;
        };
        int ci = (int)(std::upper_bound(candOffset_.begin(), candOffset_.end(), s0) - candOffset_.begin()) - 1;
        int s = s0;
        while (s < s1) {
            while (candOffset_[ci + 1] <= s)
                ++ci;
            // Small clusters are many: ask for the lists of the next ones ahead.
            if (ci + 4 < nc)
                prefetchValues(&clusters_[cand_[ci + 4]], 1);
            if (ci + 2 < nc) {
                const Cluster<T>& next = clusters_[cand_[ci + 2]];
                prefetchValues(next.mem.data(), std::min((int)next.mem.size(), 16));
            }
            Cluster<T>& cl = clusters_[cand_[ci]];
            Member* const mem = cl.mem.data();
            const T* const rows = cl.rows.data();
            const float thr = candThr_[ci];
            const int cand = ci;
            const int pend = std::min(s1, candOffset_[ci + 1]) - candOffset_[ci];
            int pos = s - candOffset_[ci];
            s += pend - pos;
            // Points with mind(x) <= thr are provably not closer to c'; the others are evaluated.
            auto take = [&](int r) {
                pending[np] = mem + r;
                pendingCand[np] = cand;
                xs[np] = rows + (size_t)r * p;
                prefetchValues(xs[np], first);
                bound[np] = mem[r].d;
                if (++np == kBatch)
                    flush();
            };
#if defined(__AVX512F__)
            // Eight members {idx, d} at a time: compare the d lanes.
            const __m512 thrv = _mm512_set1_ps(thr);
            for (; pos + 8 <= pend; pos += 8) {
                unsigned mk = _mm512_mask_cmp_ps_mask((__mmask16)0xAAAA, _mm512_loadu_ps((const float*)(mem + pos)),
                                                      thrv, _CMP_GT_OQ);
                while (mk) {
                    take(pos + (lowestBit(mk) >> 1));
                    mk &= mk - 1;
                }
            }
#endif
            for (; pos < pend; ++pos)
                if (mem[pos].d > thr)
                    take(pos);
        }
        if (np > 0)
            flush();
    });
}

template <typename Format>
void GreedyKCenter<Format>::compactClusters(int t, int q)
{
    // Only the clusters that lost members change.
    changed_.clear();
    int total = 0;
    for (int i = 0; i < (int)cand_.size(); ++i)
        if (candChanged_[i].load(std::memory_order_relaxed)) {
            changed_.push_back(cand_[i]);
            total += candOffset_[i + 1] - candOffset_[i];
        }
    const int nc = (int)changed_.size();
    const int p = p_;
    if ((int)moved_.size() < nc)
        moved_.resize(nc);
    candKey_.resize(nc);
    candKeyPos_.resize(nc);
    const int block = std::max(1, nc / 64);
    forBlocks(nc, block, total >= kParallelWork && nc > 1, [&](int, int i0, int i1) {
        for (int i = i0; i < i1; ++i) {
            Cluster<T>& cl = clusters_[changed_[i]];
            Cluster<T>& mv = moved_[i];
            mv.clear();
            Key k = kEmptyKey;
            int kpos = -1;
            // Leaving rows are replaced by the last row (one copy per leaving row; the order of a
            // cluster's members does not matter).
            size_t r = 0, end = cl.mem.size();
            while (r < end) {
                const Member m = cl.mem[r];
                T* x = cl.rows.data() + r * p;
                if (m.idx >= 0) {
                    const Key km = {m.d, m.idx};
                    if (better(km, k)) {
                        k = km;
                        kpos = (int)r;
                    }
                    ++r;
                    continue;
                }
                if (~m.idx != q) {   // a selected row is not a member of any cluster
                    mv.mem.push_back(Member{~m.idx, m.d});
                    mv.rows.insert(mv.rows.end(), x, x + p);
                }
                --end;
                if (r != end) {
                    cl.mem[r] = cl.mem[end];
                    const T* last = cl.rows.data() + end * p;
                    std::copy(last, last + p, x);
                }
            }
            cl.mem.resize(end);
            cl.rows.resize(end * p);
            cl.trim();
            mv.trim();
            candKey_[i] = k;
            candKeyPos_[i] = kpos;
        }
    });

    Cluster<T>& fresh = clusters_[t];
    Key kt = kEmptyKey;
    int ktpos = -1;
    for (int i = 0; i < nc; ++i) {
        tree_.set(changed_[i], candKey_[i]);
        keyPos_[changed_[i]] = candKeyPos_[i];
        for (const Member& m : moved_[i].mem) {
            const Key km = {m.d, m.idx};
            if (better(km, kt)) {
                kt = km;
                ktpos = (int)fresh.mem.size();
            }
            fresh.mem.push_back(m);
        }
        fresh.rows.insert(fresh.rows.end(), moved_[i].rows.begin(), moved_[i].rows.end());
    }
    tree_.set(t, kt);
    keyPos_[t] = ktpos;
}

template <typename Format>
std::vector<int> GreedyKCenter<Format>::run(Mat& y, int start)
{
    std::vector<int> selection;
    selection.reserve(count_);
    selection.push_back(start);
    clusters_.resize(count_);
    keyPos_.assign(count_, -1);
    centres_.resize((size_t)count_ * p_);
    cur_.resize(p_);
    pivotDist_.assign((size_t)numPivots_ * count_, 0.f);
    initFirst(y, start);
    y.release();

    for (int t = 1; t < count_; ++t) {
        const int b = tree_.top();
        CV_Assert(b >= 0 && tree_.key(b).r >= 0.f);
        const int q = tree_.key(b).idx;
        selection.push_back(q);
        setCentre(t, clusters_[b].rows.data() + (size_t)keyPos_[b] * p_);

        addPivotDistances(t);
        findCandidates(t, b);
        updatePoints(q, b);
        compactClusters(t, q);
    }
    return selection;
}

template <typename Format>
std::vector<int> runGreedyKCenter(const Format& fmt, Mat& rows, int count, int start)
{
    GreedyKCenter<Format> greedy(fmt, rows.rows, rows.cols, count);
    return greedy.run(rows, start);
}

} // namespace

std::vector<int> greedyKCenter(const FloatRows& fmt, Mat& rows, int count, int start)
{
    return runGreedyKCenter(fmt, rows, count, start);
}

std::vector<int> greedyKCenter(const HalfRows& fmt, Mat& rows, int count, int start)
{
    return runGreedyKCenter(fmt, rows, count, start);
}

} // namespace coreset
}}} // namespace cv::uniSLAD::detail
