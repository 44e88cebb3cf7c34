// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_TOURNAMENT_HPP
#define OPENCV_UNISLAD_TOURNAMENT_HPP

// The greedy k-center's choice of the next centre (greedy_kcenter.cpp): the cluster with the largest
// radius, then the smallest row index.

#include <climits>
#include <cstddef>
#include <vector>

namespace cv {
namespace uniSLAD {
namespace detail {
namespace coreset {

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

inline constexpr Key kEmptyKey = {-1.f, INT_MAX};

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

} // namespace coreset
}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_TOURNAMENT_HPP
