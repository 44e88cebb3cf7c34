// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
// GCC 12 reports false "(may be) used uninitialized" warnings inside AVX-512 intrinsics built on
// _mm*_undefined_*() (Eigen's float GEMM kernel inlines some, the distance below others); they are
// not about this code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include "precomp.hpp"

#include "coreset_detail.hpp"
#include "opencv2/unislad/coreset.hpp"

#include <Eigen/Core>

#include <atomic>
#include <climits>
#include <memory>

#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

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
// memory; leaving rows are replaced by the cluster's last row. Memory: the projected rows once
// (twice, briefly, while they are distributed), plus O(N + k·d') bookkeeping.
// Skipping is only done when it is provably safe for the computed (rounded) values: the comparisons
// carry a relative margin larger than the rounding error of the squared distances, so the skipped
// points are exactly those whose computed distance to c' would not have been smaller than mind(x).
// All distances go through one function (detail::coresetSquaredDistance), so the selection equals the
// brute-force greedy algorithm's bit for bit. Every parallel loop works on a fixed partition into
// blocks and every reduction orders by (value, index), so the result does not depend on the thread
// count.

namespace cv {
namespace uniSLAD {

namespace {

const char* const kCreate = "CoresetSampler::setParams";
const char* const kSelect = "CoresetSampler::select";
const char* const kProject = "CoresetSampler::project";
const char* const kRadius = "coresetCoverageRadius";

/* Squared distance with fixed rounding. 16 lanes: lane l accumulates the dimensions l, l + 16, ...
   in increasing order with fused multiply-adds (the missing dimensions of a last partial step add
   0), then the lanes are reduced pairwise: (l, l + 8), (l, l + 4), (l, l + 2), (0, 1). The three
   code paths (AVX-512, AVX2 + FMA, scalar) compute the same value.

   Every step adds a non-negative term and rounding is monotonic, so reducing the lanes after any
   number of whole steps gives a value <= the final result, bit for bit: a partial sum that already
   reaches a bound proves the full distance reaches it too (exact early exit). */
#if defined(__AVX512F__)

struct Lanes
{
    __m512 v;
    static Lanes zero() { return Lanes{_mm512_setzero_ps()}; }
    void step(const float* a, const float* b)
    {
        const __m512 t = _mm512_sub_ps(_mm512_loadu_ps(a), _mm512_loadu_ps(b));
        v = _mm512_fmadd_ps(t, t, v);
    }
    void tail(const float* a, const float* b, int valid)
    {
        const __mmask16 m = (__mmask16)((1u << valid) - 1u);
        const __m512 t = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a), _mm512_maskz_loadu_ps(m, b));
        v = _mm512_fmadd_ps(t, t, v);
    }
    float reduce() const
    {
        const __m256 s8 = _mm256_add_ps(_mm512_castps512_ps256(v),
                                        _mm512_castps512_ps256(_mm512_shuffle_f32x4(v, v, 0xEE)));
        const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
        const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
        return _mm_cvtss_f32(_mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1)));
    }
};

#elif defined(__AVX2__) && defined(__FMA__)

struct Lanes
{
    __m256 lo, hi;
    static Lanes zero() { return Lanes{_mm256_setzero_ps(), _mm256_setzero_ps()}; }
    void step(const float* a, const float* b)
    {
        const __m256 t0 = _mm256_sub_ps(_mm256_loadu_ps(a), _mm256_loadu_ps(b));
        const __m256 t1 = _mm256_sub_ps(_mm256_loadu_ps(a + 8), _mm256_loadu_ps(b + 8));
        lo = _mm256_fmadd_ps(t0, t0, lo);
        hi = _mm256_fmadd_ps(t1, t1, hi);
    }
    void tail(const float* a, const float* b, int valid)
    {
        alignas(32) float ta[16] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
        alignas(32) float tb[16] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
        for (int l = 0; l < valid; ++l) {
            ta[l] = a[l];
            tb[l] = b[l];
        }
        step(ta, tb);
    }
    float reduce() const
    {
        const __m256 s8 = _mm256_add_ps(lo, hi);
        const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
        const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
        return _mm_cvtss_f32(_mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1)));
    }
};

