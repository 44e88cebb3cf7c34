// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_MEMORY_BANK_HPP
#define OPENCV_UNISLAD_MEMORY_BANK_HPP

#include <opencv2/core.hpp>

#include "opencv2/unislad/mahalanobis.hpp"
#include "opencv2/unislad/nearest_neighbor.hpp"

namespace cv {
namespace uniSLAD {

//! @addtogroup unislad
//! @{

/** @brief A memory bank: a coreset of nominal features, Mahalanobis-transformed, with a
nearest-neighbour index (paper III-B, Eq. 5-11, searched as in Eq. 16-17).

fit() selects the coreset F_p of the features, fits the transform on F_p, and indexes MT(F_p).
nearest() transforms the queries the same way and returns, per query, the distance (or inner product)
to its nearest bank vector. The index is exact or HNSW as Params::index chooses for the bank's
size; an HNSW bank's graph (getIndex(), HnswIndex::writeGraph()) restores it without a rebuild.
extended() adds nominal features to a fitted bank (UniSLAD::update): the coreset is selected again
over the kept coreset and the new features, so the bank never needs the features it was first fitted
on. A bank whose indexed vectors are not its coreset (with the transform, or L2-normalised for
INNER_PRODUCT) keeps the coreset as well for that, which doubles its memory.

Thread safety: nearest() is const and may be called from several threads at once; fit() may not run
alongside it.
*/
class CV_EXPORTS_W MemoryBank : public Algorithm
{
public:
    /** @brief How a memory bank is built (paper III-B). */
    struct CV_EXPORTS_W_SIMPLE Params
    {
        CV_WRAP Params();
        //! Fraction of the features kept by the greedy coreset (Eq. 5), in (0, 1]; 1 keeps all. Default 0.1.
        CV_PROP_RW double coresetRatio;
        //! Random projection of the coreset selection; 0 selects in the full space. Default 128.
        CV_PROP_RW int projectionDims;
        //! Seed of the coreset's projection and start (the HNSW graph has its own, hnsw.seed). Default 0.
        CV_PROP_RW int seed;
        //! Apply the Mahalanobis Transform (Eq. 6-11) to bank and queries. Default true (paper's MT).
        CV_PROP_RW bool mahalanobis;
        //! Regularisation of the transform, MahalanobisTransform::Regularization. Default RIDGE.
        CV_PROP_RW int regularization;
        //! ε of the ridge (relative to the mean variance) or the fixed shrinkage (-1: Ledoit-Wolf). Default 1e-3.
        CV_PROP_RW double epsilon;
        //! NearestNeighborIndex::Metric of the search: L2 for patch banks (Eq. 16), INNER_PRODUCT for the
        //! class bank (Eq. 17). Default L2.
        CV_PROP_RW int metric;
        //! IndexType of the search: INDEX_EXACT, INDEX_HNSW, or INDEX_AUTO (HNSW from autoIndexThreshold
        //! vectors on). Default INDEX_EXACT.
        CV_PROP_RW int index;
        //! INDEX_AUTO: the bank size from which HNSW is used. Default 50000 (see cv::uniSLAD::Params::autoIndexThreshold).
        CV_PROP_RW int autoIndexThreshold;
        //! The HNSW index's graph and search parameters, where the bank uses one. Default HnswParams() but
        //! for the seed of its layer assignment, 0.
        CV_PROP_RW HnswParams hnsw;
    };

    /** @brief An empty bank; fit() fills it. */
    CV_WRAP static Ptr<MemoryBank> create(const Params& params = Params());

    /** @brief A bank restored from its state (see getBank(), getTransform()).
    @param params the parameters it was built with
    @param bank the transformed coreset, n × d CV_32F
    @param transform the fitted transform; empty when params.mahalanobis is false
    */
    CV_WRAP static Ptr<MemoryBank> create(const Params& params, InputArray bank,
                                          const Ptr<MahalanobisTransform>& transform);

