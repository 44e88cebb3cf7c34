// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_EXACT_CANDIDATES_HPP
#define OPENCV_UNISLAD_EXACT_CANDIDATES_HPP

// Candidate lists of the exact searches (nearest_neighbor_exact.cpp, nearest_neighbor_pruned.cpp)
// and the exact key both re-rank with, so that both return the same distances bit for bit.

#include "eigen.hpp"
#include "opencv2/unislad/nearest_neighbor.hpp"

#include <algorithm>
#include <limits>

namespace cv {
namespace uniSLAD {
namespace detail {

/** A candidate: ranking key (smaller is nearer) and bank id. */
struct Candidate
{
    float key;
    int id;
};

/** Total order on candidates: key, then id (ties go to the smaller id). */
inline bool candidateLess(const Candidate& a, const Candidate& b)
{
    return a.key < b.key || (a.key == b.key && a.id < b.id);
}

/** Lists longer than this are kept as a binary max-heap, shorter ones as a sorted array. */
constexpr int kHeapThreshold = 32;

/** Bounded list of the `capacity` smallest candidates of one query. Candidates arrive with
    increasing ids, so a new one is admitted only if its key is strictly smaller than the worst. */
struct TopList
{
    Candidate* items;
    int& count;
    int capacity;
    bool heap;

    float threshold() const
    {
        if (count < capacity)
            return std::numeric_limits<float>::infinity();
        return heap ? items[0].key : items[capacity - 1].key;
    }

    void push(Candidate c)
    {
        if (heap) {
            if (count < capacity) {
                items[count++] = c;
                std::push_heap(items, items + count, candidateLess);
            } else {
                std::pop_heap(items, items + capacity, candidateLess);
                items[capacity - 1] = c;
                std::push_heap(items, items + capacity, candidateLess);
            }
            return;
        }
        int pos = count < capacity ? count++ : capacity - 1;
        while (pos > 0 && candidateLess(c, items[pos - 1])) {
            items[pos] = items[pos - 1];
            --pos;
        }
        items[pos] = c;
    }
};

/** The exact re-ranking key of bank vector b for query q (d values each), double accumulation: the
    squared distance for L2 metrics, the negated product for INNER_PRODUCT. */
inline double exactKey(int metric, const float* q, const float* b, int d)
{
    Eigen::Map<const Eigen::VectorXf> qv(q, d), bv(b, d);
    return metric == NearestNeighborIndex::INNER_PRODUCT ? -qv.cast<double>().dot(bv.cast<double>())
                                                         : (qv.cast<double>() - bv.cast<double>()).squaredNorm();
}

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_EXACT_CANDIDATES_HPP
