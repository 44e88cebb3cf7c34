// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_CORESET_HPP
#define OPENCV_UNISLAD_CORESET_HPP

#include <opencv2/core.hpp>

#include <vector>

namespace cv {
namespace uniSLAD {

//! @addtogroup unislad
//! @{

/** @brief Greedy k-center coreset selection (paper Eq. 5, as in PatchCore).

The rows of an N × d CV_32F feature set are first mapped by a seeded Gaussian random projection to
`projectionDims` dimensions, rounded to IEEE half precision (see project()). Greedy k-center selection
then runs on the projected rows:
the first centre is the start row; every following centre is the not yet selected row whose squared
Euclidean distance to its nearest centre is the largest (ties go to the smallest row index). The
result is the list of selected row indices, in selection order.

The selection is exact: it equals what the plain O(N·k·d') greedy algorithm computes on the projected
rows (squared distances computed in float, with one fixed summation order), for any thread count.
It is computed without an N × N matrix, in O(N·d') memory (the projected rows are stored in half
precision, N·d'·2 bytes, after a transient N·d'·4 bytes float projection), in
parallel (cv::parallel_for_), with the triangle inequality pruning every cluster of points that a new
centre cannot reach and exact early exits in the distance evaluations (see the source for the
algorithm). Pruning is effective when the data has a low intrinsic dimension (clusters, manifolds);
on isotropic data (random noise, or blobs of it) most points must be revisited at every step and the
cost approaches N·k·d'.

Randomness, from the seed only: the projection matrix is filled by `cv::RNG(seed)` (see project());
a random start row, when `startIndex` is negative, is `cv::RNG(seed).uniform(0, N)` (an independent
generator with the same seed).
 */
class CV_EXPORTS_W CoresetSampler : public Algorithm
{
public:
    /** @brief Parameters of the coreset selection. */
    struct CV_EXPORTS_W_SIMPLE Params
    {
        CV_WRAP Params();

        /** Fraction of the rows to select, in (0, 1]; used when `count` is 0. The number selected is
            max(1, round(ratio · N)), rounding halves up. Default 0.1. */
        CV_PROP_RW double ratio;
        /** Number of rows to select, in [1, N]; 0 selects by `ratio`. Default 0. */
        CV_PROP_RW int count;
        /** Dimension of the random projection. 0, or a value >= d, skips the projection and selects
            in the original space; negative values are an error. Default 128. */
        CV_PROP_RW int projectionDims;
        /** Seed of the projection matrix and of the random start row. Default 0. */
        CV_PROP_RW int seed;
        /** Row of the first centre, in [0, N); negative draws it from the seed. Default -1. */
        CV_PROP_RW int startIndex;
    };

    /** @brief Creates a sampler.
    @param params selection parameters (see CoresetSampler::Params for the defaults).
     */
    CV_WRAP static Ptr<CoresetSampler> create(const CoresetSampler::Params& params = CoresetSampler::Params());

    /** @brief The current parameters. */
    CV_WRAP virtual CoresetSampler::Params getParams() const = 0;

    /** @brief Replaces the parameters (checked here, except what depends on the features).
    @param params new parameters.
     */
    CV_WRAP virtual void setParams(const CoresetSampler::Params& params) = 0;

    /** @brief Selects the coreset rows (Eq. 5).
    @param features N × d CV_32FC1 feature set, one vector per row, finite values.
    @return the selected row indices, distinct, in selection order; their number is
            selectionCount(N).
     */
    CV_WRAP virtual std::vector<int> select(InputArray features) const = 0;

    /** @brief Applies the sampler's random projection: projected = features · P.

    P is a d × projectionDims CV_32F matrix filled with standard normal values by
    `cv::RNG(seed).fill(P, RNG::NORMAL, 0, 1)`, then multiplied by 1/sqrt(projectionDims) (a
    Johnson-Lindenstrauss projection: squared distances are preserved in expectation). The product
    (computed in float) is then rounded to IEEE binary16 precision with one power-of-two scale for the
    whole matrix: with 2^e the scale that brings the largest |value| into [2^14, 2^15) (e = 0 when all
    values are 0; e is kept in [-100, 100]), every value v becomes float16(v · 2^e) · 2^-e, rounded to
    nearest even. The values stay CV_32F and are exact (each one is a half-precision number times a
    power of two), so the rounding loses no range, only precision: about 2^-11 relative to the
    largest value. This halves the memory select() streams through; the projection itself is a random
    sketch whose distortion of distances (order 1/sqrt(projectionDims)) is far larger, so the rounding
    changes nothing that matters for coverage. Because of the common scale, a row's values depend on
    the largest value of the whole matrix. When the projection is skipped (projectionDims is 0 or >= d),
    `projected` is a copy of `features`, not rounded. select() works on exactly these values (and
    computes every distance in float from them), so users can reproduce or inspect its metric space.
    @param features N × d CV_32FC1 feature set.
    @param projected N × projectionDims (or N × d) CV_32FC1 output.
     */
    CV_WRAP virtual void project(InputArray features, OutputArray projected) const = 0;

    /** @brief Number of rows select() returns for a feature set of n rows.
    @param n number of rows, >= 1.
    @return `count` when it is set (it must not exceed n), otherwise max(1, round(ratio · n)).
     */
    CV_WRAP virtual int selectionCount(int n) const = 0;
};

/** @brief Coverage radius of a subset: max over all rows of the Euclidean (not squared) distance to
the nearest selected row.

It is computed in the space of the rows given: pass `features` for the original space, or the output
of CoresetSampler::project() for the space the sampler selects in (the greedy algorithm minimises the
radius there, up to a factor 2). The cost is O(N · k · d), parallel; meant for evaluation.
@param features N × d CV_32FC1 feature set, finite values.
@param indices selected rows, non-empty, each in [0, N).
@return the radius (0 when every row is selected).
 */
CV_EXPORTS_W double coresetCoverageRadius(InputArray features, const std::vector<int>& indices);

//! @}

}} // namespace cv::uniSLAD

#endif // OPENCV_UNISLAD_CORESET_HPP
