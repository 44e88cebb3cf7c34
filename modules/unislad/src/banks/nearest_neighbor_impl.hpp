// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_NEAREST_NEIGHBOR_IMPL_HPP
#define OPENCV_UNISLAD_NEAREST_NEIGHBOR_IMPL_HPP

// Internals shared by the NearestNeighborIndex implementations (and visible to the tests).

#include "opencv2/unislad/nearest_neighbor.hpp"

#include <vector>

namespace cv {
namespace uniSLAD {
namespace detail {

/** Largest squared norm accepted for bank and query vectors: keeps ||b||² − 2 q·b finite in float. */
constexpr double kMaxSquaredNorm = 1e37;

/** Requires metric to be one of NearestNeighborIndex::Metric. */
CV_EXPORTS void checkMetric(int metric, const char* func);

/** Name of a metric ("L2", "L2_SQUARED", "INNER_PRODUCT"), or "unknown". */
CV_EXPORTS const char* metricName(int metric);

/** Checks a vector set for an index of dimension dims: non-empty 2-D CV_32FC1 with dims columns,
    finite values, squared norms ≤ kMaxSquaredNorm. When squaredNorms is given, it receives the
    squared norm of each row (double accumulation). */
CV_EXPORTS void checkVectors(const Mat& vectors, int dims, const char* func, const char* arg,
                             std::vector<double>* squaredNorms = nullptr);

/** Checks the arguments of search(): the queries (as checkVectors), a non-empty index of `count`
    vectors and 1 ≤ k ≤ count. */
CV_EXPORTS void checkSearch(const Mat& queries, int dims, int count, int k, const char* func);

/** The outputs of search(), allocated Nq × k when asked for; set() writes rank r of query i from its
    re-ranked key: the squared distance for L2 metrics, the negated product for INNER_PRODUCT. */
struct CV_EXPORTS SearchOutputs
{
    SearchOutputs(int nq, int k, int metric, OutputArray distances, OutputArray indices);
    void set(int i, int r, double key, int id);
    Mat dist, idx;
    int metric;
};

/** How the exact search splits its work. The split depends on these values and on the input sizes
    only, never on the number of threads, so results are identical for any thread count. */
struct ExactSearchBlocking
{
    int queryBlock = 256;      //!< queries per GEMM block
    int bankBlock = 1024;      //!< bank rows per GEMM block
    int minTasks = 64;         //!< the bank is split into chunks until query blocks × chunks reaches this
    int extraCandidates = 8;   //!< candidates kept beyond k and re-ranked with exact distances
    // The pruned search (L2 metrics; nearest_neighbor_pruned.cpp):
    int projectionRank = 24;   //!< rank of the bounds' projection; 0, or more than dims / 2 − 1: GEMM only
    int minBoundedBank = 1024; //!< smaller banks are searched with the GEMM only
    int boundQueryBlock = 64;  //!< queries per block of the pruned search
    double minCapturedVariance = 0.5;   //!< bounds only where the projection holds this share of the variance
    int extraSeeds = 3;        //!< vectors of smallest bound beyond k whose exact distance seeds the pruning
};

/** The exact index with explicit blocking (createExact uses the defaults). */
CV_EXPORTS Ptr<NearestNeighborIndex> createExactIndex(int dims, int metric, const ExactSearchBlocking& blocking);

/** Requires M in [2, 2048], efConstruction ≥ 1, efSearch ≥ 1. */
CV_EXPORTS void checkHnswParams(const HnswParams& params, const char* func);

/** Requires indexType to be one of IndexType. */
CV_EXPORTS void checkIndexType(int indexType, const char* func);

/** The index a bank of bankSize vectors gets: INDEX_EXACT or INDEX_HNSW (INDEX_AUTO resolved: HNSW
    from autoThreshold vectors on). */
CV_EXPORTS int resolveIndexType(int indexType, int bankSize, int autoThreshold);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_NEAREST_NEIGHBOR_IMPL_HPP
