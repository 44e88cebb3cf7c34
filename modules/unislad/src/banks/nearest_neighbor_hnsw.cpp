// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "banks/nearest_neighbor_impl.hpp"

// hnswlib 0.6.2's SSE prefetches in searchBaseLayer read the link after the last one of a full
// upper-layer list, one int past that list's allocation. The value only feeds a prefetch, so nothing
// goes wrong on a real heap, but AddressSanitizer rightly reports the read: sanitizer builds use
// hnswlib's portable code, which has no prefetches (same graph logic, scalar distances).
#if defined(__SANITIZE_ADDRESS__)
#define NO_MANUAL_VECTORIZATION
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_MANUAL_VECTORIZATION
#endif
#endif
#include <hnswlib/hnswlib.h>
#include <boost/crc.hpp>

#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>

// Approximate k-NN search with hnswlib's HierarchicalNSW (NearestNeighborIndex::createHnsw).
//
// Ids: hnswlib's "label" of a vector is its id (row number in add() order). With a parallel build
// hnswlib's internal ids follow the order in which the threads reach its counter, not the ids, so
// internalOf_ maps ids to internal ids (to read a vector back for the exact re-ranking).
//
// Search: searchKnn(q, kc) with kc = min(size, k + kExtraCandidates) and the candidate list
// max(efSearch, kc) (hnswlib takes the max itself; ef is set once with setEf, never during a
// search, so concurrent searches only read the graph). The kc candidates are re-ranked by their
// distance recomputed in double precision, as the exact index does, and the k best by
// (distance, id) are returned. A query for which the graph yields fewer than kc candidates (a
// disconnected graph; not seen in practice) is answered by brute force.
//
// ---------------------------------------------------------------------------------------------
// Graph format (writeGraph / readGraph), version 1. Every integer is little-endian u32 unless said.
//
//   offset  size  field
//   0       8     magic "UNIHNSW\0"
//   8       4     format version: 1
//   12      4     dims
//   16      4     metric (NearestNeighborIndex::Metric)
//   20      4     M
//   24      4     efConstruction as hnswlib keeps it (max(efConstruction, M))
//   28      4     seed (the int's bits)
//   32      4     count: number of vectors
//   36      4     i32 top layer of the graph (-1 when empty)
//   40      4     entry point: internal id of the node on the top layer (0 when empty)
//   44      8     u64 checksum of the vectors: FNV-1a (64-bit) over their float values as u32
//                 words, vectors in id order
//   52            count nodes in internal-id order, each:
//                   u32 id (the vector's row), a permutation of 0 .. count-1 over the nodes
//                   u32 level L of the node, 0 .. kMaxLevel
//                   for each layer 0 .. L: u32 n (≤ 2M on layer 0, ≤ M above), then n u32
//                   internal ids of its neighbours (< count)
//   end-4   4     CRC-32 (IEEE, as the model archive) of every byte before it
//
// readGraph checks every field against the arguments and the buffer's length before hnswlib sees
// anything (hnswlib's own loader trusts its input), then fills hnswlib's structures directly.

namespace cv {
namespace uniSLAD {
namespace detail {

namespace {

const char kGraphMagic[8] = {'U', 'N', 'I', 'H', 'N', 'S', 'W', '\0'};
constexpr uint32_t kGraphVersion = 1;
constexpr size_t kGraphHeaderSize = 52;
constexpr int kMaxLevel = 128;          // hnswlib's levels are -ln(u)/ln(M): below 40 in practice
constexpr int kMaxM = 2048;
constexpr int kExtraCandidates = 8;     // as the exact index's re-ranking

using Graph = hnswlib::HierarchicalNSW<float>;

/** FNV-1a, 64-bit, over the float values of the rows (as u32 words). */
struct VectorChecksum
{
    uint64_t h = 1469598103934665603ull;
    void add(const float* v, int n)
    {
        for (int i = 0; i < n; ++i) {
            uint32_t w;
            std::memcpy(&w, v + i, 4);
            h = (h ^ w) * 1099511628211ull;
        }
    }
};

void putU32(std::vector<uchar>& out, uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        out.push_back(uchar(v >> (8 * i)));
}

void putU64(std::vector<uchar>& out, uint64_t v)
{
    for (int i = 0; i < 8; ++i)
        out.push_back(uchar(v >> (8 * i)));
}

/** Bounded little-endian reader over a graph buffer; running past the end is a clear error. */
class GraphReader
{
public:
    GraphReader(const uchar* data, size_t size) : data_(data), size_(size) {}

