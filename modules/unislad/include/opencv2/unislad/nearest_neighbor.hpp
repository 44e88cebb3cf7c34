// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_NEAREST_NEIGHBOR_HPP
#define OPENCV_UNISLAD_NEAREST_NEIGHBOR_HPP

#include <opencv2/core.hpp>

namespace cv {
namespace uniSLAD {

//! @addtogroup unislad
//! @{

/** @brief Which NearestNeighborIndex a memory bank searches with (MemoryBank::Params::index,
Params::index). */
enum IndexType
{
    INDEX_EXACT = 0,  //!< NearestNeighborIndex::createExact: brute force, exact
    INDEX_HNSW = 1,   //!< NearestNeighborIndex::createHnsw: approximate (HNSW graph)
    INDEX_AUTO = 2    //!< HNSW when the bank holds at least the auto threshold of vectors, else exact
};

/** @brief Parameters of the approximate HNSW index (NearestNeighborIndex::createHnsw), as in
hnswlib (Malkov & Yashunin, "Efficient and robust approximate nearest neighbor search using
Hierarchical Navigable Small World graphs", 2018). */
struct CV_EXPORTS_W_SIMPLE HnswParams
{
    CV_WRAP HnswParams() : M(16), efConstruction(200), efSearch(64), seed(100), parallelBuild(true) {}
    //! Links per node and layer (layer 0 keeps 2·M), in [2, 2048]: more links, higher recall, more
    //! memory (about 8·M bytes per vector) and a slower build. Default 16.
    CV_PROP_RW int M;
    //! Candidate list size while building, >= 1 (raised to M when smaller): higher, better graph and
    //! slower build. Default 200.
    CV_PROP_RW int efConstruction;
    //! Candidate list size while searching, >= 1; a search for k neighbours uses
    //! max(efSearch, min(k + 8, size())) (the k + 8 best are re-ranked with exact distances).
    //! Higher, better recall and slower search (see BENCHMARKS.md for the curve). Default 64.
    CV_PROP_RW int efSearch;
    //! Seed of the random layer assignment. Default 100 (hnswlib's).
    CV_PROP_RW int seed;
    //! Insert the vectors in parallel (cv::parallel_for_). The graph then depends on the thread
    //! scheduling; with false, or with cv::setNumThreads(1), the build is deterministic: the same
    //! vectors, order and seed give the same graph and the same results. Default true.
    CV_PROP_RW bool parallelBuild;
};

/** @brief k-nearest-neighbour search over a bank of vectors (paper Eq. 16-17).

An index holds a bank of `size()` vectors of dimension `dims()`, each with an id: its row number in
the order of `add()` calls (0, 1, 2, ...). `search()` returns, for each query, the k bank vectors
nearest to it under the index's metric, nearest first.

Layout: every vector set is a 2-D, single-channel CV_32F matrix, one vector per row (row-major N × d;
a non-continuous ROI is accepted). Every value must be finite.

Metrics (NearestNeighborIndex::Metric), for a query q and a bank vector b:
- **L2**: the Euclidean distance \f$\|q - b\|_2\f$ (the patch scores of Eq. 16); smaller is nearer.
- **L2_SQUARED**: \f$\|q - b\|_2^2\f$; the same neighbours as L2, without the square root.
- **INNER_PRODUCT**: the inner product \f$q \cdot b\f$ (the class-feature similarity of Eq. 17);
  LARGER is nearer, so the results are ordered by decreasing product and the returned "distances"
  are the products themselves (not 1 − product).

Order and ties: results are sorted nearest first; equal distances (exact ties, e.g. duplicate bank
vectors) are ordered by increasing id. Results do not depend on the number of threads
(cv::setNumThreads) nor on how the bank was split over `add()` calls.

Thread safety: `search()` may run concurrently from several threads; `add()` and `reset()` must not
run concurrently with anything else on the same index.

Implementations: createExact() (brute force, exact) and createHnsw() (approximate: an HNSW graph,
see HnswIndex). Both follow this contract; the approximate one may miss a true neighbour (recall
below 1), and its results depend on the thread count of its build (see HnswParams::parallelBuild).

Example:
@code
    Ptr<uniSLAD::NearestNeighborIndex> index =
        uniSLAD::NearestNeighborIndex::createExact(bank.cols, uniSLAD::NearestNeighborIndex::L2);
    index->add(bank);                          // Nb × d, CV_32F
    Mat dist, ids;
    index->search(queries, 1, dist, ids);      // queries: Nq × d; dist: Nq × 1 CV_32F, ids: Nq × 1 CV_32S
@endcode
*/
class CV_EXPORTS_W NearestNeighborIndex : public Algorithm
{
public:
    /** @brief The distance (or similarity) an index ranks by. */
    enum Metric
    {
        L2 = 0,            //!< Euclidean distance ||q − b|| (Eq. 16), ascending
        L2_SQUARED = 1,    //!< squared Euclidean distance ||q − b||², ascending
        INNER_PRODUCT = 2  //!< inner product q · b (Eq. 17), DESCENDING (larger is nearer)
    };

