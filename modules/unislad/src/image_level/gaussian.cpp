// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "opencv2/unislad/gaussian.hpp"

#include <opencv2/core/utils/trace.hpp>

#include "eigen.hpp"
#include <Eigen/Cholesky>
#include "image_level/ledoit_wolf.hpp"

namespace cv {
namespace uniSLAD {

namespace {

using detail::RowMatrixD;

// Query rows per block. Fixed, so that a row's arithmetic never depends on the thread count.
constexpr int kQueryBlockRows = 64;

void checkParams(const GaussianModel::Params& p, const char* func)
{
    if (p.shrinkage != -1.0)
        detail::checkValueRange(p.shrinkage, 0.0, 1.0, func, "params.shrinkage (-1 estimates it)");
    if (p.solver != GaussianModel::SOLVER_AUTO && p.solver != GaussianModel::SOLVER_DENSE &&
        p.solver != GaussianModel::SOLVER_WOODBURY)
        CV_Error(Error::StsOutOfRange, format("%s: params.solver: expected SOLVER_AUTO (0), SOLVER_DENSE (1) or "
                                              "SOLVER_WOODBURY (2), found %d", func, p.solver));
}

// A 2-D single-channel CV_32F/CV_64F matrix, as double, after checking shape and values.
RowMatrixD toDouble(const Mat& m, int rows, int cols, const char* func, const char* arg)
{
    Mat d64;
    detail::checkStateMatrix(m, rows, cols, func, arg).convertTo(d64, CV_64F);
    RowMatrixD out(d64.rows, d64.cols);
    for (int i = 0; i < d64.rows; ++i)
        out.row(i) = Eigen::Map<const Eigen::RowVectorXd>(d64.ptr<double>(i), d64.cols);
    return out;
}

Mat toMat(const RowMatrixD& m)
{
    Mat out((int)m.rows(), (int)m.cols(), CV_64F);
    Eigen::Map<RowMatrixD>(out.ptr<double>(), m.rows(), m.cols()) = m;
    return out;
}

class GaussianModelImpl CV_FINAL : public GaussianModel
{
public:
    explicit GaussianModelImpl(const Params& p) : params_(p) {}

    void fit(InputArray _features) CV_OVERRIDE
    {
        CV_TRACE_FUNCTION();
        const char* func = "GaussianModel::fit";
        const Mat X = _features.getMat();
        detail::checkFeatureMatrix(X, func, "features", 2);
        detail::checkFinite(X, func, "features");
        checkParams(params_, func);
        const int n = X.rows, d = X.cols;

        const Eigen::RowVectorXd mean = detail::columnMeans(X);
        RowMatrixD Xc(n, d);
        for (int i = 0; i < n; ++i)
            Xc.row(i) = Eigen::Map<const Eigen::RowVectorXf>(X.ptr<float>(i), d).cast<double>() - mean;

        // Moments of S = Xc^T Xc / n for Ledoit-Wolf, through the smaller of the two Gram matrices.
        const bool wide = n < d;
        Eigen::MatrixXd gram;  // n x n (wide) or d x d scatter
        double traceS, frobS2, sumNorm4 = 0.0;
        if (wide) {
            gram = Eigen::MatrixXd::Zero(n, n);
            gram.selfadjointView<Eigen::Lower>().rankUpdate(Xc);
            gram.triangularView<Eigen::StrictlyUpper>() = gram.transpose();
            for (int k = 0; k < n; ++k)
                sumNorm4 += gram(k, k) * gram(k, k);
        } else {
            gram = Eigen::MatrixXd::Zero(d, d);
            gram.selfadjointView<Eigen::Lower>().rankUpdate(Xc.transpose());
            gram.triangularView<Eigen::StrictlyUpper>() = gram.transpose();
            for (int k = 0; k < n; ++k) {
                const double sq = Xc.row(k).squaredNorm();
                sumNorm4 += sq * sq;
            }
        }
        traceS = gram.trace() / n;
        frobS2 = gram.squaredNorm() / ((double)n * n);
        if (!(traceS > 0.0))
            CV_Error(Error::StsBadArg, format("%s: features: expected rows that are not all equal, "
                                              "found %d identical rows (zero variance)", func, n));
        const double mu = traceS / d;
        const double delta = params_.shrinkage >= 0.0 ? params_.shrinkage
                                                     : detail::ledoitWolfShrinkage(n, d, traceS, frobS2, sumNorm4);

        bool lowRank = params_.solver == SOLVER_WOODBURY || (params_.solver == SOLVER_AUTO && wide && delta > 0.0);
        if (lowRank && !(delta > 0.0))
            CV_Error(Error::StsBadArg, format("%s: params.solver: SOLVER_WOODBURY expected a shrinkage > 0, found %g",
                                              func, delta));

        State s;
        s.mean = mean;
        s.shrinkage = delta;
        if (lowRank) {
            s.lowRank = true;
            s.a = delta * mu;
            s.b = (1.0 - delta) / n;
            s.centred = std::move(Xc);
            if (!wide) {  // forced Woodbury with n >= d: the n x n Gram matrix is still needed
                gram = Eigen::MatrixXd::Zero(n, n);
                gram.selfadjointView<Eigen::Lower>().rankUpdate(s.centred);
                gram.triangularView<Eigen::StrictlyUpper>() = gram.transpose();
            }
        } else {
            if (wide) {
                gram = Eigen::MatrixXd::Zero(d, d);
                gram.selfadjointView<Eigen::Lower>().rankUpdate(Xc.transpose());
                gram.triangularView<Eigen::StrictlyUpper>() = gram.transpose();
            }
            s.covariance = gram * ((1.0 - delta) / n);
            s.covariance.diagonal().array() += delta * mu;
        }
        factorize(s, func, lowRank ? &gram : nullptr);
        state_ = std::move(s);
    }

