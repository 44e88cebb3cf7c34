// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "opencv2/unislad/mahalanobis.hpp"

#include <opencv2/core/utils/trace.hpp>

#include "eigen.hpp"
#include <Eigen/Eigenvalues>
#include "image_level/ledoit_wolf.hpp"

namespace cv {
namespace uniSLAD {

namespace {

using detail::RowMatrixF;
using detail::RowMatrixD;

// Rows per block in apply() and per rank update in fit(). Fixed, so that the arithmetic done for a
// row never depends on the thread count.
constexpr int kApplyBlockRows = 128;
constexpr int kScatterBlockRows = 256;

void checkParams(const MahalanobisTransform::Params& p, const char* func)
{
    if (p.regularization != MahalanobisTransform::RIDGE && p.regularization != MahalanobisTransform::LEDOIT_WOLF)
        CV_Error(Error::StsOutOfRange, format("%s: params.regularization: expected RIDGE (0) or LEDOIT_WOLF (1), found %d",
                                              func, p.regularization));
    detail::checkValueRange(p.epsilon, 0.0, std::numeric_limits<double>::max(), func, "params.epsilon");
    if (p.shrinkage != -1.0)
        detail::checkValueRange(p.shrinkage, 0.0, 1.0, func, "params.shrinkage (-1 estimates it)");
}

// Converts a 1 x d / d x 1 (mean) or d x d (transform) state matrix to CV_32F after checking it.
Mat checkedState(const Mat& m, int rows, int cols, const char* func, const char* arg)
{
    Mat f;
    detail::checkStateMatrix(m, rows, cols, func, arg).convertTo(f, CV_32F);
    return f;
}

class MahalanobisTransformImpl CV_FINAL : public MahalanobisTransform
{
public:
    explicit MahalanobisTransformImpl(const Params& p) : params_(p) {}

    void setState(const Mat& mean, const Mat& transform)
    {
        const char* func = "MahalanobisTransform::create";
        mean_ = checkedState(mean, 1, -1, func, "mean");
        transform_ = checkedState(transform, mean_.cols, mean_.cols, func, "transform");
        ridge_ = 0.0;
        shrinkage_ = 0.0;
    }

