// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "test_precomp.hpp"
#include "opencv2/unislad/mahalanobis.hpp"

namespace opencv_test { namespace {

using cv::uniSLAD::MahalanobisTransform;

// Tolerances. The transform is computed in double, but the mean and L2 are stored as CV_32F and
// apply() multiplies in single precision: agreement with a double-precision reference is limited to
// a few float ulps times the dimension, about 1e-6 relative; the tests allow 1e-5.
const double kRelTol = 1e-5;

// max |a - b| with both converted to double
double maxAbsDiff(const Mat& a, const Mat& b)
{
    Mat a64, b64;
    a.convertTo(a64, CV_64F);
    b.convertTo(b64, CV_64F);
    return cv::norm(a64, b64, NORM_INF);
}

// Correlated features: standard normal times a random mixing matrix, plus an offset.
Mat correlatedFeatures(int n, int d, uint64 seed, double offset = 2.0)
{
    RNG rng(seed);
    Mat z(n, d, CV_64F), mix(d, d, CV_64F);
    rng.fill(z, RNG::NORMAL, 0.0, 1.0);
    rng.fill(mix, RNG::UNIFORM, -1.0, 1.0);
    mix += Mat::eye(d, d, CV_64F) * 1.5;
    Mat x = z * mix + offset, x32;
    x.convertTo(x32, CV_32F);
    return x32;
}

// Sigma (1/(n-1)) by cv::calcCovarMatrix, in double.
Mat covariance(const Mat& X)
{
    Mat cov, mean;
    calcCovarMatrix(X, cov, mean, COVAR_NORMAL | COVAR_ROWS, CV_64F);  // unscaled scatter
    return cov / (X.rows - 1.0);
}

TEST(UniSLAD_MahalanobisTransform, matches_numpy_full_rank)
{
    const std::string path = unisladFixturePath("mahalanobis_fullrank.json");
    FileStorage fs(path, FileStorage::READ);
    ASSERT_TRUE(fs.isOpened()) << path;
    const Mat X = readFixtureMat(fs, "X"), Q = readFixtureMat(fs, "Q");
    ASSERT_EQ(CV_32F, X.type());

    Ptr<MahalanobisTransform> mt = MahalanobisTransform::create();
    EXPECT_TRUE(mt->empty());
    mt->fit(X);
    EXPECT_FALSE(mt->empty());
    EXPECT_EQ(X.cols, mt->dims());
    EXPECT_LT(relDiff(mt->getMean(), readFixtureMat(fs, "ridge_mean")), 1e-6);
    EXPECT_LT(relDiff(mt->getTransform(), readFixtureMat(fs, "ridge_L2")), kRelTol);
    EXPECT_NEAR((double)fs["ridge_ridge"], mt->getRidge(), 1e-9 * (double)fs["ridge_ridge"]);
    EXPECT_EQ(0.0, mt->getShrinkage());

    Mat out;
    mt->apply(X, out);
    ASSERT_EQ(X.size(), out.size());
    ASSERT_EQ(CV_32F, out.type());
    EXPECT_LT(maxAbsDiff(out, readFixtureMat(fs, "ridge_train_out")), kRelTol);  // unit vectors
    mt->apply(Q, out);
    EXPECT_LT(maxAbsDiff(out, readFixtureMat(fs, "ridge_queries_out")), kRelTol);
}

TEST(UniSLAD_MahalanobisTransform, matches_numpy_rank_deficient)
{
    const std::string path = unisladFixturePath("mahalanobis_rankdef.json");
    FileStorage fs(path, FileStorage::READ);
    ASSERT_TRUE(fs.isOpened()) << path;
    const Mat X = readFixtureMat(fs, "X"), Q = readFixtureMat(fs, "Q");
    ASSERT_LT(X.rows, X.cols);

    struct Case { const char* name; int regularization; double shrinkage; };
    for (const Case& c : {Case{"ridge", MahalanobisTransform::RIDGE, -1.0},
                          Case{"lw", MahalanobisTransform::LEDOIT_WOLF, -1.0},
                          Case{"fixed", MahalanobisTransform::LEDOIT_WOLF, 0.25}}) {
        SCOPED_TRACE(c.name);
        const std::string p = c.name;
        MahalanobisTransform::Params params;
        params.regularization = c.regularization;
        params.shrinkage = c.shrinkage;
        Ptr<MahalanobisTransform> mt = MahalanobisTransform::create(params);
        mt->fit(X);
        const double expShrink = fs[p + "_shrinkage"], expRidge = fs[p + "_ridge"];
        EXPECT_NEAR(expShrink, mt->getShrinkage(), 1e-9);
        EXPECT_NEAR(expRidge, mt->getRidge(), 1e-9 * expRidge);
        EXPECT_LT(relDiff(mt->getMean(), readFixtureMat(fs, p + "_mean")), 1e-6);
        EXPECT_LT(relDiff(mt->getTransform(), readFixtureMat(fs, p + "_L2")), kRelTol);

        Mat out;
        mt->apply(X, out);
        EXPECT_LT(maxAbsDiff(out, readFixtureMat(fs, p + "_train_out")), kRelTol);
        mt->apply(Q, out);
        EXPECT_LT(maxAbsDiff(out, readFixtureMat(fs, p + "_queries_out")), kRelTol);

        // Without Eq. 10, compared row by row relative to each expected row's norm.
        params.normalize = false;
        Ptr<MahalanobisTransform> raw = MahalanobisTransform::create(mt->getMean(), mt->getTransform(), params);
        raw->apply(Q, out);
        const Mat expRaw = readFixtureMat(fs, p + "_queries_raw");
        for (int i = 0; i < Q.rows; ++i) {
            SCOPED_TRACE(i);
            Mat o64;
            out.row(i).convertTo(o64, CV_64F);
            EXPECT_LT(cv::norm(o64, expRaw.row(i), NORM_L2) / cv::norm(expRaw.row(i), NORM_L2), kRelTol);
        }
    }
}

TEST(UniSLAD_MahalanobisTransform, whitens_full_rank_training_set)
{
    // With a negligible ridge and no normalisation, (X - mean) L2 has identity covariance.
    const Mat X = correlatedFeatures(2000, 16, 7);
    MahalanobisTransform::Params params;
    params.epsilon = 1e-9;
    params.normalize = false;
    Ptr<MahalanobisTransform> mt = MahalanobisTransform::create(params);
    mt->fit(X);
    Mat Y;
    mt->apply(X, Y);
    Mat cov = covariance(Y);
    EXPECT_LT(cv::norm(cov, Mat::eye(16, 16, CV_64F), NORM_INF), 1e-4);
    Mat colMean;
    reduce(Y, colMean, 0, REDUCE_AVG, CV_64F);
    EXPECT_LT(cv::norm(colMean, NORM_INF), 1e-4);
}

TEST(UniSLAD_MahalanobisTransform, transform_squared_is_regularised_inverse)
{
    // Rank-deficient (n < d): L2 L2 = (Sigma + eps tr(Sigma)/d I)^-1, with Sigma from calcCovarMatrix and
    // the inverse by Cholesky, both independent of the implementation.
    RNG rng(11);
    Mat X(20, 40, CV_32F);
    rng.fill(X, RNG::UNIFORM, 0.0, 3.0);
    Ptr<MahalanobisTransform> mt = MahalanobisTransform::create();
    mt->fit(X);

    Mat sigma = covariance(X);
    const double ridge = 1e-3 * trace(sigma)[0] / X.cols;
    EXPECT_NEAR(ridge, mt->getRidge(), 1e-12 * ridge);
    Mat inv;
    ASSERT_TRUE(invert(sigma + ridge * Mat::eye(40, 40, CV_64F), inv, DECOMP_CHOLESKY));
    Mat L2;
    mt->getTransform().convertTo(L2, CV_64F);
    EXPECT_EQ(0.0, cv::norm(L2, L2.t(), NORM_INF));  // symmetric
    EXPECT_LT(relDiff(L2 * L2, inv), kRelTol);
}

TEST(UniSLAD_MahalanobisTransform, zero_epsilon_gives_pseudo_inverse)
{
    // epsilon = 0 on rank-deficient data: the zero eigenvalues are dropped (Eq. 8's max), so
    // P = L2 Sigma L2 is the orthogonal projector onto the span of the centred data (rank n - 1).
    RNG rng(5);
    Mat X(12, 30, CV_32F);
    rng.fill(X, RNG::NORMAL, 1.0, 2.0);
    MahalanobisTransform::Params params;
    params.epsilon = 0.0;
    Ptr<MahalanobisTransform> mt = MahalanobisTransform::create(params);
    mt->fit(X);
    Mat L2;
    mt->getTransform().convertTo(L2, CV_64F);
    const Mat P = L2 * covariance(X) * L2;
    EXPECT_NEAR(X.rows - 1.0, trace(P)[0], 1e-4);
    EXPECT_LT(cv::norm(P * P, P, NORM_INF), 1e-4);
}

TEST(UniSLAD_MahalanobisTransform, rows_have_unit_norm_and_the_mean_maps_to_zero)
{
    const Mat X = correlatedFeatures(300, 24, 3);
    Ptr<MahalanobisTransform> mt = MahalanobisTransform::create();
    mt->fit(X);
    RNG rng(9);
    Mat Q(50, 24, CV_32F);
    rng.fill(Q, RNG::NORMAL, 0.0, 4.0);
    Mat out;
    mt->apply(Q, out);
    for (int i = 0; i < out.rows; ++i) {
        SCOPED_TRACE(i);
        EXPECT_NEAR(1.0, cv::norm(out.row(i), NORM_L2), 1e-6);
    }
    // A row equal to the mean has no direction: it stays zero (documented).
    mt->apply(mt->getMean(), out);
    EXPECT_EQ(0.0, cv::norm(out, NORM_INF));
}

TEST(UniSLAD_MahalanobisTransform, normalised_output_invariant_to_scale_and_offset)
{
    // The ridge is relative to the mean variance, so fitting and applying on a*X + b gives the same
    // normalised output as on X.
    const Mat X = correlatedFeatures(200, 10, 21);
    Mat X2;
    X.convertTo(X2, CV_32F, 7.5, -3.0);
    Ptr<MahalanobisTransform> a = MahalanobisTransform::create(), b = MahalanobisTransform::create();
    a->fit(X);
    b->fit(X2);
    Mat oa, ob;
    a->apply(X, oa);
    b->apply(X2, ob);
    EXPECT_LT(cv::norm(oa, ob, NORM_INF), 1e-4);
}

TEST(UniSLAD_MahalanobisTransform, identical_for_any_thread_count)
{
    // 3000 rows: several scatter chunks in fit and many blocks in apply.
    const Mat X = correlatedFeatures(3000, 24, 17);
    const int saved = getNumThreads();
    Mat refL2, refOut;
    for (int threads : {3, 2, 1}) {  // decreasing: TBB ignores raising the limit again
        SCOPED_TRACE(threads);
        setNumThreads(threads);
        Ptr<MahalanobisTransform> mt = MahalanobisTransform::create();
        mt->fit(X);
        Mat out;
        mt->apply(X, out);
        if (refL2.empty()) {
            refL2 = mt->getTransform();
            refOut = out;
            continue;
        }
        EXPECT_EQ(0.0, cv::norm(refL2, mt->getTransform(), NORM_INF));
        EXPECT_EQ(0.0, cv::norm(refOut, out, NORM_INF));
    }
    setNumThreads(saved);
}

TEST(UniSLAD_MahalanobisTransform, state_round_trip_and_in_place_apply)
{
    const Mat X = correlatedFeatures(150, 8, 4);
    MahalanobisTransform::Params params;
    params.regularization = MahalanobisTransform::LEDOIT_WOLF;
    Ptr<MahalanobisTransform> mt = MahalanobisTransform::create(params);
    mt->fit(X);
    Mat ref;
    mt->apply(X, ref);

    // From getters (the mean may also be given as a column, or in double).
    Mat mean64;
    mt->getMean().convertTo(mean64, CV_64F);
    Ptr<MahalanobisTransform> fromState = MahalanobisTransform::create(mean64.t(), mt->getTransform(), params);
    Mat out;
    fromState->apply(X, out);
    EXPECT_EQ(0.0, cv::norm(ref, out, NORM_INF));

    // Through cv::Algorithm persistence.
    FileStorage w("mt.json", FileStorage::WRITE | FileStorage::MEMORY);
    mt->write(w);
    const std::string text = w.releaseAndGetString();
    FileStorage r(text, FileStorage::READ | FileStorage::MEMORY);
    Ptr<MahalanobisTransform> loaded = MahalanobisTransform::create();
    loaded->read(r.root());
    ASSERT_FALSE(loaded->empty());
    EXPECT_EQ(mt->getRidge(), loaded->getRidge());
    EXPECT_EQ(mt->getShrinkage(), loaded->getShrinkage());
    EXPECT_EQ(MahalanobisTransform::LEDOIT_WOLF, loaded->getParams().regularization);
    loaded->apply(X, out);
    EXPECT_EQ(0.0, cv::norm(ref, out, NORM_INF));

    // Through Algorithm::save / Algorithm::load<> on a file.
    const std::string file = cv::tempfile(".yml");
    mt->save(file);
    Ptr<MahalanobisTransform> fromFile = Algorithm::load<MahalanobisTransform>(file);
    std::remove(file.c_str());
    ASSERT_FALSE(fromFile.empty());
    fromFile->apply(X, out);
    EXPECT_EQ(0.0, cv::norm(ref, out, NORM_INF));

    // In place: the output may be the input.
    Mat inPlace = X.clone();
    mt->apply(inPlace, inPlace);
    EXPECT_EQ(0.0, cv::norm(ref, inPlace, NORM_INF));
}

TEST(UniSLAD_MahalanobisTransform, errors_name_argument_expected_and_found)
{
    const char* fit = "MahalanobisTransform::fit";
    Ptr<MahalanobisTransform> mt = MahalanobisTransform::create();
    UNISLAD_EXPECT_THROW_MSG(mt->fit(Mat()), fit, "features", "empty");
    UNISLAD_EXPECT_THROW_MSG(mt->fit(Mat(10, 4, CV_64F, Scalar(1))), fit, "CV_32FC1", "10x4 CV_64FC1");
    UNISLAD_EXPECT_THROW_MSG(mt->fit(Mat(1, 4, CV_32F, Scalar(1))), fit, "at least 2 rows", "found 1");
    UNISLAD_EXPECT_THROW_MSG(mt->fit(Mat(5, 4, CV_32F, Scalar(1))), fit, "not all equal");
    Mat bad = correlatedFeatures(10, 4, 1);
    bad.at<float>(3, 2) = std::numeric_limits<float>::quiet_NaN();
    UNISLAD_EXPECT_THROW_MSG(mt->fit(bad), fit, "NaN or Inf", "row 3", "column 2");
    bad.at<float>(3, 2) = std::numeric_limits<float>::infinity();
    UNISLAD_EXPECT_THROW_MSG(mt->fit(bad), fit, "NaN or Inf");

    Mat out;
    UNISLAD_EXPECT_THROW_MSG(mt->apply(Mat(3, 4, CV_32F, Scalar(0)), out), "MahalanobisTransform::apply", "not fitted");
    mt->fit(correlatedFeatures(10, 4, 1));
    UNISLAD_EXPECT_THROW_MSG(mt->apply(Mat(3, 5, CV_32F, Scalar(0)), out), "apply", "features", "expected 4 columns", "found 5");
    UNISLAD_EXPECT_THROW_MSG(mt->apply(Mat(3, 4, CV_8U, Scalar(0)), out), "apply", "CV_8UC1");
    Mat q(3, 4, CV_32F, Scalar(0));
    q.at<float>(1, 1) = std::numeric_limits<float>::quiet_NaN();
    UNISLAD_EXPECT_THROW_MSG(mt->apply(q, out), "apply", "NaN or Inf", "row 1");

    MahalanobisTransform::Params p;
    p.epsilon = -1.0;
    UNISLAD_EXPECT_THROW_MSG(MahalanobisTransform::create(p), "params.epsilon", "found -1");
    p = MahalanobisTransform::Params();
    p.shrinkage = 1.5;
    UNISLAD_EXPECT_THROW_MSG(MahalanobisTransform::create(p), "params.shrinkage", "[0, 1]", "found 1.5");
    p = MahalanobisTransform::Params();
    p.regularization = 7;
    UNISLAD_EXPECT_THROW_MSG(MahalanobisTransform::create(p), "params.regularization", "found 7");

    UNISLAD_EXPECT_THROW_MSG(MahalanobisTransform::create(Mat(1, 4, CV_32F, Scalar(0)), Mat::eye(3, 3, CV_32F)),
                             "MahalanobisTransform::create", "transform", "expected a 4x4", "3x3");
    UNISLAD_EXPECT_THROW_MSG(MahalanobisTransform::create(Mat(), Mat::eye(3, 3, CV_32F)), "create", "mean", "empty");
}

}} // namespace
