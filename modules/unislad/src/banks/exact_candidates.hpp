// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_EXACT_CANDIDATES_HPP
#define OPENCV_UNISLAD_EXACT_CANDIDATES_HPP

// Candidate lists of the exact searches (nearest_neighbor_exact.cpp, nearest_neighbor_pruned.cpp)
// and the exact key both re-rank with, so that both return the same distances bit for bit.

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
    squared distance for L2 metrics, the negated product for INNER_PRODUCT. Eight partial sums (so that
    the compiler vectorises the loop; a single running sum is bound by the latency of its additions),
    added in a fixed order: the same inputs give the same key bit for bit. */
inline double exactKey(int metric, const float* q, const float* b, int d)
{
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    const int d8 = d & ~7;
    const bool l2 = metric != NearestNeighborIndex::INNER_PRODUCT;
    if (l2) {
        for (int j = 0; j < d8; j += 8)
            for (int l = 0; l < 8; ++l) {
                const double t = double(q[j + l]) - double(b[j + l]);
                acc[l] += t * t;
            }
        for (int j = d8; j < d; ++j) {
            const double t = double(q[j]) - double(b[j]);
            acc[j - d8] += t * t;
        }
    } else {
        for (int j = 0; j < d8; j += 8)
            for (int l = 0; l < 8; ++l)
                acc[l] += double(q[j + l]) * double(b[j + l]);
        for (int j = d8; j < d; ++j)
            acc[j - d8] += double(q[j]) * double(b[j]);
    }
    const double s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    return l2 ? s : -s;
}

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_EXACT_CANDIDATES_HPP