    void fit(InputArray _features) CV_OVERRIDE
    {
        CV_TRACE_FUNCTION();
        const char* func = "MahalanobisTransform::fit";
        const Mat X = _features.getMat();
        detail::checkFeatureMatrix(X, func, "features", 2);
        detail::checkFinite(X, func, "features");
        checkParams(params_, func);

        const int n = X.rows, d = X.cols;

        // Mean in double (sequential: deterministic and cheap next to the scatter).
        const Eigen::VectorXd mean = detail::columnMeans(X).transpose();

        // Scatter matrix sum_c (f_c - mean)(f_c - mean)^T in double, accumulated over a fixed number of
        // row chunks (a function of n and d only, never of the thread count) whose partial sums are
        // added in chunk order. Chunks bound the extra memory to about 256 MiB.
        const double chunkBytes = 8.0 * d * d;
        const int maxChunks = std::max(1, (int)std::min(16.0, (256.0 * 1024 * 1024) / chunkBytes));
        const int nChunks = std::max(1, std::min(maxChunks, n / 1024));
        std::vector<Eigen::MatrixXd> partial(nChunks);
        std::vector<double> partialNorm4(nChunks, 0.0);
        parallel_for_(Range(0, nChunks), [&](const Range& range) {
            RowMatrixD block;
            for (int c = range.start; c < range.end; ++c) {
                const int r0 = (int)((int64)n * c / nChunks), r1 = (int)((int64)n * (c + 1) / nChunks);
                Eigen::MatrixXd S = Eigen::MatrixXd::Zero(d, d);
                double norm4 = 0.0;
                for (int b0 = r0; b0 < r1; b0 += kScatterBlockRows) {
                    const int rows = std::min(kScatterBlockRows, r1 - b0);
                    block.resize(rows, d);
                    for (int i = 0; i < rows; ++i) {
                        block.row(i) = Eigen::Map<const Eigen::RowVectorXf>(X.ptr<float>(b0 + i), d).cast<double>()
                                       - mean.transpose();
                        const double sq = block.row(i).squaredNorm();
                        norm4 += sq * sq;
                    }
                    S.selfadjointView<Eigen::Lower>().rankUpdate(block.transpose());
                }
                partial[c].swap(S);
                partialNorm4[c] = norm4;
            }
        }, nChunks);
        Eigen::MatrixXd scatter = std::move(partial[0]);
        double sumNorm4 = partialNorm4[0];
        for (int c = 1; c < nChunks; ++c) {
            scatter.triangularView<Eigen::Lower>() += partial[c];
            sumNorm4 += partialNorm4[c];
        }
        partial.clear();
        scatter.triangularView<Eigen::StrictlyUpper>() = scatter.transpose();

        const double traceScatter = scatter.trace();
        if (!(traceScatter > 0.0))
            CV_Error(Error::StsBadArg, format("%s: features: expected rows that are not all equal, "
                                              "found %d identical rows (zero variance)", func, n));

        // Eq. 6 and the regularisation: Sigma_reg = (1 - delta) Sigma + r I.
        Eigen::MatrixXd sigma = scatter / (n - 1.0);
        const double meanVariance = sigma.trace() / d;
        double delta = 0.0, ridge = 0.0;
        if (params_.regularization == RIDGE) {
            ridge = params_.epsilon * meanVariance;
        } else {
            if (params_.shrinkage >= 0.0) {
                delta = params_.shrinkage;
            } else {
                // Ledoit-Wolf on the 1/n (maximum-likelihood) estimate, as sklearn; delta does not
                // depend on the scale, so it applies unchanged to Eq. 6's 1/(n-1) covariance.
                const double frob2 = scatter.squaredNorm() / ((double)n * n);
                delta = detail::ledoitWolfShrinkage(n, d, traceScatter / n, frob2, sumNorm4);
            }
            ridge = delta * meanVariance;
        }
        scatter.resize(0, 0);
        sigma *= (1.0 - delta);
        sigma.diagonal().array() += ridge;

        // Eq. 7-8. The eigenvectors of Sigma_reg are those of its inverse, with reciprocal
        // eigenvalues; eigenvalues that are zero to working precision get Lambda = 0 (Eq. 8's max).
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(sigma, Eigen::ComputeEigenvectors);
        if (es.info() != Eigen::Success)
            CV_Error(Error::StsNoConv, format("%s: the eigen-decomposition of the %dx%d covariance did not converge",
                                              func, d, d));
        sigma.resize(0, 0);
        const Eigen::VectorXd& ev = es.eigenvalues();
        const double tiny = std::max(ev.maxCoeff(), 0.0) * 1e-12;
        Eigen::VectorXd invSqrt(d);
        for (int i = 0; i < d; ++i)
            invSqrt[i] = ev[i] > tiny ? 1.0 / std::sqrt(ev[i]) : 0.0;
        const Eigen::MatrixXd& U = es.eigenvectors();
        Eigen::MatrixXd L2 = U * invSqrt.asDiagonal() * U.transpose();
        L2 = 0.5 * (L2 + L2.transpose()).eval();

        Mat meanF(1, d, CV_32F), L2F(d, d, CV_32F);
        Eigen::Map<Eigen::RowVectorXf>(meanF.ptr<float>(), d) = mean.transpose().cast<float>();
        Eigen::Map<RowMatrixF>(L2F.ptr<float>(), d, d) = L2.cast<float>();
        mean_ = meanF;
        transform_ = L2F;
        ridge_ = ridge;
        shrinkage_ = delta;
    }

    void apply(InputArray _features, OutputArray _transformed) const CV_OVERRIDE
    {
        CV_TRACE_FUNCTION();
        const char* func = "MahalanobisTransform::apply";
        if (empty())
            CV_Error(Error::StsError, format("%s: the transform is not fitted: call fit() or build it from state with create()",
                                             func));
        const Mat X = _features.getMat();
        const int d = dims();
        detail::checkFeatureMatrix(X, func, "features", 1, d);
        detail::checkFinite(X, func, "features");

        const int n = X.rows;
        _transformed.create(n, d, CV_32F);
        Mat Y = _transformed.getMat();
        const float* meanPtr = mean_.ptr<float>();
        const Eigen::Map<const RowMatrixF> L2(transform_.ptr<float>(), d, d);
        const bool normalize = params_.normalize;
        const int nBlocks = (n + kApplyBlockRows - 1) / kApplyBlockRows;

        parallel_for_(Range(0, nBlocks), [&](const Range& range) {
            RowMatrixF centred;
            for (int b = range.start; b < range.end; ++b) {
                const int r0 = b * kApplyBlockRows, rows = std::min(kApplyBlockRows, n - r0);
                // Read the whole block before writing it: Y may alias X.
                centred.resize(rows, d);
                for (int i = 0; i < rows; ++i) {
                    const float* x = X.ptr<float>(r0 + i);
                    float* c = centred.data() + (size_t)i * d;
                    for (int j = 0; j < d; ++j)
                        c[j] = x[j] - meanPtr[j];
                }
                Eigen::Map<RowMatrixF, 0, Eigen::OuterStride<>> out(Y.ptr<float>(r0), rows, d,
                                                                      Eigen::OuterStride<>(Y.step1()));
                out.noalias() = centred * L2;
                if (!normalize)
                    continue;
                for (int i = 0; i < rows; ++i) {
                    const double norm = out.row(i).cast<double>().norm();
                    if (norm > 0.0)
                        out.row(i) *= (float)(1.0 / norm);
                }
            }
        }, nBlocks);
    }