    /** @brief Dimension d of the vectors, fixed at creation. */
    CV_WRAP virtual int dims() const = 0;

    /** @brief Number of vectors in the bank (ids are 0 … size() − 1). */
    CV_WRAP virtual int size() const = 0;

    /** @brief The metric, one of NearestNeighborIndex::Metric, fixed at creation. */
    CV_WRAP virtual int metric() const = 0;

    /** @brief Appends vectors to the bank.
    @param vectors N × dims() CV_32FC1 matrix, N ≥ 1, finite values; row i gets id size() + i (size()
    before the call). The data is copied. Adding A then B is the same as adding A and B concatenated.
    */
    CV_WRAP virtual void add(InputArray vectors) = 0;

    /** @brief Finds the k nearest bank vectors of each query.
    @param queries Nq × dims() CV_32FC1 matrix, Nq ≥ 1, finite values.
    @param k number of neighbours per query, 1 ≤ k ≤ size().
    @param distances output, Nq × k CV_32FC1: row i holds query i's distances (for INNER_PRODUCT: the
    products), nearest first. May be noArray().
    @param indices output, Nq × k CV_32SC1: the ids of those neighbours, in the same order (ties by
    increasing id). May be noArray().
    */
    CV_WRAP virtual void search(InputArray queries, int k, OutputArray distances, OutputArray indices) const = 0;

    /** @brief Removes every vector; dims() and metric() are kept. */
    CV_WRAP virtual void reset() = 0;

    /** @brief True while the bank holds no vector. */
    CV_WRAP virtual bool empty() const CV_OVERRIDE = 0;

    /** @brief Creates an exact (brute-force) index.

    For L2 metrics the search first bounds every distance from below with a low-rank projection of
    the bank (its leading principal directions and the residual norm, computed at the first search
    after add()), and computes exact distances only for the bank vectors whose bound does not exceed
    the k-th best distance found: the result is the exact k-NN, as a brute force in double precision
    would give it, and it does not depend on the projection. On data with a decaying spectrum (patch
    features) this skips most of the work; where the projection would not help (isotropic data, less
    than half of the variance in its directions, small banks, INNER_PRODUCT) the search below runs.

    The plain search computes all query × bank products in blocks with a matrix product (GEMM) and keeps a
    running top-k per query, so its memory stays bounded (it never holds an Nq × Nb matrix); it runs
    in parallel with cv::parallel_for_. For L2 metrics the candidates are ranked with the expansion
    \f$\|q - b\|^2 = \|q\|^2 + \|b\|^2 - 2\,q \cdot b\f$ in single precision, which loses accuracy
    for near-duplicate vectors (absolute error about 1e-7 · (||q||² + ||b||²)). To keep the result
    exact, a few more candidates than k are kept (k + 8), and their distances are recomputed
    directly from the vectors with double-precision accumulation; these exact values are returned
    and decide the final order. The returned neighbours can differ from the true ones only when more
    than 8 bank vectors lie within that rounding error of the k-th distance.

    Values are limited to squared norms ≤ 1e37 so that no intermediate value overflows.

    @param dims dimension d of the vectors, ≥ 1.
    @param metric one of NearestNeighborIndex::Metric. Default: L2.
    */
    CV_WRAP static Ptr<NearestNeighborIndex> createExact(int dims, int metric = NearestNeighborIndex::L2);

