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

#include "banks/coreset_detail.hpp"
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

namespace {

const char* const kCreate = "CoresetSampler::setParams";
const char* const kSelect = "CoresetSampler::select";
const char* const kProject = "CoresetSampler::project";
const char* const kRadius = "coresetCoverageRadius";

/* Row formats. The rows a cluster stores are either floats (FloatRows: selection in the original
   space) or IEEE binary16 numbers h with one power-of-two scale (HalfRows: the projected space),
   standing for the floats (float)h * unscale. Both expose the values as floats, computed the same way
   by the vector and the scalar code, so a distance computed from stored rows equals the one computed
   from the float values themselves (what project() returns). */
struct FloatRows
{
    typedef float T;
    float value(float v) const { return v; }
};

struct HalfRows
{
    typedef ushort T;
    /** A power of two in [2^-100, 2^100]: (float)h * unscale is exact (a normal float), so the vector
        code may fuse the multiply with the following subtraction without changing any result. */
    float unscale;
    float value(ushort h) const { return (float)float16_t::fromBits(h) * unscale; }
};

/* Squared distance with fixed rounding. 16 lanes: lane l accumulates the dimensions l, l + 16, ...
   in increasing order with fused multiply-adds (the missing dimensions of a last partial step add
   0), then the lanes are reduced pairwise: (l, l + 8), (l, l + 4), (l, l + 2), (0, 1). The three
   code paths (AVX-512, AVX2 + FMA, scalar) compute the same value, and so do both row formats for
   the same float values.

   Every step adds a non-negative term and rounding is monotonic, so reducing the lanes after any
   number of whole steps gives a value <= the final result, bit for bit: a partial sum that already
   reaches a bound proves the full distance reaches it too (exact early exit). */
#if defined(__AVX512F__)

/** Loads 16 values of a row as floats. */
struct Load16
{
    __m512 unscale;
    explicit Load16(const FloatRows&) : unscale(_mm512_set1_ps(1.f)) {}
    explicit Load16(const HalfRows& f) : unscale(_mm512_set1_ps(f.unscale)) {}
    __m512 operator()(const float* a) const { return _mm512_loadu_ps(a); }
    __m512 operator()(const ushort* a) const
    {
        return _mm512_mul_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)a)), unscale);
    }
};

struct Lanes
{
    __m512 v;
    static Lanes zero() { return Lanes{_mm512_setzero_ps()}; }
    template <typename T>
    void step(const Load16& ld, const T* a, const float* b)
    {
        const __m512 t = _mm512_sub_ps(ld(a), _mm512_loadu_ps(b));
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

struct Load16
{
    __m256 unscale;
    explicit Load16(const FloatRows&) : unscale(_mm256_set1_ps(1.f)) {}
    explicit Load16(const HalfRows& f) : unscale(_mm256_set1_ps(f.unscale)) {}
    __m256 lo(const float* a) const { return _mm256_loadu_ps(a); }
    __m256 hi(const float* a) const { return _mm256_loadu_ps(a + 8); }
#if defined(__F16C__)
    __m256 lo(const ushort* a) const
    {
        return _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)a)), unscale);
    }
    __m256 hi(const ushort* a) const { return lo(a + 8); }
#else
    __m256 lo(const ushort* a) const { return convert(a); }
    __m256 hi(const ushort* a) const { return convert(a + 8); }
    __m256 convert(const ushort* a) const
    {
        alignas(32) float t[8];
        for (int l = 0; l < 8; ++l)
            t[l] = (float)float16_t::fromBits(a[l]);
        return _mm256_mul_ps(_mm256_load_ps(t), unscale);
    }
#endif
};

