// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_LEDOIT_WOLF_HPP
#define OPENCV_UNISLAD_LEDOIT_WOLF_HPP

// Covariance statistics shared by MahalanobisTransform and GaussianModel: the column means in double
// and the Ledoit-Wolf (2004) shrinkage intensity.

#include <opencv2/core.hpp>

#include "eigen.hpp"

namespace cv {
namespace uniSLAD {
namespace detail {

/** Column means of an n x d CV_32F matrix, summed in double in row order (deterministic for any
    thread count). */
Eigen::RowVectorXd columnMeans(const Mat& X);

/** Ledoit-Wolf shrinkage intensity delta in [0, 1] of the shrunk covariance (1 - delta) S + delta mu I,
    computed as sklearn.covariance.ledoit_wolf_shrinkage does (assume_centered=False), from moments of
    the n centred samples x_k (rows of Xc) with S = Xc^T Xc / n (the 1/n maximum-likelihood estimate):
      mu    = tr(S) / d
      dd    = ||S - mu I||_F^2 / d                   = (||S||_F^2 - tr(S)^2 / d) / d
      bb    = sum_k ||x_k x_k^T - S||_F^2 / (n^2 d)  = (sum_k ||x_k||^4 / n - ||S||_F^2) / (n d)
      delta = min(bb, dd) / dd                       (0 when bb = 0, clipped to [0, 1])
    @param n number of samples
    @param d dimension (delta = 0 for d = 1, as in sklearn)
    @param traceS tr(S)
    @param frobS2 ||S||_F^2
    @param sumNorm4 sum_k ||x_k||^4 */
CV_EXPORTS double ledoitWolfShrinkage(double n, int d, double traceS, double frobS2, double sumNorm4);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_LEDOIT_WOLF_HPP