    void mahalanobis(InputArray _features, OutputArray _distances) const CV_OVERRIDE
    {
        CV_TRACE_FUNCTION();
        const char* func = "GaussianModel::mahalanobis";
        requireFitted(func);
        const Mat X = _features.getMat();
        const int d = dims();
        if (X.empty() || X.dims != 2 || X.channels() != 1 || (X.depth() != CV_32F && X.depth() != CV_64F))
            CV_Error(Error::StsBadArg, format("%s: features: expected a non-empty 2-D CV_32FC1 or CV_64FC1 matrix (N x d), "
                                              "found %s", func, detail::describeMat(X).c_str()));
        if (X.cols != d)
            CV_Error(Error::StsBadSize, format("%s: features: expected %d columns, found %d", func, d, X.cols));
        detail::checkFinite(X, func, "features");

        const int dtype = _distances.fixedType() ? _distances.type() : CV_64F;
        if (dtype != CV_32FC1 && dtype != CV_64FC1)
            CV_Error(Error::StsBadArg, format("%s: distances: expected a CV_32FC1 or CV_64FC1 output, found %s",
                                              func, typeToString(dtype).c_str()));
        const int n = X.rows;
        std::vector<double> dist(n);
        const int nBlocks = (n + kQueryBlockRows - 1) / kQueryBlockRows;
        parallel_for_(Range(0, nBlocks), [&](const Range& range) {
            Eigen::MatrixXd Yt;  // d x rows, centred queries as columns
            for (int b = range.start; b < range.end; ++b) {
                const int r0 = b * kQueryBlockRows, rows = std::min(kQueryBlockRows, n - r0);
                Yt.resize(d, rows);
                for (int i = 0; i < rows; ++i) {
                    if (X.depth() == CV_32F)
                        Yt.col(i) = Eigen::Map<const Eigen::VectorXf>(X.ptr<float>(r0 + i), d).cast<double>();
                    else
                        Yt.col(i) = Eigen::Map<const Eigen::VectorXd>(X.ptr<double>(r0 + i), d);
                    Yt.col(i) -= state_.mean.transpose();
                }
                computeDistances(Yt, dist.data() + r0);
            }
        }, nBlocks);

        _distances.create(n, 1, dtype);
        Mat out = _distances.getMat();
        for (int i = 0; i < n; ++i) {
            if (dtype == CV_64F)
                out.at<double>(i) = dist[i];
            else
                out.at<float>(i) = (float)dist[i];
        }
    }

