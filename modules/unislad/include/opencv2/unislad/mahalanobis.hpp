// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_MAHALANOBIS_HPP
#define OPENCV_UNISLAD_MAHALANOBIS_HPP

#include <opencv2/core.hpp>

namespace cv {
namespace uniSLAD {

//! @addtogroup unislad
//! @{

/** @brief The Mahalanobis Transform of the patch memory banks (paper Eq. 6-11).

fit() estimates, from a set of feature vectors f_c (one per row, n rows, d columns):
- the mean \f$\bar f\f$ and the covariance \f$\Sigma = \frac{1}{n-1}\sum_c (f_c-\bar f)(f_c-\bar f)^\top\f$ (Eq. 6);
- a regularised covariance \f$\Sigma_{reg} = (1-\delta)\,\Sigma + r\,I\f$ (see Params::regularization);
- the eigen-decomposition \f$\Sigma_{reg}^{-1} = U\Lambda U^\top\f$ (Eq. 7) and
  \f$L_2 = U\sqrt{\max(\Lambda,0)}\,U^\top\f$ (Eq. 8), the symmetric inverse square root of \f$\Sigma_{reg}\f$.

apply() maps each row x to \f$o = (x-\bar f)\,L_2\f$ (Eq. 9) and, unless Params::normalize is false, to
\f$o/\|o\|_2\f$ (Eq. 10). A row whose transformed vector is exactly zero (a row equal to the mean) stays
zero: it has no direction to normalise.

Numerics: the statistics are accumulated in double precision; \f$U\f$ and \f$\Lambda\f$ come from a
symmetric eigen-solver run on \f$\Sigma_{reg}\f$ itself (its eigenvectors are those of the inverse and its
eigenvalues the reciprocals, which is more accurate than inverting first). The mean and \f$L_2\f$ are
then stored as CV_32F and apply() is a single-precision matrix product, run in parallel over fixed blocks
of rows (results are identical for any thread count).

Why regularise: with n <= d (fewer samples than dimensions, e.g. a small coreset of wide features)
\f$\Sigma\f$ has rank at most n-1 and is not invertible. The default adds a ridge relative to the mean
variance, which keeps the transform independent of the features' scale.

The fitted state (mean, transform, regularisation) is available through getters and can be rebuilt with
create(InputArray, InputArray, const Params&), or persisted with write()/read() (so that
Algorithm::load<MahalanobisTransform>() works). empty() is true until the transform is fitted.
*/
class CV_EXPORTS_W MahalanobisTransform : public Algorithm
{
public:
    /** @brief How the covariance is regularised before inversion. */
    enum Regularization
    {
        /** \f$\Sigma_{reg} = \Sigma + \varepsilon\,\frac{\mathrm{tr}\,\Sigma}{d}\,I\f$: a ridge relative to the mean
            variance (Params::epsilon). The default. */
        RIDGE = 0,
        /** \f$\Sigma_{reg} = (1-\delta)\,\Sigma + \delta\,\frac{\mathrm{tr}\,\Sigma}{d}\,I\f$: shrinkage towards a scaled
            identity with the Ledoit-Wolf (2004) intensity \f$\delta\f$ (as sklearn.covariance.ledoit_wolf
            estimates it), or a fixed \f$\delta\f$ (Params::shrinkage). */
        LEDOIT_WOLF = 1
    };

    /** @brief Parameters of the transform. */
    struct CV_EXPORTS_W_SIMPLE Params
    {
        CV_WRAP Params();

        /** Regularization: RIDGE (default) or LEDOIT_WOLF. */
        CV_PROP_RW int regularization;
        /** RIDGE only: the ridge relative to the mean variance, \f$r = \varepsilon\,\mathrm{tr}(\Sigma)/d\f$.
            Default 1e-3: it moves every eigenvalue of \f$\Sigma\f$ by 0.1 % of the average variance (a
            negligible change in well-sampled directions), bounds the condition number of
            \f$\Sigma_{reg}\f$ by \f$1 + d/\varepsilon\f$, and gives directions without training variance
            (the null space when n <= d) a weight \f$1/\sqrt{r}\f$, about 32 times that of an average
            direction. Must be >= 0. With 0, eigenvalues of \f$\Sigma\f$ below 1e-12 times the largest are
            treated as zero (\f$\Lambda\f$ truncated to 0 as in Eq. 8), so that
            directions without variance are dropped: a pseudo-inverse square root. */
        CV_PROP_RW double epsilon;
        /** LEDOIT_WOLF only: -1 (default) estimates \f$\delta\f$ by Ledoit-Wolf; a value in [0, 1] fixes it. */
        CV_PROP_RW double shrinkage;
        /** Row-wise L2 normalisation after the transform (Eq. 10). Default true; false for ablations. */
        CV_PROP_RW bool normalize;
    };

    /** @brief Creates an empty (unfitted) transform.
    @param params parameters (defaults: RIDGE, epsilon 1e-3, normalisation on).
    */
    CV_WRAP static Ptr<MahalanobisTransform> create(
        const MahalanobisTransform::Params& params = MahalanobisTransform::Params());

    /** @brief Creates a fitted transform from saved state (see getMean(), getTransform()).
    @param mean the mean, 1 x d (or d x 1), CV_32F or CV_64F, finite.
    @param transform the d x d matrix \f$L_2\f$ applied to centred rows, CV_32F or CV_64F, finite.
    @param params parameters; only Params::normalize affects apply() (the others are kept for write()).
    getRidge() and getShrinkage() return 0 for a transform built this way.
    */
    CV_WRAP static Ptr<MahalanobisTransform> create(
        InputArray mean, InputArray transform,
        const MahalanobisTransform::Params& params = MahalanobisTransform::Params());

    /** @brief Estimates mean and \f$L_2\f$ (Eq. 6-8) from a feature set, replacing any previous state.
    @param features n x d CV_32FC1 feature set, one vector per row, n >= 2, finite values, not all rows equal.
    */
    CV_WRAP virtual void fit(InputArray features) = 0;

    /** @brief Applies the transform (Eq. 9, and Eq. 10 when Params::normalize is set).
    @param features N x d CV_32FC1 feature set, d = dims(), finite values.
    @param transformed N x d CV_32FC1 output; may be the same matrix as `features`.
    */
    CV_WRAP virtual void apply(InputArray features, OutputArray transformed) const = 0;

    /** @brief The mean \f$\bar f\f$, 1 x d CV_32F (empty before fit). */
    CV_WRAP virtual Mat getMean() const = 0;
    /** @brief The d x d matrix \f$L_2\f$ (Eq. 8), CV_32F (empty before fit). */
    CV_WRAP virtual Mat getTransform() const = 0;
    /** @brief The ridge r added to the diagonal at fit: \f$\Sigma_{reg} = (1-\delta)\Sigma + r I\f$. */
    CV_WRAP virtual double getRidge() const = 0;
    /** @brief The shrinkage intensity \f$\delta\f$ used at fit (0 for RIDGE). */
    CV_WRAP virtual double getShrinkage() const = 0;
    /** @brief The parameters. */
    CV_WRAP virtual MahalanobisTransform::Params getParams() const = 0;
    /** @brief The feature dimension d (0 before fit). */
    CV_WRAP virtual int dims() const = 0;
};

//! @}

}} // namespace cv::uniSLAD

#endif // OPENCV_UNISLAD_MAHALANOBIS_HPP