    /** @brief Creates an approximate index: a Hierarchical Navigable Small World graph (hnswlib).
    The same as HnswIndex::create(); see HnswIndex for the details.
    @param dims dimension d of the vectors, ≥ 1.
    @param metric one of NearestNeighborIndex::Metric. Default: L2.
    @param params graph and search parameters. Default: HnswParams().
    */
    CV_WRAP static Ptr<NearestNeighborIndex> createHnsw(int dims, int metric = NearestNeighborIndex::L2,
                                                        const HnswParams& params = HnswParams());
};

/** @brief Approximate k-nearest-neighbour search with an HNSW graph (hnswlib 0.6.2).

It follows the NearestNeighborIndex contract (ids, metrics, order, errors), with these differences:
- **Approximate**: each query walks the graph with a candidate list of max(efSearch, k + 8) entries
  and can miss a true neighbour; recall@1 rises with efSearch (BENCHMARKS.md measures it). The
  returned distances are exact for the neighbours found: the candidates are re-ranked by their
  distance recomputed from the vectors in double precision, as the exact index does (L2: square
  root of the squared distance; L2_SQUARED: squared; INNER_PRODUCT: the product itself, larger is
  nearer, although the graph is walked with hnswlib's 1 − product). Ties are ordered by id.
- **Build**: add() inserts vectors one by one into the graph. With HnswParams::parallelBuild the
  first vector of an index is inserted alone, then the others in parallel (cv::parallel_for_);
  the resulting graph then depends on thread scheduling. A single-threaded build
  (parallelBuild = false, or cv::setNumThreads(1)) is deterministic for the same vectors, order of
  add() calls and seed. Adding A then B gives a graph as good as adding both at once, not the same
  one.
- **Threads**: search() is const and may run from any number of threads at once (the search
  parameters are only read). add(), reset() and setEfSearch() must not run concurrently with
  anything else on the same index: hnswlib's insertion is not safe alongside a search.
- **Persistence**: writeGraph() serialises the graph without the vectors (they are usually stored
  beside it, as a memory bank's tensor); readGraph() rebuilds the index from the graph and the
  same vectors without re-inserting anything, after checking dims, metric, M, count, a checksum
  of the vectors and a CRC-32 of the graph.
*/
class CV_EXPORTS_W HnswIndex : public NearestNeighborIndex
{
public:
    //! The index's parameters (declared before NearestNeighborIndex, whose createHnsw() takes them).
    typedef HnswParams Params;

    /** @brief Creates an empty HNSW index.
    @param dims dimension d of the vectors, ≥ 1.
    @param metric one of NearestNeighborIndex::Metric. Default: L2.
    @param params graph and search parameters (checked here). Default: HnswParams().
    */
    CV_WRAP static Ptr<HnswIndex> create(int dims, int metric = NearestNeighborIndex::L2,
                                         const HnswParams& params = HnswParams());

    /** @brief The parameters (efSearch as last set). */
    CV_WRAP virtual HnswParams getParams() const = 0;

    /** @brief Sets the search's candidate list size, ≥ 1 (a search uses max(ef, k + 8)). Must not run
    concurrently with search().
    @param ef the new efSearch.
    */
    CV_WRAP virtual void setEfSearch(int ef) = 0;

    /** @brief Serialises the graph (links, layers, ids; not the vectors) with a header holding dims,
    metric, M, efConstruction, count, a checksum of the vectors and a CRC-32 of the whole. Format
    described in src/nearest_neighbor_hnsw.cpp.
    @param graph output bytes; an empty index gives a valid graph of 0 vectors.
    */
    CV_WRAP virtual void writeGraph(CV_OUT std::vector<uchar>& graph) const = 0;

    /** @brief Restores an index from writeGraph()'s bytes and the vectors it was built on, without
    rebuilding the graph.

    Everything is validated before use (sizes, links in range, the CRC-32, the vectors' checksum):
    a corrupt, truncated or foreign graph, or one that does not match the arguments, raises a
    cv::Exception saying what was expected and what was found; it never crashes.
    @param graph bytes written by writeGraph().
    @param vectors the vectors in id order, count × dims CV_32FC1, exactly those indexed when the
    graph was written.
    @param dims expected dimension.
    @param metric expected metric.
    @param params expected M (efConstruction and seed are taken from the graph); efSearch and
    parallelBuild apply to the restored index.
    */
    CV_WRAP static Ptr<HnswIndex> readGraph(const std::vector<uchar>& graph, InputArray vectors, int dims,
                                            int metric, const HnswParams& params = HnswParams());
};

//! @}

}} // namespace cv::uniSLAD

#endif // OPENCV_UNISLAD_NEAREST_NEIGHBOR_HPP