    uint32_t u32(const char* field)
    {
        need(4, field);
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i)
            v |= uint32_t(data_[pos_ + i]) << (8 * i);
        pos_ += 4;
        return v;
    }

    uint64_t u64(const char* field)
    {
        const uint64_t lo = u32(field);
        return lo | (uint64_t(u32(field)) << 32);
    }

    size_t position() const { return pos_; }
    size_t remaining() const { return size_ - pos_; }

    void need(size_t n, const char* field) const
    {
        if (size_ - pos_ < n)
            CV_Error(Error::StsParseError,
                     format("HnswIndex::readGraph: graph: truncated: expected %zu more bytes for %s at offset %zu, "
                            "found %zu", n, field, pos_, size_ - pos_));
    }

private:
    const uchar* data_;
    size_t size_;
    size_t pos_ = 0;
};

[[noreturn]] void graphError(const std::string& what)
{
    CV_Error(Error::StsParseError, "HnswIndex::readGraph: graph: " + what);
}

class HnswIndexImpl CV_FINAL : public HnswIndex
{
public:
    HnswIndexImpl(int dims, int metric, const HnswParams& params) : dims_(dims), metric_(metric), params_(params)
    {
        if (metric == INNER_PRODUCT)
            space_.reset(new hnswlib::InnerProductSpace(size_t(dims)));
        else
            space_.reset(new hnswlib::L2Space(size_t(dims)));
    }

    int dims() const CV_OVERRIDE { return dims_; }
    int size() const CV_OVERRIDE { return count_; }
    int metric() const CV_OVERRIDE { return metric_; }
    bool empty() const CV_OVERRIDE { return count_ == 0; }
    String getDefaultName() const CV_OVERRIDE { return "uniSLAD.NearestNeighborIndex.HNSW"; }
    void clear() CV_OVERRIDE { reset(); }
    HnswParams getParams() const CV_OVERRIDE { return params_; }

    void reset() CV_OVERRIDE
    {
        graph_.reset();
        std::vector<uint32_t>().swap(internalOf_);
        count_ = 0;
    }

    void setEfSearch(int ef) CV_OVERRIDE
    {
        if (ef < 1)
            CV_Error(Error::StsOutOfRange, format("HnswIndex::setEfSearch: ef: expected a value >= 1, found %d", ef));
        params_.efSearch = ef;
        if (graph_)
            graph_->setEf(size_t(ef));
    }

    void add(InputArray vectors) CV_OVERRIDE;
    void search(InputArray queries, int k, OutputArray distances, OutputArray indices) const CV_OVERRIDE;
    void writeGraph(std::vector<uchar>& out) const CV_OVERRIDE;

    /** readGraph's work once the arguments are checked. */
    void restore(const std::vector<uchar>& bytes, const Mat& vectors);

private:
    /** A new, empty hnswlib graph with room for capacity vectors. */
    std::unique_ptr<Graph> makeGraph(size_t capacity, size_t efConstruction, size_t seed) const
    {
        std::unique_ptr<Graph> g(new Graph(space_.get(), std::max<size_t>(1, capacity), size_t(params_.M),
                                           efConstruction, seed));
        g->setEf(size_t(params_.efSearch));
        return g;
    }

    /** Squared distance (L2 metrics) or negated product: smaller is nearer, double accumulation. */
    double exactKey(const float* q, uint32_t internalId) const
    {
        const float* b = reinterpret_cast<const float*>(graph_->getDataByInternalId(internalId));
        double s = 0.0;
        if (metric_ == INNER_PRODUCT) {
            for (int j = 0; j < dims_; ++j)
                s -= double(q[j]) * b[j];
        } else {
            for (int j = 0; j < dims_; ++j) {
                const double t = double(q[j]) - b[j];
                s += t * t;
            }
        }
        return s;
    }

