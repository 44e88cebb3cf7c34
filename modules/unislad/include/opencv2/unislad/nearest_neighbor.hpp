// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_NEAREST_NEIGHBOR_HPP
#define OPENCV_UNISLAD_NEAREST_NEIGHBOR_HPP

#include <opencv2/core.hpp>

namespace cv {
namespace uniSLAD {

//! @addtogroup unislad
//! @{

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

Implementations: createExact() (brute force, exact). An approximate index (HNSW) implements the same
interface.

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

    The search computes all query × bank products in blocks with a matrix product (GEMM) and keeps a
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
};

//! @}

}} // namespace cv::uniSLAD

#endif // OPENCV_UNISLAD_NEAREST_NEIGHBOR_HPP