    Mat getMean() const CV_OVERRIDE { return mean_.clone(); }
    Mat getTransform() const CV_OVERRIDE { return transform_.clone(); }
    double getRidge() const CV_OVERRIDE { return ridge_; }
    double getShrinkage() const CV_OVERRIDE { return shrinkage_; }
    Params getParams() const CV_OVERRIDE { return params_; }
    int dims() const CV_OVERRIDE { return mean_.cols; }
    bool empty() const CV_OVERRIDE { return mean_.empty(); }
    String getDefaultName() const CV_OVERRIDE { return "UniSLAD_MahalanobisTransform"; }

    void write(FileStorage& fs) const CV_OVERRIDE
    {
        writeFormat(fs);
        fs << "regularization" << params_.regularization << "epsilon" << params_.epsilon
           << "shrinkage" << params_.shrinkage << "normalize" << (int)params_.normalize;
        if (empty())
            return;
        fs << "fitted_ridge" << ridge_ << "fitted_shrinkage" << shrinkage_
           << "mean" << mean_ << "transform" << transform_;
    }

    void read(const FileNode& fn) CV_OVERRIDE
    {
        const char* func = "MahalanobisTransform::read";
        Params p;
        if (!fn["regularization"].empty()) fn["regularization"] >> p.regularization;
        if (!fn["epsilon"].empty()) fn["epsilon"] >> p.epsilon;
        if (!fn["shrinkage"].empty()) fn["shrinkage"] >> p.shrinkage;
        if (!fn["normalize"].empty()) p.normalize = (int)fn["normalize"] != 0;
        checkParams(p, func);
        Mat mean, transform;
        fn["mean"] >> mean;
        fn["transform"] >> transform;
        if (mean.empty() != transform.empty())
            CV_Error(Error::StsParseError, format("%s: expected both 'mean' and 'transform' or neither, found only '%s'",
                                                  func, mean.empty() ? "transform" : "mean"));
        params_ = p;
        if (mean.empty()) {
            mean_.release();
            transform_.release();
            ridge_ = shrinkage_ = 0.0;
            return;
        }
        setState(mean, transform);
        if (!fn["fitted_ridge"].empty()) fn["fitted_ridge"] >> ridge_;
        if (!fn["fitted_shrinkage"].empty()) fn["fitted_shrinkage"] >> shrinkage_;
    }

private:
    Params params_;
    Mat mean_;       // 1 x d CV_32F
    Mat transform_;  // d x d CV_32F (L2)
    double ridge_ = 0.0;
    double shrinkage_ = 0.0;
};

} // namespace

MahalanobisTransform::Params::Params()
    : regularization(MahalanobisTransform::RIDGE), epsilon(1e-3), shrinkage(-1.0), normalize(true)
{
}

Ptr<MahalanobisTransform> MahalanobisTransform::create(const Params& params)
{
    checkParams(params, "MahalanobisTransform::create");
    return makePtr<MahalanobisTransformImpl>(params);
}

Ptr<MahalanobisTransform> MahalanobisTransform::create(InputArray mean, InputArray transform, const Params& params)
{
    checkParams(params, "MahalanobisTransform::create");
    Ptr<MahalanobisTransformImpl> t = makePtr<MahalanobisTransformImpl>(params);
    t->setState(mean.getMat(), transform.getMat());
    return t;
}

}} // namespace cv::uniSLAD