    int dims_;
    int metric_;
    HnswParams params_;
    // The space must outlive the graph, which keeps a pointer into it: declared first, destroyed last.
    std::unique_ptr<hnswlib::SpaceInterface<float>> space_;
    std::unique_ptr<Graph> graph_;
    std::vector<uint32_t> internalOf_;   // id -> hnswlib internal id
    int count_ = 0;
};

void HnswIndexImpl::add(InputArray _vectors)
{
    const char* func = "NearestNeighborIndex::add";
    const Mat v = _vectors.getMat();
    checkVectors(v, dims_, func, "vectors");
    if (int64_t(count_) + v.rows > int64_t(std::numeric_limits<int>::max()))
        CV_Error(Error::StsOutOfRange, format("%s: vectors: expected at most %d vectors in total, found %lld", func,
                                              std::numeric_limits<int>::max(), (long long)(int64_t(count_) + v.rows)));
    const size_t total = size_t(count_) + size_t(v.rows);
    try {
        if (!graph_)
            graph_ = makeGraph(total, size_t(params_.efConstruction), size_t(uint32_t(params_.seed)));
        else if (graph_->max_elements_ < total)
            graph_->resizeIndex(total);

        const int base = count_;
        int first = 0;
        if (graph_->cur_element_count == 0) {   // the entry point, alone
            graph_->addPoint(v.ptr<float>(0), hnswlib::labeltype(base));
            first = 1;
        }
        std::mutex errorLock;
        std::string error;
        std::atomic<bool> failed(false);
        auto insert = [&](const Range& r) {
            for (int i = r.start; i < r.end && !failed.load(); ++i) {
                try {
                    graph_->addPoint(v.ptr<float>(i), hnswlib::labeltype(base + i));
                } catch (const std::exception& e) {
                    std::lock_guard<std::mutex> lock(errorLock);
                    error = e.what();
                    failed = true;
                }
            }
        };
        const Range rest(first, v.rows);
        if (params_.parallelBuild && rest.size() > 1)
            parallel_for_(rest, insert, std::max(1.0, rest.size() / 16.0));
        else
            insert(rest);
        if (failed)
            throw std::runtime_error(error);
    } catch (const std::exception& e) {
        reset();
        CV_Error(Error::StsNoMem, format("%s: hnswlib failed while inserting %d vectors (the index is now empty): %s",
                                         func, v.rows, e.what()));
    }
    count_ = int(total);
    internalOf_.resize(total);
    for (size_t i = 0; i < total; ++i)
        internalOf_[graph_->getExternalLabel(hnswlib::tableint(i))] = uint32_t(i);
}

void HnswIndexImpl::search(InputArray queries, int k, OutputArray distances, OutputArray indices) const
{
    const char* func = "NearestNeighborIndex::search";
    Mat q = queries.getMat();
    checkSearch(q, dims_, count_, k, func);
    const int nq = q.rows;
    const int kc = std::min(count_, k + kExtraCandidates);
    SearchOutputs out(nq, k, metric_, distances, indices);
    const Graph& g = *graph_;
    parallel_for_(Range(0, nq), [&](const Range& range) {
        std::vector<std::pair<double, int>> cand;
        for (int i = range.start; i < range.end; ++i) {
            const float* qv = q.ptr<float>(i);
            cand.clear();
            std::priority_queue<std::pair<float, hnswlib::labeltype>> found = g.searchKnn(qv, size_t(kc));
            if (int(found.size()) == kc) {
                for (; !found.empty(); found.pop()) {
                    const int id = int(found.top().second);
                    cand.emplace_back(exactKey(qv, internalOf_[size_t(id)]), id);
                }
            } else {   // fewer candidates than asked: brute force
                for (int id = 0; id < count_; ++id)
                    cand.emplace_back(exactKey(qv, internalOf_[size_t(id)]), id);
            }
            std::partial_sort(cand.begin(), cand.begin() + k, cand.end());   // by (key, id)
            for (int r = 0; r < k; ++r)
                out.set(i, r, cand[size_t(r)].first, cand[size_t(r)].second);
        }
    }, std::max(1.0, nq / 16.0));
}

void HnswIndexImpl::writeGraph(std::vector<uchar>& out) const
{
    const Graph* g = graph_.get();
    out.assign(kGraphHeaderSize, 0);
    std::memcpy(out.data(), kGraphMagic, 8);
    out.resize(8);
    putU32(out, kGraphVersion);
    putU32(out, uint32_t(dims_));
    putU32(out, uint32_t(metric_));
    putU32(out, uint32_t(params_.M));
    putU32(out, uint32_t(g ? g->ef_construction_ : size_t(std::max(params_.efConstruction, params_.M))));
    putU32(out, uint32_t(params_.seed));
    putU32(out, uint32_t(count_));
    putU32(out, uint32_t(g && count_ > 0 ? g->maxlevel_ : -1));
    putU32(out, uint32_t(g && count_ > 0 ? g->enterpoint_node_ : 0));
    VectorChecksum sum;
    for (int id = 0; id < count_; ++id)
        sum.add(reinterpret_cast<const float*>(g->getDataByInternalId(internalOf_[size_t(id)])), dims_);
    putU64(out, sum.h);
    CV_Assert(out.size() == kGraphHeaderSize);
    for (int i = 0; i < count_; ++i) {
        const hnswlib::tableint node = hnswlib::tableint(i);
        const int level = g->element_levels_[size_t(i)];
        putU32(out, uint32_t(g->getExternalLabel(node)));
        putU32(out, uint32_t(level));
        for (int layer = 0; layer <= level; ++layer) {
            hnswlib::linklistsizeint* list = g->get_linklist_at_level(node, layer);
            const unsigned short n = g->getListCount(list);
            putU32(out, n);
            const hnswlib::tableint* links = reinterpret_cast<const hnswlib::tableint*>(list + 1);
            for (unsigned short j = 0; j < n; ++j)
                putU32(out, links[j]);
        }
    }
    boost::crc_32_type crc;
    crc.process_bytes(out.data(), out.size());
    putU32(out, crc.checksum());
}

void HnswIndexImpl::restore(const std::vector<uchar>& bytes, const Mat& vectors)
{
    // --- header and CRC ---
    if (bytes.size() < kGraphHeaderSize + 4)
        graphError(format("truncated: expected at least %zu bytes, found %zu", kGraphHeaderSize + 4, bytes.size()));
    if (std::memcmp(bytes.data(), kGraphMagic, 8) != 0)
        graphError("expected the magic \"UNIHNSW\" (an HNSW graph written by HnswIndex::writeGraph), found other bytes");
    GraphReader r(bytes.data(), bytes.size() - 4);
    r.u32("magic");
    r.u32("magic");
    const uint32_t version = r.u32("version");
    if (version != kGraphVersion)
        graphError(format("expected format version %u, found %u", kGraphVersion, version));
    {
        uint32_t stored = 0;
        for (int i = 0; i < 4; ++i)
            stored |= uint32_t(bytes[bytes.size() - 4 + size_t(i)]) << (8 * i);
        boost::crc_32_type crc;
        crc.process_bytes(bytes.data(), bytes.size() - 4);
        if (stored != crc.checksum())
            graphError(format("CRC-32 mismatch (corrupt graph): stored 0x%08X, computed 0x%08X", stored, crc.checksum()));
    }
    const uint32_t dims = r.u32("dims"), metric = r.u32("metric"), M = r.u32("M");
    const uint32_t efConstruction = r.u32("efConstruction"), seed = r.u32("seed"), count = r.u32("count");
    const int32_t maxLevel = int32_t(r.u32("top layer"));
    const uint32_t entry = r.u32("entry point");
    const uint64_t checksum = r.u64("vector checksum");
    if (dims != uint32_t(dims_))
        graphError(format("dims: expected %d, found %u", dims_, dims));
    if (metric != uint32_t(metric_))
        graphError(format("metric: expected %s (%d), found %s (%u)", metricName(metric_), metric_,
                          metricName(int(std::min<uint32_t>(metric, 99))), metric));
    if (M != uint32_t(params_.M))
        graphError(format("M: expected %d (params.M), found %u", params_.M, M));
    if (count != uint32_t(vectors.rows))
        graphError(format("count: expected %d (the rows of vectors), found %u", vectors.rows, count));
    if (efConstruction < M || efConstruction > uint32_t(std::numeric_limits<int>::max()))
        graphError(format("efConstruction: expected a value in [M = %u, %d], found %u", M,
                          std::numeric_limits<int>::max(), efConstruction));
    if (count == 0 ? (maxLevel != -1 || entry != 0) : (maxLevel < 0 || maxLevel > kMaxLevel || entry >= count))
        graphError(format("top layer %d / entry point %u: expected %s, found otherwise", maxLevel, entry,
                          count == 0 ? "-1 / 0 for an empty graph"
                                     : format("a layer in [0, %d] and an entry point below %u", kMaxLevel, count).c_str()));
    VectorChecksum sum;
    for (int i = 0; i < vectors.rows; ++i)
        sum.add(vectors.ptr<float>(i), dims_);
    if (sum.h != checksum)
        graphError(format("vector checksum: expected 0x%016llx (the vectors given), found 0x%016llx: the graph was "
                          "built on other vectors", (unsigned long long)sum.h, (unsigned long long)checksum));

    // --- first pass: validate every node ---
    const uint32_t maxM0 = 2 * M, maxM = M;
    std::vector<uchar> seen(count, 0);
    std::vector<uchar> levels(count, 0);
    int topSeen = -1;
    const size_t bodyStart = r.position();
    for (uint32_t i = 0; i < count; ++i) {
        const uint32_t id = r.u32("a node's id");
        if (id >= count || seen[id])
            graphError(format("node %u: id %u: expected an unused id below %u, found %s", i, id, count,
                              id >= count ? "it out of range" : "a duplicate"));
        seen[id] = 1;
        const uint32_t level = r.u32("a node's level");
        if (level > uint32_t(maxLevel))
            graphError(format("node %u: level: expected at most the top layer %d, found %u", i, maxLevel, level));
        if (i == entry && int(level) != maxLevel)
            graphError(format("entry point %u: level: expected the top layer %d, found %u", i, maxLevel, level));
        levels[i] = uchar(level);
        topSeen = std::max(topSeen, int(level));
        for (uint32_t layer = 0; layer <= level; ++layer) {
            const uint32_t n = r.u32("a link count");
            const uint32_t cap = layer == 0 ? maxM0 : maxM;
            if (n > cap)
                graphError(format("node %u layer %u: link count: expected at most %u, found %u", i, layer, cap, n));
            r.need(size_t(n) * 4, "links");
            for (uint32_t j = 0; j < n; ++j) {
                const uint32_t link = r.u32("a link");
                if (link >= count)
                    graphError(format("node %u layer %u: link %u: expected an internal id below %u, found %u",
                                      i, layer, j, count, link));
            }
        }
    }
    if (topSeen != maxLevel)
        graphError(format("top layer: expected the highest node level %d, found %d", topSeen, maxLevel));
    if (r.remaining() != 0)
        graphError(format("expected the CRC right after the last node, found %zu more bytes", r.remaining()));

    // --- second pass: fill hnswlib's structures and check that links respect the layers (on error
    // the partly filled graph is freed: cur_element_count always counts the filled nodes) ---
    std::unique_ptr<Graph> g = makeGraph(count, efConstruction, seed);
    GraphReader body(bytes.data() + bodyStart, bytes.size() - 4 - bodyStart);
    std::vector<uint32_t> internalOf(count);
    for (uint32_t i = 0; i < count; ++i) {
        const uint32_t id = body.u32("id");
        const uint32_t level = body.u32("level");
        char* element = g->data_level0_memory_ + size_t(i) * g->size_data_per_element_ + g->offsetLevel0_;
        std::memset(element, 0, g->size_data_per_element_);
        g->setExternalLabel(i, hnswlib::labeltype(id));
        std::memcpy(g->getDataByInternalId(i), vectors.ptr<float>(int(id)), g->data_size_);
        g->element_levels_[i] = int(level);
        if (level > 0) {
            const size_t bytesNeeded = g->size_links_per_element_ * level + 1;
            g->linkLists_[i] = static_cast<char*>(std::malloc(bytesNeeded));
            if (!g->linkLists_[i]) {
                g->element_levels_[i] = 0;
                CV_Error(Error::StsNoMem, format("HnswIndex::readGraph: out of memory (%zu bytes)", bytesNeeded));
            }
            std::memset(g->linkLists_[i], 0, bytesNeeded);
        }
        g->cur_element_count = i + 1;   // from here the destructor frees this node's lists
        for (uint32_t layer = 0; layer <= level; ++layer) {
            hnswlib::linklistsizeint* list = g->get_linklist_at_level(i, int(layer));
            const uint32_t n = body.u32("count");
            g->setListCount(list, static_cast<unsigned short>(n));
            hnswlib::tableint* links = reinterpret_cast<hnswlib::tableint*>(list + 1);
            for (uint32_t j = 0; j < n; ++j) {
                links[j] = body.u32("link");
                // A link on layer l leads to a node present on layer l (the search reads its list).
                if (levels[links[j]] < layer)
                    graphError(format("node %u layer %u: link %u: expected a node present on layer %u, found node %u "
                                      "of level %u", i, layer, j, layer, links[j], unsigned(levels[links[j]])));
            }
        }
        g->label_lookup_[hnswlib::labeltype(id)] = i;
        internalOf[id] = i;
    }
    g->maxlevel_ = maxLevel;
    g->enterpoint_node_ = count > 0 ? entry : hnswlib::tableint(-1);
    params_.efConstruction = int(efConstruction);
    params_.seed = int(seed);
    graph_ = std::move(g);
    internalOf_.swap(internalOf);
    count_ = int(count);
}

} // namespace

void checkHnswParams(const HnswParams& p, const char* func)
{
    if (p.M < 2 || p.M > kMaxM)
        CV_Error(Error::StsOutOfRange, format("%s: params.M: expected a value in [2, %d], found %d", func, kMaxM, p.M));
    if (p.efConstruction < 1)
        CV_Error(Error::StsOutOfRange, format("%s: params.efConstruction: expected a value >= 1, found %d", func,
                                              p.efConstruction));
    if (p.efSearch < 1)
        CV_Error(Error::StsOutOfRange, format("%s: params.efSearch: expected a value >= 1, found %d", func, p.efSearch));
}

int resolveIndexType(int indexType, int bankSize, int autoThreshold)
{
    if (indexType == INDEX_AUTO)
        return bankSize >= autoThreshold ? INDEX_HNSW : INDEX_EXACT;
    return indexType;
}

void checkIndexType(int indexType, const char* func)
{
    if (indexType != INDEX_EXACT && indexType != INDEX_HNSW && indexType != INDEX_AUTO)
        CV_Error(Error::StsOutOfRange, format("%s: index: expected INDEX_EXACT (0), INDEX_HNSW (1) or INDEX_AUTO (2), "
                                              "found %d", func, indexType));
}

} // namespace detail

Ptr<HnswIndex> HnswIndex::create(int dims, int metric, const HnswParams& params)
{
    const char* func = "NearestNeighborIndex::createHnsw";
    if (dims < 1)
        CV_Error(Error::StsOutOfRange, format("%s: dims: expected a value >= 1, found %d", func, dims));
    detail::checkMetric(metric, func);
    detail::checkHnswParams(params, func);
    return makePtr<detail::HnswIndexImpl>(dims, metric, params);
}

Ptr<NearestNeighborIndex> NearestNeighborIndex::createHnsw(int dims, int metric, const HnswParams& params)
{
    return HnswIndex::create(dims, metric, params);
}

Ptr<HnswIndex> HnswIndex::readGraph(const std::vector<uchar>& graph, InputArray _vectors, int dims, int metric,
                                    const HnswParams& params)
{
    const char* func = "HnswIndex::readGraph";
    if (dims < 1)
        CV_Error(Error::StsOutOfRange, format("%s: dims: expected a value >= 1, found %d", func, dims));
    detail::checkMetric(metric, func);
    detail::checkHnswParams(params, func);
    const Mat vectors = _vectors.getMat();
    if (!vectors.empty())
        detail::checkVectors(vectors, dims, func, "vectors");
    Ptr<detail::HnswIndexImpl> index = makePtr<detail::HnswIndexImpl>(dims, metric, params);
    index->restore(graph, vectors);
    return index;
}

}} // namespace cv::uniSLAD
