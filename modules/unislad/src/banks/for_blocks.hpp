// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_FOR_BLOCKS_HPP
#define OPENCV_UNISLAD_FOR_BLOCKS_HPP

#include <opencv2/core.hpp>

#include <algorithm>

namespace cv {
namespace uniSLAD {
namespace detail {
namespace coreset {

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

} // namespace coreset
}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_FOR_BLOCKS_HPP