struct Lanes
{
    __m256 lo, hi;
    static Lanes zero() { return Lanes{_mm256_setzero_ps(), _mm256_setzero_ps()}; }
    template <typename T>
    void step(const Load16& ld, const T* a, const float* b)
    {
        const __m256 t0 = _mm256_sub_ps(ld.lo(a), _mm256_loadu_ps(b));
        const __m256 t1 = _mm256_sub_ps(ld.hi(a), _mm256_loadu_ps(b + 8));
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
        step(Load16(FloatRows()), ta, tb);
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

struct Load16
{
    float unscale;
    explicit Load16(const FloatRows&) : unscale(1.f) {}
    explicit Load16(const HalfRows& f) : unscale(f.unscale) {}
    float operator()(float v) const { return v; }
    float operator()(ushort h) const { return (float)float16_t::fromBits(h) * unscale; }
};

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
    template <typename T>
    void step(const Load16& ld, const T* a, const float* b)
    {
        for (int l = 0; l < 16; ++l) {
            const float t = ld(a[l]) - b[l];
            v[l] = std::fma(t, t, v[l]);
        }
    }
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

/** Asks for the cache lines of n values of a row ahead of use (rows are visited in scattered order). */
template <typename T>
inline void prefetchValues(const T* x, int n)
{
#if defined(__AVX2__) || defined(__AVX512F__)
    const char* b = (const char*)x;
    const char* e = (const char*)(x + n);
    for (; b < e; b += 64)
        _mm_prefetch(b, _MM_HINT_T0);
#else
    (void)x;
    (void)n;
#endif
}

/** The last, partial step of a row (fewer than 16 dimensions left): its values as floats, then the
    float tail. */
template <typename Format>
inline void tailStep(Lanes& acc, const Format& fmt, const typename Format::T* a, const float* b, int valid)
{
    float t[16];
    for (int l = 0; l < valid; ++l)
        t[l] = fmt.value(a[l]);
    acc.tail(t, b, valid);
}

/** Squared distance of a stored row a (format fmt) to the float vector b. */
template <typename Format>
inline float sqDistRow(const Format& fmt, const typename Format::T* a, const float* b, int n)
{
    const Load16 ld(fmt);
    Lanes acc = Lanes::zero();
    int i = 0;
    for (; i + 16 <= n; i += 16)
        acc.step(ld, a + i, b + i);
    if (i < n)
        tailStep(acc, fmt, a + i, b + i, n - i);
    return acc.reduce();
}

inline float sqDist(const float* a, const float* b, int n)
{
    return sqDistRow(FloatRows(), a, b, n);
}

/** Squared distances of a batch of rows to one centre, with exact early exit: for each row, either
    dist[r] = sqDistRow(fmt, x[r], c, n), or dist[r] is a partial sum that is already >= bound[r] (so the full
    distance is too). The rows are advanced stage by stage (about half, then three quarters of the
    dimensions, then all), dropping the rows whose partial sum reaches their bound after each stage. */
template <typename Format>
class BoundedDistances
{
public:
    typedef typename Format::T T;
    static constexpr int kBatch = 64;

    BoundedDistances(const Format& fmt, int n) : fmt_(fmt), ld_(fmt), n_(n)
    {
        const int full = n / 16 * 16;
        const int cuts[2] = {n / 2 / 16 * 16, 3 * n / 4 / 16 * 16};
        numStages_ = 0;
        for (int cut : cuts)
            if (cut > (numStages_ ? stageEnd_[numStages_ - 1] : 0) && cut < full)
                stageEnd_[numStages_++] = cut;
        stageEnd_[numStages_++] = full;
    }

    /** Values of a row that the first stage reads (to prefetch while a batch is gathered). */
    int firstStage() const { return stageEnd_[0]; }

    /** count <= kBatch rows x[r]; bound[r]; writes dist[r]. */
    void compute(const float* c, const T* const* x, const float* bound, int count, float* dist)
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
                const T* xr = x[r];
                for (int i = begin; i < end; i += 16)
                    acc.step(ld_, xr + i, c + i);
                if (last && end < n_)
                    tailStep(acc, fmt_, xr + end, c + end, n_ - end);
                const float v = acc.reduce();
                if (last || v >= bound[r]) {
                    dist[r] = v;
                } else {
                    acc_[r] = acc;
                    alive[w++] = r;
                    prefetchValues(xr + end, stageEnd_[s + 1] - end);
                }
            }
            na = w;
            begin = end;
        }
    }

private:
    Format fmt_;
    Load16 ld_;
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