#else

struct Lanes
{
    float v[16];
    static Lanes zero()
    {
        Lanes z;
        for (int l = 0; l < 16; ++l)
            z.v[l] = 0.f;
        return z;
    }
    void step(const float* a, const float* b) { tail(a, b, 16); }
    void tail(const float* a, const float* b, int valid)
    {
        for (int l = 0; l < valid; ++l) {
            const float t = a[l] - b[l];
            v[l] = std::fma(t, t, v[l]);
        }
    }
    float reduce() const
    {
        float s[8];
        for (int l = 0; l < 8; ++l)
            s[l] = v[l] + v[l + 8];
        for (int l = 0; l < 4; ++l)
            s[l] += s[l + 4];
        s[0] += s[2];
        s[1] += s[3];
        return s[0] + s[1];
    }
};

#endif

/** Asks for a row's cache lines ahead of use (rows are visited in scattered order). */
inline void prefetchRow(const float* x, int n)
{
#if defined(__AVX2__) || defined(__AVX512F__)
    for (int i = 0; i < n; i += 16)
        _mm_prefetch((const char*)(x + i), _MM_HINT_T0);
#else
    (void)x;
    (void)n;
#endif
}

inline float sqDist(const float* a, const float* b, int n)
{
    Lanes acc = Lanes::zero();
    int i = 0;
    for (; i + 16 <= n; i += 16)
        acc.step(a + i, b + i);
    if (i < n)
        acc.tail(a + i, b + i, n - i);
    return acc.reduce();
}

/** Squared distances of a batch of rows to one centre, with exact early exit: for each row, either
    dist[r] = sqDist(x[r], c, n), or dist[r] is a partial sum that is already >= bound[r] (so the full
    distance is too). The rows are advanced stage by stage (about half, then three quarters of the
    dimensions, then all), dropping the rows whose partial sum reaches their bound after each stage. */
class BoundedDistances
{
public:
    static constexpr int kBatch = 64;

    explicit BoundedDistances(int n) : n_(n)
    {
        const int full = n / 16 * 16;
        const int cuts[2] = {n / 2 / 16 * 16, 3 * n / 4 / 16 * 16};
        numStages_ = 0;
        for (int cut : cuts)
            if (cut > (numStages_ ? stageEnd_[numStages_ - 1] : 0) && cut < full)
                stageEnd_[numStages_++] = cut;
        stageEnd_[numStages_++] = full;
    }

    /** count <= kBatch rows x[r]; bound[r]; writes dist[r]. */
    void compute(const float* c, const float* const* x, const float* bound, int count, float* dist)
    {
        int alive[kBatch];
        int na = count;
        for (int r = 0; r < count; ++r) {
            alive[r] = r;
            acc_[r] = Lanes::zero();
        }
        int begin = 0;
        for (int s = 0; s < numStages_ && na > 0; ++s) {
            const int end = stageEnd_[s];
            const bool last = (s == numStages_ - 1);
            int w = 0;
            for (int k = 0; k < na; ++k) {
                const int r = alive[k];
                Lanes acc = acc_[r];
                const float* xr = x[r];
                for (int i = begin; i < end; i += 16)
                    acc.step(xr + i, c + i);
                if (last && end < n_)
                    acc.tail(xr + end, c + end, n_ - end);
                const float v = acc.reduce();
                if (last || v >= bound[r]) {
                    dist[r] = v;
                } else {
                    acc_[r] = acc;
                    alive[w++] = r;
                }
            }
            na = w;
            begin = end;
        }
    }

private:
    int n_;
    int numStages_;
    int stageEnd_[3];
    Lanes acc_[kBatch];
};

/** Cluster key: radius (squared) and the row reaching it; r < 0 marks an empty cluster. */
struct Key
{
    float r;
    int idx;
};