    /** @brief A bank restored from its state and, for an HNSW index, its graph (no rebuild).
    @param params the parameters it was built with
    @param bank the transformed coreset, n × d CV_32F
    @param transform the fitted transform; empty when params.mahalanobis is false
    @param graph HnswIndex::writeGraph()'s bytes of the bank's index, checked against the bank and
    params (HnswIndex::readGraph); empty: the index is built as fit() builds it
    */
    CV_WRAP static Ptr<MemoryBank> create(const Params& params, InputArray bank,
                                          const Ptr<MahalanobisTransform>& transform,
                                          const std::vector<uchar>& graph);

    /** @brief A bank restored from its full state, which extended() can grow.
    @param params the parameters it was built with
    @param bank the transformed coreset, n × d CV_32F
    @param transform the fitted transform; empty when params.mahalanobis is false
    @param graph see the overload above
    @param coreset the coreset before the transform (getCoreset()), n × d CV_32F; empty where it is the
    bank itself (no transform, L2 metric) or where the bank need not grow (extended() then raises)
    @param sourceCount the number of features the bank was selected from (getSourceCount()); 0:
    unknown, taken as round(n / params.coresetRatio)
    */
    CV_WRAP static Ptr<MemoryBank> create(const Params& params, InputArray bank,
                                          const Ptr<MahalanobisTransform>& transform,
                                          const std::vector<uchar>& graph, InputArray coreset, int sourceCount);

    /** @brief Builds the bank from nominal features, N × d CV_32F (N >= 2 with the transform). */
    CV_WRAP virtual void fit(InputArray features) = 0;

    /** @brief A new bank: this one with more nominal features (this bank is not changed).

    The coreset is selected again (Eq. 5, same seed and projection) over this bank's coreset
    (getCoreset()) followed by the new features, keeping as many vectors as fit() keeps of all
    getSourceCount() + N features: max(1, round(coresetRatio · (getSourceCount() + N))), at most all of
    them. The transform is fitted again on the new coreset and the index built again. Every feature
    the bank was fitted on was within the old coverage radius r of the old coreset, so the new bank
    covers all of them within r + r', r' the radius of the new selection over its input; a full fit on
    all features selects from all of them and covers them within its own radius (of the same order:
    test_memory_bank.cpp; the detector's accuracy either way: BENCHMARKS.md, "Adding images to a model").
    @param features new nominal features, N × d CV_32F, N >= 1, d = dims()
    @return the grown bank; its getCoresetIndices() are rows of [getCoreset(); features] */
    CV_WRAP virtual Ptr<MemoryBank> extended(InputArray features) const = 0;

    /** @brief Distance from each query to its nearest bank vector (for INNER_PRODUCT: the largest
        inner product). queries: M × d CV_32F; distances: M × 1 CV_32F. */
    CV_WRAP virtual void nearest(InputArray queries, OutputArray distances) const = 0;

    /** @brief The queries as the bank sees them: Mahalanobis-transformed; without MT a copy, with
        rows L2-normalised for INNER_PRODUCT (a cosine, as MT's Eq. 10 normalisation gives). */
    CV_WRAP virtual void transform(InputArray features, OutputArray transformed) const = 0;

    CV_WRAP virtual Mat getBank() const = 0;                           //!< the indexed vectors
    CV_WRAP virtual Ptr<MahalanobisTransform> getTransform() const = 0; //!< empty without MT
    CV_WRAP virtual std::vector<int> getCoresetIndices() const = 0;    //!< rows of fit()'s input kept, ascending
    //! The coreset before the transform (the bank itself without it, for L2); empty where a restored bank
    //! was given none.
    CV_WRAP virtual Mat getCoreset() const = 0;
    //! The number of features the coreset was selected from: fit()'s rows, plus those of every extended().
    CV_WRAP virtual int getSourceCount() const = 0;
    CV_WRAP virtual Params getParams() const = 0;
    //! The index searched (exact or HnswIndex, as params.index chose for this bank's size); empty before fit().
    CV_WRAP virtual Ptr<NearestNeighborIndex> getIndex() const = 0;
    CV_WRAP virtual int size() const = 0;
    CV_WRAP virtual int dims() const = 0;
};

//! The former name of MemoryBank::Params.
typedef MemoryBank::Params MemoryBankParams;

//! @}

}} // namespace cv::uniSLAD

#endif // OPENCV_UNISLAD_MEMORY_BANK_HPP