/** Power-of-two scale of the fp16 rounding: 2^e with the largest |value| times 2^e in [2^14, 2^15)
    (e = 0 for an all-zero matrix; e is kept in [-100, 100]). */
float halfScale(const Mat& y)
{
    const double mx = cv::norm(y, NORM_INF);
    int e = 0;
    if (mx > 0) {
        int ex = 0;
        std::frexp(mx, &ex);   // mx in [2^(ex - 1), 2^ex)
        e = std::max(-100, std::min(100, 15 - ex));
    }
    return (float)std::ldexp(1.0, e);
}

/** h = fp16(y · scale), rounded to nearest even; returns 1 / scale. n × p CV_32F -> n × p CV_16U. */
float roundToHalf(const Mat& y, Mat& h)
{
    CV_Assert(y.type() == CV_32FC1);
    const float scale = halfScale(y);
    const int n = y.rows, p = y.cols;
    h.create(n, p, CV_16U);
    forBlocks(n, 1024, n > 1024, [&](int, int r0, int r1) {
        for (int r = r0; r < r1; ++r) {
            const float* src = y.ptr<float>(r);
            ushort* dst = h.ptr<ushort>(r);
            int i = 0;
#if defined(__AVX512F__)
            const __m512 s16 = _mm512_set1_ps(scale);
            for (; i + 16 <= p; i += 16)
                _mm256_storeu_si256((__m256i*)(dst + i),
                                    _mm512_cvtps_ph(_mm512_mul_ps(_mm512_loadu_ps(src + i), s16),
                                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
#elif defined(__F16C__) && defined(__AVX__)
            const __m256 s8 = _mm256_set1_ps(scale);
            for (; i + 8 <= p; i += 8)
                _mm_storeu_si128((__m128i*)(dst + i),
                                 _mm256_cvtps_ph(_mm256_mul_ps(_mm256_loadu_ps(src + i), s8),
                                                 _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
#endif
            for (; i < p; ++i)
                dst[i] = float16_t(src[i] * scale).bits();
        }
    });
    return 1.f / scale;
}

/** The float values the fp16 rows stand for (HalfRows::value), n × p CV_16U -> n × p CV_32F. */
void halfValues(const Mat& h, float unscale, Mat& y)
{
    const HalfRows fmt = {unscale};
    const int n = h.rows, p = h.cols;
    y.create(n, p, CV_32F);
    forBlocks(n, 1024, n > 1024, [&](int, int r0, int r1) {
        for (int r = r0; r < r1; ++r) {
            const ushort* src = h.ptr<ushort>(r);
            float* dst = y.ptr<float>(r);
            for (int i = 0; i < p; ++i)
                dst[i] = fmt.value(src[i]);
        }
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
        if (projectChecked(x, y)) {
            Mat h;
            const float unscale = roundToHalf(y, h);
            Mat v;
            halfValues(h, unscale, v);
            v.copyTo(projected);
        } else {
            y.copyTo(projected);
        }
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
        if (projectChecked(x, y)) {
            Mat h;
            const HalfRows fmt = {roundToHalf(y, h)};
            y.release();
            GreedyKCenter<HalfRows> greedy(fmt, h.rows, h.cols, k);
            return greedy.run(h, start);
        }
        GreedyKCenter<FloatRows> greedy(FloatRows(), y.rows, y.cols, k);
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
    /** Projected (not yet rounded) or copied (continuous) rows of a checked feature matrix; returns
        whether they were projected. */
    bool projectChecked(const Mat& x, Mat& y) const
    {
        const int dp = params_.projectionDims;
        if (dp <= 0 || dp >= x.cols) {
            if (x.isContinuous())
                y = x;
            else
                y = x.clone();
            return false;
        }
        projectRows(x, projectionMatrix(x.cols, dp, params_.seed), y);
        return true;
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

float coresetHalfSquaredDistance(const ushort* a, float unscale, const float* b, int n)
{
    const HalfRows fmt = {unscale};
    return sqDistRow(fmt, a, b, n);
}

float coresetRoundToHalf(const Mat& y, Mat& h)
{
    return roundToHalf(y, h);
}

} // namespace detail

}} // namespace cv::uniSLAD
