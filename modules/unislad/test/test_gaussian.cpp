// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "test_precomp.hpp"
#include "opencv2/unislad/gaussian.hpp"

namespace opencv_test { namespace {

using cv::uniSLAD::GaussianModel;

// Tolerances: everything is computed in double from CV_32F inputs that the fixtures hold exactly, so
// agreement with numpy is limited by the fixtures' 12 significant digits (observed <= 3e-12);
// the tests allow 1e-9 for the mean, shrinkage and covariance and 1e-7 relative for distances (the
// brief asked for ~1e-5).
const double kStatTol = 1e-9;
const double kDistTol = 1e-7;

// max_i |a_i - b_i| / |b_i|
double maxElementRelDiff(const Mat& a, const Mat& b)
{
    Mat a64, b64;
    a.convertTo(a64, CV_64F);
    b.convertTo(b64, CV_64F);
    CV_Assert(a64.total() == b64.total());
    double worst = 0;
    for (size_t i = 0; i < a64.total(); ++i)
        worst = std::max(worst, std::abs(a64.at<double>((int)i) - b64.at<double>((int)i)) /
                                    std::max(std::abs(b64.at<double>((int)i)), 1e-300));
    return worst;
}

Mat randomFeatures(int n, int d, uint64 seed)
{
    RNG rng(seed);
    Mat z(n, d, CV_32F), mix(d, d, CV_32F);
    rng.fill(z, RNG::NORMAL, 0.0, 1.0);
    rng.fill(mix, RNG::UNIFORM, -0.5, 1.0);
    Mat x = z * mix + 1.0;
    return x;
}

void checkFixture(const std::string& file, const std::string& prefix, double shrinkage, bool expectLowRankAuto)
{
    const std::string path = unisladFixturePath(file);
    FileStorage fs(path, FileStorage::READ);
    ASSERT_TRUE(fs.isOpened()) << path;
    const Mat X = readFixtureMat(fs, "X"), Q = readFixtureMat(fs, "Q");
    const Mat expMean = readFixtureMat(fs, prefix + "mean"), expCov = readFixtureMat(fs, prefix + "covariance");
    const Mat expDist = readFixtureMat(fs, prefix + "distances");
    const double expShrinkage = fs[prefix + "shrinkage"];
    ASSERT_GT(expShrinkage, 0.0);
    ASSERT_LT(expShrinkage, 1.0);

    for (int solver : {GaussianModel::SOLVER_AUTO, GaussianModel::SOLVER_DENSE, GaussianModel::SOLVER_WOODBURY}) {
        SCOPED_TRACE(solver);
        GaussianModel::Params p;
        p.shrinkage = shrinkage;
        p.solver = solver;
        Ptr<GaussianModel> g = GaussianModel::create(p);
        EXPECT_TRUE(g->empty());
        g->fit(X);
        ASSERT_FALSE(g->empty());
        EXPECT_EQ(X.cols, g->dims());
        EXPECT_EQ(solver == GaussianModel::SOLVER_WOODBURY || (solver == GaussianModel::SOLVER_AUTO && expectLowRankAuto),
                  g->isLowRank());
        EXPECT_NEAR(expShrinkage, g->shrinkage(), kStatTol * expShrinkage);
        EXPECT_LT(relDiff(g->getMean(), expMean), kStatTol);
        EXPECT_LT(relDiff(g->getCovariance(), expCov), kStatTol);
        Mat dist;
        g->mahalanobis(Q, dist);
        ASSERT_EQ(Q.rows, dist.rows);
        ASSERT_EQ(1, dist.cols);
        ASSERT_EQ(CV_64F, dist.type());
        EXPECT_LT(maxElementRelDiff(dist, expDist), kDistTol);
    }
}

TEST(UniSLAD_GaussianModel, matches_numpy_ledoit_wolf_wide)
{
    checkFixture("gaussian_wide.json", "", -1.0, true);  // 30 x 50: n < d
}

TEST(UniSLAD_GaussianModel, matches_numpy_fixed_shrinkage_wide)
{
    checkFixture("gaussian_wide.json", "fixed_", 0.3, true);
}

TEST(UniSLAD_GaussianModel, matches_numpy_ledoit_wolf_tall)
{
    checkFixture("gaussian_tall.json", "", -1.0, false);  // 200 x 10
}

TEST(UniSLAD_GaussianModel, full_shrinkage_is_scaled_euclidean)
{
    // delta = 1: Sigma = mu I with mu = tr(S)/d, S the 1/n covariance, so d(x) = ||x - mean|| / sqrt(mu).
    const Mat X = randomFeatures(25, 40, 3), Q = randomFeatures(7, 40, 4);
    for (int solver : {GaussianModel::SOLVER_DENSE, GaussianModel::SOLVER_WOODBURY}) {
        SCOPED_TRACE(solver);
        GaussianModel::Params p;
        p.shrinkage = 1.0;
        p.solver = solver;
        Ptr<GaussianModel> g = GaussianModel::create(p);
        g->fit(X);
        Mat X64, mean;
        X.convertTo(X64, CV_64F);
        reduce(X64, mean, 0, REDUCE_AVG);
        double ss = 0;
        for (int i = 0; i < X.rows; ++i)
            ss += std::pow(cv::norm(X64.row(i), mean, NORM_L2), 2);
        const double mu = ss / ((double)X.rows * X.cols);
        Mat dist;
        g->mahalanobis(Q, dist);
        for (int i = 0; i < Q.rows; ++i) {
            SCOPED_TRACE(i);
            Mat q;
            Q.row(i).convertTo(q, CV_64F);
            const double expected = cv::norm(q, mean, NORM_L2) / std::sqrt(mu);
            EXPECT_NEAR(expected, dist.at<double>(i), 1e-10 * expected);
        }
    }
}

TEST(UniSLAD_GaussianModel, zero_shrinkage_is_classic_mahalanobis)
{
    // n > d, delta = 0: the plain 1/n covariance; reference cv::calcCovarMatrix + cv::invert + cv::Mahalanobis.
    const Mat X = randomFeatures(300, 12, 8), Q = randomFeatures(9, 12, 9);
    GaussianModel::Params p;
    p.shrinkage = 0.0;
    Ptr<GaussianModel> g = GaussianModel::create(p);
    g->fit(X);
    EXPECT_FALSE(g->isLowRank());
    Mat cov, mean, icov;
    calcCovarMatrix(X, cov, mean, COVAR_NORMAL | COVAR_ROWS | COVAR_SCALE, CV_64F);
    EXPECT_LT(relDiff(g->getCovariance(), cov), 1e-12);
    invert(cov, icov, DECOMP_SVD);
    Mat dist;
    g->mahalanobis(Q, dist);
    for (int i = 0; i < Q.rows; ++i) {
        SCOPED_TRACE(i);
        Mat q;
        Q.row(i).convertTo(q, CV_64F);
        const double expected = cv::Mahalanobis(q, mean, icov);
        EXPECT_NEAR(expected, dist.at<double>(i), 1e-9 * expected);
    }
}

TEST(UniSLAD_GaussianModel, woodbury_agrees_with_dense)
{
    const Mat X = randomFeatures(60, 400, 12), Q = randomFeatures(70, 400, 13);
    for (double shrinkage : {-1.0, 0.02, 0.9}) {
        SCOPED_TRACE(shrinkage);
        GaussianModel::Params p;
        p.shrinkage = shrinkage;
        p.solver = GaussianModel::SOLVER_DENSE;
        Ptr<GaussianModel> dense = GaussianModel::create(p);
        p.solver = GaussianModel::SOLVER_WOODBURY;
        Ptr<GaussianModel> wood = GaussianModel::create(p);
        dense->fit(X);
        wood->fit(X);
        EXPECT_EQ(dense->shrinkage(), wood->shrinkage());
        Mat a, b;
        dense->mahalanobis(Q, a);
        wood->mahalanobis(Q, b);
        EXPECT_LT(maxElementRelDiff(b, a), 1e-9);
        // A training row, where the Woodbury form subtracts most of ||y||^2.
        EXPECT_NEAR(dense->distance(X.row(0)), wood->distance(X.row(0)), 1e-8 * dense->distance(X.row(0)));
    }
}

TEST(UniSLAD_GaussianModel, output_types_single_row_and_thread_count)
{
    const Mat X = randomFeatures(40, 64, 1), Q = randomFeatures(300, 64, 2);  // several query blocks
    Ptr<GaussianModel> g = GaussianModel::create();
    g->fit(X);
    Mat ref;
    g->mahalanobis(Q, ref);

    std::vector<float> vf;
    g->mahalanobis(Q, vf);
    ASSERT_EQ((size_t)Q.rows, vf.size());
    std::vector<double> vd;
    g->mahalanobis(Q, vd);
    ASSERT_EQ((size_t)Q.rows, vd.size());
    Mat Q64;
    Q.convertTo(Q64, CV_64F);
    Mat from64;
    g->mahalanobis(Q64, from64);
    for (int i = 0; i < Q.rows; ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(ref.at<double>(i), vd[i]);
        EXPECT_EQ((float)ref.at<double>(i), vf[i]);
        EXPECT_EQ(ref.at<double>(i), from64.at<double>(i));
        if (i % 50 == 0) {  // one row goes through a matrix-vector product: equal to rounding
            EXPECT_NEAR(ref.at<double>(i), g->distance(Q.row(i)), 1e-12 * ref.at<double>(i));
            EXPECT_NEAR(ref.at<double>(i), g->distance(Q.row(i).t()), 1e-12 * ref.at<double>(i));  // a column too
        }
    }

    const int saved = getNumThreads();
    for (int threads : {3, 1}) {  // decreasing: TBB ignores raising the limit again
        SCOPED_TRACE(threads);
        setNumThreads(threads);
        Mat dist;
        g->mahalanobis(Q, dist);
        EXPECT_EQ(0.0, cv::norm(ref, dist, NORM_INF));
    }
    setNumThreads(saved);
}

TEST(UniSLAD_GaussianModel, state_round_trip)
{
    const Mat Q = randomFeatures(20, 30, 6);
    struct Case { int n; const char* name; };
    for (const Case& c : {Case{15, "low rank"}, Case{80, "dense"}}) {
        SCOPED_TRACE(c.name);
        const Mat X = randomFeatures(c.n, 30, 5);
        Ptr<GaussianModel> g = GaussianModel::create();
        g->fit(X);
        EXPECT_EQ(c.n < 30, g->isLowRank());
        Mat ref;
        g->mahalanobis(Q, ref);

        // From the getters: mean and covariance (dense solver), in double or float.
        Ptr<GaussianModel> fromState = GaussianModel::create(g->getMean(), g->getCovariance(), g->shrinkage());
        EXPECT_FALSE(fromState->isLowRank());
        EXPECT_EQ(g->shrinkage(), fromState->shrinkage());
        Mat dist;
        fromState->mahalanobis(Q, dist);
        EXPECT_LT(maxElementRelDiff(dist, ref), 1e-9);

        // Through cv::Algorithm persistence: exact.
        FileStorage w("g.json", FileStorage::WRITE | FileStorage::MEMORY);
        g->write(w);
        FileStorage r(w.releaseAndGetString(), FileStorage::READ | FileStorage::MEMORY);
        Ptr<GaussianModel> loaded = GaussianModel::create();
        loaded->read(r.root());
        ASSERT_FALSE(loaded->empty());
        EXPECT_EQ(g->isLowRank(), loaded->isLowRank());
        EXPECT_EQ(g->shrinkage(), loaded->shrinkage());
        loaded->mahalanobis(Q, dist);
        EXPECT_EQ(0.0, cv::norm(ref, dist, NORM_INF));

        // Through Algorithm::save / Algorithm::load<> on a file.
        const std::string file = cv::tempfile(".yml");
        g->save(file);
        Ptr<GaussianModel> fromFile = Algorithm::load<GaussianModel>(file);
        std::remove(file.c_str());
        ASSERT_FALSE(fromFile.empty());
        fromFile->mahalanobis(Q, dist);
        EXPECT_EQ(0.0, cv::norm(ref, dist, NORM_INF));
    }
}

TEST(UniSLAD_GaussianModel, errors_name_argument_expected_and_found)
{
    const char* fit = "GaussianModel::fit";
    Ptr<GaussianModel> g = GaussianModel::create();
    UNISLAD_EXPECT_THROW_MSG(g->fit(Mat()), fit, "features", "empty");
    UNISLAD_EXPECT_THROW_MSG(g->fit(Mat(5, 3, CV_8U, Scalar(1))), fit, "CV_32FC1", "5x3 CV_8UC1");
    UNISLAD_EXPECT_THROW_MSG(g->fit(Mat(1, 3, CV_32F, Scalar(1))), fit, "at least 2 rows", "found 1");
    UNISLAD_EXPECT_THROW_MSG(g->fit(Mat(4, 3, CV_32F, Scalar(2))), fit, "not all equal");
    Mat bad = randomFeatures(6, 3, 1);
    bad.at<float>(4, 0) = std::numeric_limits<float>::quiet_NaN();
    UNISLAD_EXPECT_THROW_MSG(g->fit(bad), fit, "NaN or Inf", "row 4", "column 0");

    Mat dist;
    UNISLAD_EXPECT_THROW_MSG(g->mahalanobis(Mat(2, 3, CV_32F, Scalar(0)), dist), "GaussianModel::mahalanobis", "not fitted");
    UNISLAD_EXPECT_THROW_MSG(g->distance(Mat(1, 3, CV_32F, Scalar(0))), "GaussianModel::distance", "not fitted");
    g->fit(randomFeatures(6, 3, 1));
    UNISLAD_EXPECT_THROW_MSG(g->mahalanobis(Mat(2, 4, CV_32F, Scalar(0)), dist), "mahalanobis", "features",
                             "expected 3 columns", "found 4");
    UNISLAD_EXPECT_THROW_MSG(g->distance(Mat(1, 5, CV_32F, Scalar(0))), "distance", "feature", "expected a 1x3", "1x5");
    Mat q(2, 3, CV_32F, Scalar(0));
    q.at<float>(1, 2) = std::numeric_limits<float>::infinity();
    UNISLAD_EXPECT_THROW_MSG(g->mahalanobis(q, dist), "mahalanobis", "NaN or Inf", "row 1");
    Mat_<int> intOut;
    UNISLAD_EXPECT_THROW_MSG(g->mahalanobis(Mat(2, 3, CV_32F, Scalar(0)), intOut), "distances", "CV_32SC1");

    GaussianModel::Params p;
    p.shrinkage = 1.5;
    UNISLAD_EXPECT_THROW_MSG(GaussianModel::create(p), "params.shrinkage", "[0, 1]", "found 1.5");
    p.shrinkage = -0.5;
    UNISLAD_EXPECT_THROW_MSG(GaussianModel::create(p), "params.shrinkage", "found -0.5");
    p = GaussianModel::Params();
    p.solver = 9;
    UNISLAD_EXPECT_THROW_MSG(GaussianModel::create(p), "params.solver", "found 9");

    // delta = 0 with n < d: the covariance is singular.
    p = GaussianModel::Params();
    p.shrinkage = 0.0;
    Ptr<GaussianModel> singular = GaussianModel::create(p);
    UNISLAD_EXPECT_THROW_MSG(singular->fit(randomFeatures(5, 10, 2)), fit, "covariance", "positive definite", "singular");
    p.solver = GaussianModel::SOLVER_WOODBURY;
    UNISLAD_EXPECT_THROW_MSG(GaussianModel::create(p)->fit(randomFeatures(5, 10, 2)), fit, "SOLVER_WOODBURY",
                             "shrinkage > 0", "found 0");

    UNISLAD_EXPECT_THROW_MSG(GaussianModel::create(Mat(1, 3, CV_64F, Scalar(0)), Mat::eye(4, 4, CV_64F)),
                             "GaussianModel::create", "covariance", "expected a 3x3", "4x4");
    Mat asym = Mat::eye(3, 3, CV_64F);
    asym.at<double>(0, 2) = 0.5;
    UNISLAD_EXPECT_THROW_MSG(GaussianModel::create(Mat(1, 3, CV_64F, Scalar(0)), asym), "covariance", "symmetric");
    Mat indefinite = Mat::eye(3, 3, CV_64F);
    indefinite.at<double>(1, 1) = -1.0;
    UNISLAD_EXPECT_THROW_MSG(GaussianModel::create(Mat(1, 3, CV_64F, Scalar(0)), indefinite), "covariance",
                             "positive definite");
    UNISLAD_EXPECT_THROW_MSG(GaussianModel::create(Mat(1, 3, CV_64F, Scalar(0)), Mat::eye(3, 3, CV_64F), 2.0),
                             "shrinkage", "found 2");
}

}} // namespace