    double distance(InputArray _feature) const CV_OVERRIDE
    {
        const char* func = "GaussianModel::distance";
        requireFitted(func);
        const RowMatrixD x = toDouble(_feature.getMat(), 1, dims(), func, "feature");
        Eigen::MatrixXd Yt = (x - state_.mean).transpose();
        double dist = 0.0;
        computeDistances(Yt, &dist);
        return dist;
    }

    Mat getMean() const CV_OVERRIDE { return empty() ? Mat() : toMat(state_.mean); }

    Mat getCovariance() const CV_OVERRIDE
    {
        if (empty())
            return Mat();
        if (!state_.lowRank)
            return toMat(state_.covariance);
        const int d = dims();
        Eigen::MatrixXd c = Eigen::MatrixXd::Zero(d, d);
        c.selfadjointView<Eigen::Lower>().rankUpdate(state_.centred.transpose(), state_.b);
        c.triangularView<Eigen::StrictlyUpper>() = c.transpose();
        c.diagonal().array() += state_.a;
        return toMat(c);
    }

    double shrinkage() const CV_OVERRIDE { return state_.shrinkage; }
    Params getParams() const CV_OVERRIDE { return params_; }
    int dims() const CV_OVERRIDE { return (int)state_.mean.size(); }
    bool isLowRank() const CV_OVERRIDE { return state_.lowRank; }
    bool empty() const CV_OVERRIDE { return state_.mean.size() == 0; }
    String getDefaultName() const CV_OVERRIDE { return "UniSLAD_GaussianModel"; }

    void write(FileStorage& fs) const CV_OVERRIDE
    {
        writeFormat(fs);
        fs << "shrinkage" << params_.shrinkage << "solver" << params_.solver;
        if (empty())
            return;
        fs << "fitted_shrinkage" << state_.shrinkage << "low_rank" << (int)state_.lowRank
           << "mean" << toMat(state_.mean);
        if (state_.lowRank)
            fs << "a" << state_.a << "b" << state_.b << "centred" << toMat(state_.centred);
        else
            fs << "covariance" << toMat(state_.covariance);
    }

    void read(const FileNode& fn) CV_OVERRIDE
    {
        const char* func = "GaussianModel::read";
        Params p;
        if (!fn["shrinkage"].empty()) fn["shrinkage"] >> p.shrinkage;
        if (!fn["solver"].empty()) fn["solver"] >> p.solver;
        checkParams(p, func);
        Mat mean;
        fn["mean"] >> mean;
        if (mean.empty()) {
            params_ = p;
            state_ = State();
            return;
        }
        State s;
        s.mean = toDouble(mean, 1, -1, func, "mean");
        const int d = (int)s.mean.size();
        if (!fn["fitted_shrinkage"].empty()) fn["fitted_shrinkage"] >> s.shrinkage;
        s.lowRank = !fn["low_rank"].empty() && (int)fn["low_rank"] != 0;
        Eigen::MatrixXd gram;
        if (s.lowRank) {
            Mat centred;
            fn["a"] >> s.a;
            fn["b"] >> s.b;
            fn["centred"] >> centred;
            s.centred = toDouble(centred, -1, d, func, "centred");
            if (!(s.a > 0.0) || !(s.b >= 0.0))
                CV_Error(Error::StsParseError, format("%s: a, b: expected a > 0 and b >= 0, found %g and %g", func, s.a, s.b));
            const int n = (int)s.centred.rows();
            gram = Eigen::MatrixXd::Zero(n, n);
            gram.selfadjointView<Eigen::Lower>().rankUpdate(s.centred);
            gram.triangularView<Eigen::StrictlyUpper>() = gram.transpose();
        } else {
            Mat cov;
            fn["covariance"] >> cov;
            s.covariance = toDouble(cov, d, d, func, "covariance");
        }
        factorize(s, func, s.lowRank ? &gram : nullptr);
        params_ = p;
        state_ = std::move(s);
    }

