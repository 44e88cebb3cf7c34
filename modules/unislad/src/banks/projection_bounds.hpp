// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_PROJECTION_BOUNDS_HPP
#define OPENCV_UNISLAD_PROJECTION_BOUNDS_HPP

// Lower bounds on squared L2 distances from a low-rank orthonormal projection of the bank, for the
// pruned exact search (nearest_neighbor_pruned.cpp; the reasoning is there).

#include <opencv2/core.hpp>

#include <vector>

namespace cv {
namespace uniSLAD {
namespace detail {

/** A bank's projection: x ↦ x̃ = [P(x − μ), ‖(I − PᵀP)(x − μ)‖] with P of orthonormal rows (rank × dims).
    For any q and b, ‖q̃ − b̃‖² ≤ ‖q − b‖². */
struct CV_EXPORTS ProjectionBounds
{
    int dims = 0;
    int rank = 0;                 //!< rows of P; the coordinates x̃ have rank + 1 values
    std::vector<double> mean;     //!< μ, dims values
    std::vector<double> basis;    //!< P, rank × dims, row-major, orthonormal rows
    /** b̃ of the bank in panels of 8 vectors (bound_kernels.hpp): panel p holds (rank + 1) × 8 values,
        coordinate-major; the last panel is padded with zeros. */
    std::vector<float> panels;
    /** (1 − kBoundSlack) ‖b̃‖² of the bank, 8 per panel; +∞ for the padding (never a candidate). */
    std::vector<float> panelNorms;
    double capturedVariance = 0;  //!< share of the (sampled) bank's variance within P's directions
    bool usable = false;          //!< false when the bounds cannot help (then the plain search runs)

    /** Writes x̃ (rank + 1 floats, at `coords`) and returns ‖x̃‖² (= ‖x − μ‖², double) for each row of x. */
    void project(const float* x, size_t xStride, int rows, float* coords, double* squaredNorms) const;
};

/** Relative slack of the pruning test, far above the float rounding of the bound's products (about
    (rank + 8) · 2⁻²⁴ of ‖q̃‖² + ‖b̃‖²): a vector is skipped only when its bound exceeds the k-th best
    distance by more than kBoundSlack · (‖q̃‖² + ‖b̃‖²). */
constexpr double kBoundSlack = 1e-4;

/** Builds the bounds of a bank (count × dims floats, row-major): μ the mean, P the leading principal
    directions (subspace iteration on at most 2048 evenly spaced rows, fixed seed: the same bank gives
    the same basis), orthonormalised in double precision. Not usable when P captures less than
    minCapturedVariance of the variance, or the norms are too large for float keys. */
CV_EXPORTS ProjectionBounds buildProjectionBounds(const float* data, int count, int dims, int rank,
                                                  double minCapturedVariance = 0.0);

struct ExactSearchBlocking;
struct SearchOutputs;

/** Exact L2 search of the queries q in the bank `data` (count × bounds.dims) with the bounds' pruning,
    writing rows of `out`. Query blocks where the bounds prune too little are left to the GEMM search:
    their row ranges are appended to `rest` (and their rows are not written). */
CV_EXPORTS void prunedSearch(const ProjectionBounds& bounds, const float* data, int count, const Mat& q, int k,
                             const ExactSearchBlocking& blocking, SearchOutputs& out, std::vector<Range>& rest);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_PROJECTION_BOUNDS_HPP
