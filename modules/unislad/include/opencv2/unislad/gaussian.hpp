// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_GAUSSIAN_HPP
#define OPENCV_UNISLAD_GAUSSIAN_HPP

#include <opencv2/core.hpp>

namespace cv {
namespace uniSLAD {

//! @addtogroup unislad
//! @{

/** @brief A Gaussian model of nominal image-level features with Mahalanobis distance (paper Eq. 15, 19).

fit() estimates, from n feature vectors x_k (one per row, d columns):
- the mean \f$\mu = \frac{1}{n}\sum_k x_k\f$;
- the shrunk covariance \f$\Sigma = (1-\delta)\,S + \delta\,m\,I\f$ where \f$S = \frac{1}{n}\sum_k (x_k-\mu)(x_k-\mu)^\top\f$
  is the maximum-likelihood covariance (note: 1/n, not 1/(n-1), exactly as sklearn.covariance.ledoit_wolf),
  \f$m = \mathrm{tr}(S)/d\f$, and \f$\delta\in[0,1]\f$ the Ledoit-Wolf (2004) shrinkage intensity, computed as
  sklearn.covariance.ledoit_wolf does with assume_centered=False, or fixed by Params::shrinkage.
  Shrinkage is what makes \f$\Sigma\f$ invertible in the usual case of fewer images than dimensions.

mahalanobis() then returns, per row x, \f$\sqrt{(x-\mu)^\top\Sigma^{-1}(x-\mu)}\f$ (Eq. 19).

Numerics (all in double precision): with n >= d, \f$\Sigma\f$ is formed and factorised by Cholesky
(O(n d^2 + d^3) to fit, O(d^2) per query). With n < d and \f$\delta > 0\f$, the low-rank plus scaled-identity
structure \f$\Sigma = aI + b X_c^\top X_c\f$ (a = \f$\delta m\f$, b = \f$(1-\delta)/n\f$) is used through the
Woodbury identity, \f$(x-\mu)^\top\Sigma^{-1}(x-\mu) = (\|y\|^2 - b\,v^\top(aI_n + bX_cX_c^\top)^{-1}v)/a\f$ with
y = x - \f$\mu\f$ and v = \f$X_c y\f$: O(n^2 d) to fit and O(n d) per query, and no d x d matrix is formed.
Both give the same distances to rounding (Params::solver chooses). Batches are processed in parallel over
fixed blocks of rows: the distances are identical for any thread count.

State: getMean(), getCovariance(), shrinkage(); create(InputArray, InputArray, double) rebuilds a model
from a mean and a covariance. write()/read() persist the fitted state exactly and compactly (the n x d
centred samples instead of the d x d covariance when the Woodbury form is in use), so that
Algorithm::load<GaussianModel>() works. empty() is true until the model is fitted.
*/
class CV_EXPORTS_W GaussianModel : public Algorithm
{
public:
    /** @brief How \f$\Sigma^{-1}\f$ is applied. */
    enum Solver
    {
        SOLVER_AUTO = 0,      //!< WOODBURY when n < d and \f$\delta > 0\f$, DENSE otherwise (default)
        SOLVER_DENSE = 1,     //!< d x d Cholesky factorisation of \f$\Sigma\f$
        SOLVER_WOODBURY = 2   //!< n x n Cholesky factorisation (requires \f$\delta > 0\f$)
    };

    /** @brief Parameters of the model. */
    struct CV_EXPORTS_W_SIMPLE Params
    {
        CV_WRAP Params();

        /** -1 (default): Ledoit-Wolf estimate of \f$\delta\f$; a value in [0, 1] fixes \f$\delta\f$ (0: the plain
            1/n covariance, which must then be non-singular; 1: \f$m I\f$, a scaled Euclidean distance). */
        CV_PROP_RW double shrinkage;
        /** Solver: SOLVER_AUTO (default), SOLVER_DENSE or SOLVER_WOODBURY. */
        CV_PROP_RW int solver;
    };

    /** @brief Creates an empty (unfitted) model.
    @param params parameters (defaults: Ledoit-Wolf shrinkage, automatic solver).
    */
    CV_WRAP static Ptr<GaussianModel> create(const GaussianModel::Params& params = GaussianModel::Params());

    /** @brief Creates a fitted model from a mean and a covariance (see getMean(), getCovariance()).
    @param mean 1 x d (or d x 1) CV_32F or CV_64F, finite.
    @param covariance d x d CV_32F or CV_64F, symmetric positive definite.
    @param shrinkage the shrinkage it was estimated with, returned by shrinkage() (default 0).
    The model uses the dense solver.
    */
    CV_WRAP static Ptr<GaussianModel> create(InputArray mean, InputArray covariance, double shrinkage = 0);

    /** @brief Estimates the mean and shrunk covariance (Eq. 15), replacing any previous state.
    @param features n x d CV_32FC1, one image-level feature per row, n >= 2, finite values.
    */
    CV_WRAP virtual void fit(InputArray features) = 0;

    /** @brief Mahalanobis distances of each row to the model (Eq. 19).
    @param features N x d CV_32FC1 (or CV_64FC1), d = dims(), finite values.
    @param distances N x 1 output, CV_64F unless the output has a fixed type (e.g. std::vector<float>
    or a preallocated CV_32F Mat), which is honoured.
    */
    CV_WRAP virtual void mahalanobis(InputArray features, OutputArray distances) const = 0;

    /** @brief Mahalanobis distance of one feature vector (Eq. 19).
    @param feature 1 x d or d x 1, CV_32F or CV_64F, finite.
    */
    CV_WRAP virtual double distance(InputArray feature) const = 0;

    /** @brief The mean, 1 x d CV_64F (empty before fit). */
    CV_WRAP virtual Mat getMean() const = 0;
    /** @brief The shrunk covariance \f$\Sigma\f$, d x d CV_64F (empty before fit; formed on demand in the
        Woodbury form, O(n d^2)). */
    CV_WRAP virtual Mat getCovariance() const = 0;
    /** @brief The shrinkage intensity \f$\delta\f$ in use. */
    CV_WRAP virtual double shrinkage() const = 0;
    /** @brief The parameters. */
    CV_WRAP virtual GaussianModel::Params getParams() const = 0;
    /** @brief The feature dimension d (0 before fit). */
    CV_WRAP virtual int dims() const = 0;
    /** @brief True when the Woodbury (low-rank) form is in use. */
    CV_WRAP virtual bool isLowRank() const = 0;
};

//! @}

}} // namespace cv::uniSLAD

#endif // OPENCV_UNISLAD_GAUSSIAN_HPP