    void setState(const Mat& mean, const Mat& covariance, double shrinkage)
    {
        const char* func = "GaussianModel::create";
        detail::checkValueRange(shrinkage, 0.0, 1.0, func, "shrinkage");
        State s;
        s.mean = toDouble(mean, 1, -1, func, "mean");
        const int d = (int)s.mean.size();
        s.covariance = toDouble(covariance, d, d, func, "covariance");
        const double asym = (s.covariance - s.covariance.transpose()).cwiseAbs().maxCoeff();
        const double scale = s.covariance.cwiseAbs().maxCoeff();
        if (asym > 1e-6 * scale)
            CV_Error(Error::StsBadArg, format("%s: covariance: expected a symmetric matrix, found max |C - C^T| = %g "
                                              "(max |C| = %g)", func, asym, scale));
        s.covariance = 0.5 * (s.covariance + s.covariance.transpose()).eval();
        s.shrinkage = shrinkage;
        factorize(s, func, nullptr);
        state_ = std::move(s);
    }

private:
    struct State
    {
        Eigen::RowVectorXd mean;       // 1 x d (size 0 when not fitted)
        double shrinkage = 0.0;
        bool lowRank = false;
        // dense form
        RowMatrixD covariance;          // d x d
        Eigen::LLT<Eigen::MatrixXd> llt;  // of covariance (dense) or of a I + b Xc Xc^T (low rank)
        // low-rank form: Sigma = a I + b Xc^T Xc
        RowMatrixD centred;             // n x d
        double a = 0.0, b = 0.0;
    };

    // Computes the Cholesky factor of the state: of the covariance, or (low rank) of a I + b G with
    // G = Xc Xc^T given.
    static void factorize(State& s, const char* func, const Eigen::MatrixXd* gram)
    {
        if (s.lowRank) {
            Eigen::MatrixXd M = s.b * *gram;
            M.diagonal().array() += s.a;
            s.llt.compute(M);
        } else {
            s.llt.compute(Eigen::MatrixXd(s.covariance));
        }
        if (s.llt.info() != Eigen::Success)
            CV_Error(Error::StsBadArg, format("%s: covariance: expected a positive definite matrix, found a singular or "
                                              "indefinite one (shrinkage %g; a shrinkage > 0 makes it definite)",
                                              func, s.shrinkage));
    }

    void requireFitted(const char* func) const
    {
        if (empty())
            CV_Error(Error::StsError, format("%s: the model is not fitted: call fit() or build it with create(mean, covariance)",
                                             func));
    }

    // Yt: d x m centred queries as columns (overwritten); writes the m distances, sqrt of Eq. 19.
    void computeDistances(Eigen::MatrixXd& Yt, double* out) const
    {
        const int m = (int)Yt.cols();
        if (!state_.lowRank) {
            state_.llt.matrixL().solveInPlace(Yt);
            for (int i = 0; i < m; ++i)
                out[i] = std::sqrt(Yt.col(i).squaredNorm());
            return;
        }
        Eigen::MatrixXd V = state_.centred * Yt;  // n x m
        state_.llt.matrixL().solveInPlace(V);
        for (int i = 0; i < m; ++i) {
            const double q = (Yt.col(i).squaredNorm() - state_.b * V.col(i).squaredNorm()) / state_.a;
            out[i] = std::sqrt(std::max(q, 0.0));
        }
    }

    Params params_;
    State state_;
};

} // namespace

GaussianModel::Params::Params() : shrinkage(-1.0), solver(GaussianModel::SOLVER_AUTO) {}

Ptr<GaussianModel> GaussianModel::create(const Params& params)
{
    checkParams(params, "GaussianModel::create");
    return makePtr<GaussianModelImpl>(params);
}

Ptr<GaussianModel> GaussianModel::create(InputArray mean, InputArray covariance, double shrinkage)
{
    Params p;
    p.solver = SOLVER_DENSE;
    Ptr<GaussianModelImpl> g = makePtr<GaussianModelImpl>(p);
    g->setState(mean.getMat(), covariance.getMat(), shrinkage);
    return g;
}

}} // namespace cv::uniSLAD