inline bool better(const Key& a, const Key& b)
{
    return a.r > b.r || (a.r == b.r && a.idx < b.idx);
}

const Key kEmptyKey = {-1.f, INT_MAX};

/** Tournament tree over cluster slots: best key at the root, O(log k) updates. */
class Tournament
{
public:
    explicit Tournament(int n)
    {
        size_ = 1;
        while (size_ < n)
            size_ *= 2;
        node_.assign(2 * (size_t)size_, -1);
        keys_.assign(size_, kEmptyKey);
    }
    void set(int slot, const Key& k)
    {
        keys_[slot] = k;
        size_t p = (size_t)slot + size_;
        node_[p] = slot;
        for (p >>= 1; p >= 1; p >>= 1) {
            const int a = node_[2 * p], b = node_[2 * p + 1];
            node_[p] = (a < 0) ? b : (b < 0) ? a : (better(keys_[b], keys_[a]) ? b : a);
        }
    }
    int top() const { return node_[1]; }
    const Key& key(int slot) const { return keys_[slot]; }

private:
    int size_;
    std::vector<int> node_;
    std::vector<Key> keys_;
};

/** Runs `body` on [0, n) in fixed blocks: in parallel when the work is worth it. The partition never
    depends on the thread count. */
template <typename Body>
void forBlocks(int n, int block, bool parallel, const Body& body)
{
    const int nblocks = (n + block - 1) / block;
    auto run = [&](const Range& r) {
        for (int b = r.start; b < r.end; ++b)
            body(b, b * block, std::min(n, (b + 1) * block));
    };
    if (parallel && nblocks > 1)
        parallel_for_(Range(0, nblocks), run);
    else
        run(Range(0, nblocks));
}

/** A member of a cluster: row index and its squared distance to the cluster's centre. During a step,
    idx < 0 marks a row (~idx) that leaves for the new centre. */
struct Member
{
    int idx;
    float d;
};

/** A cluster's members, with a copy of their rows stored contiguously in the same order, so that
    the distance updates stream through memory instead of gathering scattered rows. */
struct Cluster
{
    std::vector<Member> mem;
    std::vector<float> rows;

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
class GreedyKCenter
{
public:
    GreedyKCenter(int n, int p, int count)
        : n_(n), p_(p), count_(count), tree_(count)
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

    const float* centre(int j) const { return centres_.data() + (size_t)j * p_; }
    float& pivotDist(int a, int j) { return pivotDist_[(size_t)a * count_ + j]; }

    void initFirst(const Mat& y, int start);
    void addPivotDistances(int t);
    void findCandidates(int t, int forced);
    void updatePoints(int t, int q);
    void compactClusters(int t, int q);

    int n_, p_, count_;
    double thrScale_;
    float pivotEta_;
    int numPivots_;

