// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "avx512_warnings.hpp"   // first: see there
#include "precomp.hpp"
#include "banks/bound_kernels.hpp"
#include "banks/projection_bounds.hpp"
#include "eigen.hpp"

#include <Eigen/Eigenvalues>
#include <Eigen/QR>

// The basis only decides how much the bounds prune, never whether the search is exact: any P with
// orthonormal rows gives valid bounds. So it is found cheaply (subspace iteration on a sample of the
// bank instead of the full covariance and its eigen-decomposition, which would cost O(count · dims²)
// and O(dims³)), and only its orthonormality is made exact to double precision.

namespace cv {
namespace uniSLAD {
namespace detail {

namespace {

constexpr int kSampleRows = 2048;
constexpr int kOversampling = 8;
constexpr int kPowerIterations = 3;
/** Bounds are used only when every ‖b̃‖² stays this far below float overflow. */
constexpr double kMaxBoundNorm = 1e30;

/** Orthonormal basis of the columns of y (Householder QR in double). */
Eigen::MatrixXd orthonormalColumns(const Eigen::MatrixXd& y)
{
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(y);
    return qr.householderQ() * Eigen::MatrixXd::Identity(y.rows(), y.cols());
}

} // namespace

void ProjectionBounds::project(const float* x, size_t xStride, int rows, float* out, double* squaredNorms) const
{
    Eigen::Map<const RowMatrixF, Eigen::Unaligned, Eigen::OuterStride<>> xm(x, rows, dims,
                                                                           Eigen::OuterStride<>(Eigen::Index(xStride)));
    Eigen::Map<const Eigen::RowVectorXd> mu(mean.data(), dims);
    Eigen::Map<const RowMatrixD> p(basis.data(), rank, dims);
    const RowMatrixD centred = xm.cast<double>().rowwise() - mu;
    const RowMatrixD projected = centred * p.transpose();
    for (int i = 0; i < rows; ++i) {
        const double total = centred.row(i).squaredNorm();
        const double inPlane = projected.row(i).squaredNorm();
        float* c = out + size_t(i) * (rank + 1);
        for (int j = 0; j < rank; ++j)
            c[j] = float(projected(i, j));
        c[rank] = float(std::sqrt(std::max(0.0, total - inPlane)));
        squaredNorms[i] = total;
    }
}

ProjectionBounds buildProjectionBounds(const float* data, int count, int dims, int rank, double minCapturedVariance)
{
    ProjectionBounds b;
    b.dims = dims;
    b.rank = rank;
    if (rank < 1 || rank + kOversampling > dims || count < 1)
        return b;

    // Mean over the whole bank, the basis from evenly spaced rows.
    Eigen::Map<const RowMatrixF> all(data, count, dims);
    const Eigen::RowVectorXd mu = all.cast<double>().colwise().sum() / double(count);
    b.mean.assign(mu.data(), mu.data() + dims);
    const int s = std::min(count, kSampleRows);
    RowMatrixD x(s, dims);
    for (int i = 0; i < s; ++i)
        x.row(i) = all.row(int(int64_t(i) * count / s)).cast<double>() - mu;

    const int p = rank + kOversampling;
    Eigen::MatrixXd omega(dims, p);
    RNG rng(0x9e3779b9u);
    for (int j = 0; j < p; ++j)
        for (int i = 0; i < dims; ++i)
            omega(i, j) = rng.gaussian(1.0);
    Eigen::MatrixXd q = orthonormalColumns(omega);
    for (int it = 0; it < kPowerIterations; ++it)
        q = orthonormalColumns(x.transpose() * (x * q));
    // Rayleigh-Ritz: the leading eigenvectors of the sample covariance within span(q).
    const Eigen::MatrixXd z = x * q;
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(z.transpose() * z);
    // Share of the sample's variance in the leading directions: where it is small (isotropic data)
    // the bounds would rule out almost nothing, and the plain GEMM search runs without their cost.
    const double total = x.squaredNorm();
    const double captured = es.eigenvalues().tail(rank).sum();
    b.capturedVariance = total > 0 ? captured / total : 0.0;
    const Eigen::MatrixXd leading = q * es.eigenvectors().rightCols(rank);
    const Eigen::MatrixXd basis = orthonormalColumns(leading);   // dims × rank
    b.basis.resize(size_t(rank) * dims);
    Eigen::Map<RowMatrixD>(b.basis.data(), rank, dims) = basis.transpose();

    const int kd = rank + 1;
    std::vector<float> coords(size_t(count) * kd);
    std::vector<double> norms(count);
    const int block = 1024;
    for (int r0 = 0; r0 < count; r0 += block) {
        const int n = std::min(block, count - r0);
        b.project(data + size_t(r0) * dims, size_t(dims), n, coords.data() + size_t(r0) * kd, norms.data() + r0);
    }
    const int nPanels = (count + kPanelWidth - 1) / kPanelWidth;
    b.panels.assign(size_t(nPanels) * kd * kPanelWidth, 0.f);
    b.panelNorms.assign(size_t(nPanels) * kPanelWidth, std::numeric_limits<float>::infinity());
    double maxNorm = 0.0;
    for (int i = 0; i < count; ++i) {
        const int panel = i / kPanelWidth, lane = i % kPanelWidth;
        for (int c = 0; c < kd; ++c)
            b.panels[(size_t(panel) * kd + c) * kPanelWidth + lane] = coords[size_t(i) * kd + c];
        b.panelNorms[i] = float((1.0 - kBoundSlack) * norms[i]);
        maxNorm = std::max(maxNorm, norms[i]);
    }
    b.usable = maxNorm <= kMaxBoundNorm && b.capturedVariance >= minCapturedVariance;
    return b;
}

}}} // namespace cv::uniSLAD::detail
