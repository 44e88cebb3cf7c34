// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "test_precomp.hpp"
#include "banks/nearest_neighbor_impl.hpp"
#include "banks/projection_bounds.hpp"

#include <cmath>
#include <vector>

namespace opencv_test { namespace {

using cv::uniSLAD::NearestNeighborIndex;
using cv::uniSLAD::detail::ExactSearchBlocking;
using cv::uniSLAD::detail::ProjectionBounds;
using cv::uniSLAD::detail::SearchOutputs;
using cv::uniSLAD::detail::buildProjectionBounds;
using cv::uniSLAD::detail::prunedSearch;

/** Rows with a decaying spectrum: coordinate j scaled by 0.85^j, then a fixed rotation-free offset. */
Mat decayingMat(int rows, int cols, uint64_t seed)
{
    Mat m(rows, cols, CV_32F);
    RNG rng(seed);
    for (int i = 0; i < rows; ++i)
        for (int j = 0; j < cols; ++j)
            m.at<float>(i, j) = float(rng.gaussian(1.0) * (5.0 * std::pow(0.85, j) + 0.02) + 0.5);
    return m;
}

Mat isotropicMat(int rows, int cols, uint64_t seed)
{
    Mat m(rows, cols, CV_32F);
    RNG rng(seed);
    rng.fill(m, RNG::NORMAL, 0.0, 1.0);
    return m;
}

TEST(UniSLAD_ProjectionBounds, basis_is_orthonormal_and_deterministic)
{
    const Mat bank = decayingMat(3000, 96, 1);
    const ProjectionBounds a = buildProjectionBounds(bank.ptr<float>(), bank.rows, bank.cols, 16);
    const ProjectionBounds b = buildProjectionBounds(bank.ptr<float>(), bank.rows, bank.cols, 16);
    ASSERT_TRUE(a.usable);
    EXPECT_TRUE(a.basis == b.basis);
    EXPECT_TRUE(a.panels == b.panels);
    for (int r = 0; r < a.rank; ++r)
        for (int s = 0; s < a.rank; ++s) {
            double dot = 0;
            for (int j = 0; j < a.dims; ++j)
                dot += a.basis[size_t(r) * a.dims + j] * a.basis[size_t(s) * a.dims + j];
            EXPECT_NEAR(r == s ? 1.0 : 0.0, dot, 1e-12) << r << " " << s;
        }
    // Too high a rank for the dimension: no bounds.
    EXPECT_FALSE(buildProjectionBounds(bank.ptr<float>(), bank.rows, bank.cols, 90).usable);
}

TEST(UniSLAD_ProjectionBounds, bounds_never_exceed_the_distance)
{
    for (bool isotropic : {false, true}) {
        const Mat bank = isotropic ? isotropicMat(1000, 40, 2) : decayingMat(1000, 40, 2);
        const Mat other = isotropic ? isotropicMat(200, 40, 3) : decayingMat(200, 40, 3);
        const ProjectionBounds pb = buildProjectionBounds(bank.ptr<float>(), bank.rows, bank.cols, 8);
        ASSERT_TRUE(pb.usable);
        const int kd = pb.rank + 1;
        std::vector<float> qc(size_t(other.rows) * kd), bc(size_t(bank.rows) * kd);
        std::vector<double> qn(other.rows), bn(bank.rows);
        pb.project(other.ptr<float>(), other.step[0] / sizeof(float), other.rows, qc.data(), qn.data());
        pb.project(bank.ptr<float>(), bank.step[0] / sizeof(float), bank.rows, bc.data(), bn.data());
        int tight = 0;
        for (int i = 0; i < other.rows; ++i)
            for (int j = 0; j < bank.rows; j += 7) {
                double bound = 0, dist = 0;
                for (int c = 0; c < kd; ++c) {
                    const double t = double(qc[size_t(i) * kd + c]) - bc[size_t(j) * kd + c];
                    bound += t * t;
                }
                for (int c = 0; c < bank.cols; ++c) {
                    const double t = double(other.at<float>(i, c)) - bank.at<float>(j, c);
                    dist += t * t;
                }
                ASSERT_LE(bound, dist * (1 + 1e-5) + 1e-12) << "pair " << i << ", " << j;
                tight += bound > 0.5 * dist;
            }
        if (!isotropic) {   // the point of the bounds: most of the distance lies in the leading directions
            EXPECT_GT(tight, other.rows * (bank.rows / 7) / 2);
        }
    }
}

TEST(UniSLAD_ProjectionBounds, pruned_search_keeps_decaying_data_and_hands_back_isotropic_data)
{
    const int d = 64, k = 3;
    ExactSearchBlocking blocking;
    blocking.boundQueryBlock = 16;
    for (bool isotropic : {false, true}) {
        SCOPED_TRACE(isotropic ? "isotropic" : "decaying spectrum");
        const Mat bank = isotropic ? isotropicMat(4000, d, 4) : decayingMat(4000, d, 4);
        const Mat queries = isotropic ? isotropicMat(100, d, 5) : decayingMat(100, d, 5);
        ProjectionBounds pb = buildProjectionBounds(bank.ptr<float>(), bank.rows, d, 16, 0.5);
        EXPECT_EQ(!isotropic, pb.usable) << "captured variance " << pb.capturedVariance;
        pb.usable = true;   // valid bounds, only weak on isotropic data
        Mat dist, ids;
        SearchOutputs out(queries.rows, k, NearestNeighborIndex::L2_SQUARED, dist, ids);
        std::vector<cv::Range> rest;
        prunedSearch(pb, bank.ptr<float>(), bank.rows, queries, k, blocking, out, rest);
        int handedBack = 0;
        for (const cv::Range& r : rest)
            handedBack += r.size();
        EXPECT_EQ(isotropic ? queries.rows : 0, handedBack);
    }
}

}} // namespace