    std::vector<Cluster> clusters_;
    std::vector<int> keyPos_;      // position of each cluster's key row in its lists
    std::vector<float> centres_;
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
    std::vector<Cluster> moved_;
    std::vector<Key> candKey_;
    std::vector<int> candKeyPos_;
};

void GreedyKCenter::initFirst(const Mat& y, int start)
{
    const int p = p_;
    std::copy(y.ptr<float>(start), y.ptr<float>(start) + p, centres_.begin());
    const float* c0 = centre(0);
    Cluster& c = clusters_[0];
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
            const float* x = y.ptr<float>(i);
            std::copy(x, x + p, c.rows.begin() + (size_t)pos * p);
            const float d = sqDist(x, c0, p);
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

void GreedyKCenter::addPivotDistances(int t)
{
    const float* c = centre(t);
    for (int a = 0; a < std::min(t, numPivots_); ++a)
        pivotDist(a, t) = std::sqrt(sqDist(c, centre(a), p_));
    if (t < numPivots_) {
        for (int j = 0; j < t; ++j)
            pivotDist(t, j) = std::sqrt(sqDist(centre(j), c, p_));
        pivotDist(t, t) = 0.f;
    }
}

void GreedyKCenter::findCandidates(int t, int forced)
{
    const int np = std::min(t + 1, numPivots_);
    const float* c = centre(t);
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

    // Exact centre-to-centre distances for the clusters the bound did not reject.
    const int nc = (int)cand_.size();
    candThr_.resize(nc);
    candKeep_.resize(nc);
    forBlocks(nc, 256, nc >= 1024, [&](int, int i0, int i1) {
        for (int i = i0; i < i1; ++i) {
            const int j = cand_[i];
            const double dcc = sqDist(c, centre(j), p_);
            candThr_[i] = (float)(dcc * thrScale);
            candKeep_[i] = (j == forced) || candThr_[i] < tree_.key(j).r;
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

void GreedyKCenter::updatePoints(int t, int q)
{
    const int nc = (int)cand_.size();
    candOffset_.resize(nc + 1);
    candOffset_[0] = 0;
    for (int i = 0; i < nc; ++i)
        candOffset_[i + 1] = candOffset_[i] + (int)clusters_[cand_[i]].mem.size();
    const int total = candOffset_[nc];
    const float* c = centre(t);
    const int p = p_;
    if (candChangedSize_ < nc) {
        candChangedSize_ = std::max(nc, 2 * candChangedSize_);
        candChanged_.reset(new std::atomic<unsigned char>[candChangedSize_]);
    }
    for (int i = 0; i < nc; ++i)
        candChanged_[i].store(0, std::memory_order_relaxed);

    forBlocks(total, kPointBlock, total >= kParallelWork, [&](int, int s0, int s1) {
        BoundedDistances eval(p);
        const int kBatch = BoundedDistances::kBatch;
        Member* pending[kBatch];
        int pendingCand[kBatch];
        const float* xs[kBatch];
        float bound[kBatch], dist[kBatch];
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
            Cluster& cl = clusters_[cand_[ci]];
            const float thr = candThr_[ci];
            const int e = std::min(s1, candOffset_[ci + 1]);
            for (int pos = s - candOffset_[ci]; s < e; ++s, ++pos) {
                Member& m = cl.mem[pos];
                if (m.idx == q) {   // the new centre leaves its cluster
                    m.idx = ~q;
                    candChanged_[ci].store(1, std::memory_order_relaxed);
                    continue;
                }
                if (m.d <= thr)     // provably not closer to c'
                    continue;
                pending[np] = &m;
                pendingCand[np] = ci;
                xs[np] = cl.rows.data() + (size_t)pos * p;
                bound[np] = m.d;
                if (++np == kBatch)
                    flush();
            }
        }
        if (np > 0)
            flush();
    });
}

void GreedyKCenter::compactClusters(int t, int q)
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
            Cluster& cl = clusters_[changed_[i]];
            Cluster& mv = moved_[i];
            mv.clear();
            Key k = kEmptyKey;
            int kpos = -1;
            // Leaving rows are replaced by the last row (one copy per leaving row; the order of a
            // cluster's members does not matter).
            size_t r = 0, end = cl.mem.size();
            while (r < end) {
                const Member m = cl.mem[r];
                float* x = cl.rows.data() + r * p;
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
                    const float* last = cl.rows.data() + end * p;
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

    Cluster& fresh = clusters_[t];
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

std::vector<int> GreedyKCenter::run(Mat& y, int start)
{
    std::vector<int> selection;
    selection.reserve(count_);
    selection.push_back(start);
    clusters_.resize(count_);
    keyPos_.assign(count_, -1);
    centres_.resize((size_t)count_ * p_);
    pivotDist_.assign((size_t)numPivots_ * count_, 0.f);
    initFirst(y, start);
    y.release();

    for (int t = 1; t < count_; ++t) {
        const int b = tree_.top();
        CV_Assert(b >= 0 && tree_.key(b).r >= 0.f);
        const int q = tree_.key(b).idx;
        selection.push_back(q);
        const float* xq = clusters_[b].rows.data() + (size_t)keyPos_[b] * p_;
        std::copy(xq, xq + p_, centres_.begin() + (size_t)t * p_);

        addPivotDistances(t);
        findCandidates(t, b);
        updatePoints(t, q);
        compactClusters(t, q);
    }
    return selection;
}

/** Seeded Gaussian projection matrix, d × p, entries N(0, 1/p). */
Mat projectionMatrix(int d, int p, int seed)
{
    Mat proj(d, p, CV_32F);
    RNG rng((uint64)seed);
    rng.fill(proj, RNG::NORMAL, 0.0, 1.0);
    proj *= 1.0 / std::sqrt((double)p);
    return proj;
}

/** y = x · proj, in fixed blocks of rows (Eigen GEMM), so that every row's result is the same for
    any thread count. */
void projectRows(const Mat& x, const Mat& proj, Mat& y)
{
    typedef Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> RowMat;
    typedef Eigen::Map<const RowMat, 0, Eigen::OuterStride<> > ConstMap;
    typedef Eigen::Map<RowMat, 0, Eigen::OuterStride<> > MutMap;
    const int n = x.rows, d = x.cols, p = proj.cols;
    y.create(n, p, CV_32F);
    const ConstMap pm(proj.ptr<float>(), d, p, Eigen::OuterStride<>((Eigen::Index)proj.step1()));
    forBlocks(n, 256, n > 256, [&](int, int r0, int r1) {
        const ConstMap xb(x.ptr<float>(r0), r1 - r0, d, Eigen::OuterStride<>((Eigen::Index)x.step1()));
        MutMap yb(y.ptr<float>(r0), r1 - r0, p, Eigen::OuterStride<>((Eigen::Index)y.step1()));
        yb.noalias() = xb * pm;
    });
}

void checkParams(const CoresetSampler::Params& p)
{
    detail::checkValueRange(p.ratio, 0.0, 1.0, kCreate, "params.ratio", true, false);
    if (p.count < 0)
        CV_Error(Error::StsOutOfRange, format("%s: params.count: expected 0 (select by ratio) or a value >= 1, found %d",
                                              kCreate, p.count));
    if (p.projectionDims < 0)
        CV_Error(Error::StsOutOfRange, format("%s: params.projectionDims: expected a value >= 0 (0: no projection), "
                                              "found %d", kCreate, p.projectionDims));
}

class CoresetSamplerImpl CV_FINAL : public CoresetSampler
{
public:
    explicit CoresetSamplerImpl(const Params& params) { setParams(params); }

    Params getParams() const CV_OVERRIDE { return params_; }

    void setParams(const Params& params) CV_OVERRIDE
    {
        checkParams(params);
        params_ = params;
    }

    int selectionCount(int n) const CV_OVERRIDE
    {
        if (n < 1)
            CV_Error(Error::StsOutOfRange, format("CoresetSampler::selectionCount: n: expected a value >= 1, found %d", n));
        if (params_.count > 0) {
            if (params_.count > n)
                CV_Error(Error::StsOutOfRange, format("%s: params.count: expected a value in [1, N = %d], found %d",
                                                      kSelect, n, params_.count));
            return params_.count;
        }
        const double k = std::floor(params_.ratio * n + 0.5);
        return (int)std::min<double>(n, std::max(1.0, k));
    }

    void project(InputArray features, OutputArray projected) const CV_OVERRIDE
    {
        const Mat x = features.getMat();
        detail::checkFeatureMatrix(x, kProject, "features");
        Mat y;
        projectChecked(x, y);
        y.copyTo(projected);
    }

    std::vector<int> select(InputArray features) const CV_OVERRIDE
    {
        const Mat x = features.getMat();
        detail::checkFeatureMatrix(x, kSelect, "features");
        detail::checkFinite(x, kSelect, "features");
        const int n = x.rows;
        const int k = selectionCount(n);
        if (params_.startIndex >= n)
            CV_Error(Error::StsOutOfRange, format("%s: params.startIndex: expected a value in [0, N = %d) or negative "
                                                  "(random), found %d", kSelect, n, params_.startIndex));
        const int start = params_.startIndex >= 0 ? params_.startIndex : RNG((uint64)params_.seed).uniform(0, n);
        Mat y;
        projectChecked(x, y);
        GreedyKCenter greedy(y.rows, y.cols, k);
        return greedy.run(y, start);
    }

    void write(FileStorage& fs) const CV_OVERRIDE
    {
        writeFormat(fs);
        fs << "ratio" << params_.ratio << "count" << params_.count << "projectionDims" << params_.projectionDims
           << "seed" << params_.seed << "startIndex" << params_.startIndex;
    }

    void read(const FileNode& fn) CV_OVERRIDE
    {
        Params p = params_;
        if (!fn["ratio"].empty()) p.ratio = (double)fn["ratio"];
        if (!fn["count"].empty()) p.count = (int)fn["count"];
        if (!fn["projectionDims"].empty()) p.projectionDims = (int)fn["projectionDims"];
        if (!fn["seed"].empty()) p.seed = (int)fn["seed"];
        if (!fn["startIndex"].empty()) p.startIndex = (int)fn["startIndex"];
        setParams(p);
    }

    String getDefaultName() const CV_OVERRIDE { return "UniSLAD_CoresetSampler"; }

private:
    /** Projected (or copied, continuous) rows of a checked feature matrix. */
    void projectChecked(const Mat& x, Mat& y) const
    {
        const int dp = params_.projectionDims;
        if (dp <= 0 || dp >= x.cols) {
            if (x.isContinuous())
                y = x;
            else
                y = x.clone();
            return;
        }
        projectRows(x, projectionMatrix(x.cols, dp, params_.seed), y);
    }

    Params params_;
};

} // namespace

CoresetSampler::Params::Params()
    : ratio(0.1), count(0), projectionDims(128), seed(0), startIndex(-1)
{
}

Ptr<CoresetSampler> CoresetSampler::create(const CoresetSampler::Params& params)
{
    return makePtr<CoresetSamplerImpl>(params);
}

double coresetCoverageRadius(InputArray features, const std::vector<int>& indices)
{
    const Mat x = features.getMat();
    detail::checkFeatureMatrix(x, kRadius, "features");
    detail::checkFinite(x, kRadius, "features");
    const int n = x.rows, d = x.cols;
    if (indices.empty())
        CV_Error(Error::StsBadArg, format("%s: indices: expected at least one index, found none", kRadius));
    Mat sel((int)indices.size(), d, CV_32F);
    for (size_t i = 0; i < indices.size(); ++i) {
        const int r = indices[i];
        if (r < 0 || r >= n)
            CV_Error(Error::StsOutOfRange, format("%s: indices: expected values in [0, N = %d), found %d at position %d",
                                                  kRadius, n, r, (int)i));
        x.row(r).copyTo(sel.row((int)i));
    }
    const int k = sel.rows;
    const int block = 256;
    std::vector<float> blockMax((n + block - 1) / block, 0.f);
    forBlocks(n, block, (double)n * k * d > 1e6, [&](int b, int i0, int i1) {
        float worst = 0.f;
        for (int i = i0; i < i1; ++i) {
            const float* xi = x.ptr<float>(i);
            float best = std::numeric_limits<float>::infinity();
            for (int j = 0; j < k && best > 0.f; ++j)
                best = std::min(best, sqDist(xi, sel.ptr<float>(j), d));
            worst = std::max(worst, best);
        }
        blockMax[b] = worst;
    });
    float worst = 0.f;
    for (float v : blockMax)
        worst = std::max(worst, v);
    return std::sqrt((double)worst);
}

namespace detail {

float coresetSquaredDistance(const float* a, const float* b, int n)
{
    return sqDist(a, b, n);
}

} // namespace detail

}} // namespace cv::uniSLAD
