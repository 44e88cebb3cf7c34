// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "test_precomp.hpp"
#include "opencv2/unislad/coreset.hpp"
#include "banks/coreset_detail.hpp"

#include <algorithm>
#include <set>

namespace opencv_test { namespace {

using cv::uniSLAD::CoresetSampler;
using cv::uniSLAD::coresetCoverageRadius;
using cv::uniSLAD::detail::coresetSquaredDistance;

/** Plain greedy k-center, O(N·k): the definition the sampler must reproduce. Distances come from
    the sampler's distance function so that near-equal maxima compare the same way. */
std::vector<int> referenceGreedy(const Mat& y, int k, int start)
{
    const int n = y.rows, d = y.cols;
    std::vector<float> mind(n);
    std::vector<char> chosen(n, 0);
    std::vector<int> sel(1, start);
    chosen[start] = 1;
    for (int i = 0; i < n; ++i)
        mind[i] = coresetSquaredDistance(y.ptr<float>(i), y.ptr<float>(start), d);
    while ((int)sel.size() < k) {
        int best = -1;
        for (int i = 0; i < n; ++i)
            if (!chosen[i] && (best < 0 || mind[i] > mind[best]))
                best = i;
        sel.push_back(best);
        chosen[best] = 1;
        for (int i = 0; i < n; ++i) {
            const float dn = coresetSquaredDistance(y.ptr<float>(i), y.ptr<float>(best), d);
            if (dn < mind[i])
                mind[i] = dn;
        }
    }
    return sel;
}

/** Coverage radius in double precision, written independently of the library. */
double referenceRadius(const Mat& x, const std::vector<int>& sel)
{
    double worst = 0;
    for (int i = 0; i < x.rows; ++i) {
        double best = std::numeric_limits<double>::infinity();
        for (int j : sel) {
            double s = 0;
            for (int c = 0; c < x.cols; ++c) {
                const double t = (double)x.at<float>(i, c) - x.at<float>(j, c);
                s += t * t;
            }
            best = std::min(best, s);
        }
        worst = std::max(worst, best);
    }
    return std::sqrt(worst);
}

Mat gaussianData(int n, int d, uint64 seed)
{
    Mat x(n, d, CV_32F);
    RNG rng(seed);
    rng.fill(x, RNG::NORMAL, 0.0, 1.0);
    return x;
}

/** Blobs of very different sizes and spreads, some points clipped at 0 as after a ReLU. */
Mat clusteredData(int n, int d, int clusters, uint64 seed)
{
    RNG rng(seed);
    Mat centres(clusters, d, CV_32F);
    rng.fill(centres, RNG::UNIFORM, 0.0, 4.0);
    Mat x(n, d, CV_32F);
    for (int i = 0; i < n; ++i) {
        const int c = std::min(clusters - 1, (int)(clusters * std::pow(rng.uniform(0.0, 1.0), 2.0)));
        const double spread = 0.02 + 0.3 * c / clusters;
        for (int j = 0; j < d; ++j)
            x.at<float>(i, j) = std::max(0.f, centres.at<float>(c, j) + (float)rng.gaussian(spread));
    }
    return x;
}

/** `distinct` random rows, each repeated several times in shuffled order. */
Mat duplicatedData(int n, int d, int distinct, uint64 seed)
{
    const Mat base = gaussianData(distinct, d, seed);
    RNG rng(seed + 7);
    Mat x(n, d, CV_32F);
    for (int i = 0; i < n; ++i)
        base.row(i < distinct ? i : rng.uniform(0, distinct)).copyTo(x.row(i));
    cv::randShuffle(x, 1.0, &rng);
    return x;
}

CoresetSampler::Params makeParams(double ratio, int count, int dims, int seed, int start = -1)
{
    CoresetSampler::Params p;
    p.ratio = ratio;
    p.count = count;
    p.projectionDims = dims;
    p.seed = seed;
    p.startIndex = start;
    return p;
}

/** Checks select() against the reference greedy on the sampler's own projection, and the documented
    count and start rules. */
void expectSameAsReference(const Mat& x, const CoresetSampler::Params& params)
{
    Ptr<CoresetSampler> sampler = CoresetSampler::create(params);
    Mat y;
    sampler->project(x, y);
    const int n = x.rows;
    const int k = params.count > 0 ? params.count
                                   : std::max(1, (int)std::floor(params.ratio * n + 0.5));
    const int start = params.startIndex >= 0 ? params.startIndex : RNG((uint64)params.seed).uniform(0, n);
    const std::vector<int> sel = sampler->select(x);
    ASSERT_EQ((size_t)k, sel.size());
    EXPECT_EQ(k, sampler->selectionCount(n));
    EXPECT_EQ(start, sel[0]);
    const std::vector<int> ref = referenceGreedy(y, k, start);
    ASSERT_EQ(ref.size(), sel.size());
    for (size_t i = 0; i < ref.size(); ++i)
        ASSERT_EQ(ref[i], sel[i]) << "first difference at selection step " << i;
}

/** Whether v is a binary16 number (round trip through OpenCV's own conversion). */
bool isHalf(float v)
{
    return (float)cv::float16_t(v) == v;
}

TEST(UniSLAD_Coreset, projection_follows_documented_rule)
{
    const Mat base = gaussianData(300, 96, 3);
    // Magnitudes far outside fp16's range on both sides: the power-of-two scale keeps them.
    for (double magnitude : {1.0, 1e7, 1e-9}) {
        const Mat x = base * magnitude;
        for (int dims : {16, 40}) {
            SCOPED_TRACE(cv::format("magnitude %g, dims %d", magnitude, dims));
            Ptr<CoresetSampler> sampler = CoresetSampler::create(makeParams(0.1, 0, dims, 42));
            Mat y;
            sampler->project(x, y);
            ASSERT_EQ(x.rows, y.rows);
            ASSERT_EQ(dims, y.cols);
            ASSERT_EQ(CV_32FC1, y.type());
            Mat proj(x.cols, dims, CV_32F);
            RNG rng(42);
            rng.fill(proj, RNG::NORMAL, 0.0, 1.0);
            Mat proj64, x64, ref;
            proj.convertTo(proj64, CV_64F, 1.0 / std::sqrt((double)dims));
            x.convertTo(x64, CV_64F);
            ref = x64 * proj64;
            Mat y64;
            y.convertTo(y64, CV_64F);
            // fp16 rounding after scaling the largest magnitude into [2^14, 2^15): at most half a
            // unit (2^4 there) of 2^14, i.e. 2^-10 of the largest magnitude, plus the float GEMM error.
            const double top = cv::norm(ref, NORM_INF);
            EXPECT_LE(cv::norm(ref, y64, NORM_INF), (std::ldexp(1.0, -10) + 1e-5) * top);
            EXPECT_GT(cv::norm(ref, y64, NORM_INF), 0.0);   // it is rounded
            int ex = 0;
            std::frexp(top, &ex);
            const float scale = (float)std::ldexp(1.0, 15 - ex);
            int notHalf = 0;
            for (int i = 0; i < y.rows; ++i)
                for (int j = 0; j < y.cols; ++j)
                    notHalf += !isHalf(y.at<float>(i, j) * scale);
            EXPECT_EQ(0, notHalf);
        }
    }
    const Mat x = base;
    // Skipped projection: a copy.
    for (int dims : {0, 96, 200}) {
        SCOPED_TRACE(dims);
        Mat y;
        CoresetSampler::create(makeParams(0.1, 0, dims, 42))->project(x, y);
        EXPECT_EQ(0, cv::norm(x, y, NORM_INF));
    }
}

TEST(UniSLAD_Coreset, fp16_rounding_matches_scalar_conversion)
{
    // The vector conversion (with a scalar tail for 37 columns) against cv::float16_t, value by value.
    RNG rng(5);
    for (double magnitude : {1.0, 3e-3, 5e5}) {
        SCOPED_TRACE(magnitude);
        Mat y(50, 37, CV_32F);
        rng.fill(y, RNG::NORMAL, 0.0, magnitude);
        y.at<float>(3, 4) = 0.f;
        y.at<float>(7, 36) = (float)(-1e-9 * magnitude);   // subnormal in fp16 after scaling
        Mat h;
        const float unscale = cv::uniSLAD::detail::coresetRoundToHalf(y, h);
        ASSERT_EQ(CV_16UC1, h.type());
        ASSERT_EQ(y.size(), h.size());
        int ex = 0;
        std::frexp(cv::norm(y, NORM_INF), &ex);
        ASSERT_EQ((float)std::ldexp(1.0, ex - 15), unscale);
        const float scale = 1.f / unscale;
        int mismatches = 0;
        for (int i = 0; i < y.rows; ++i)
            for (int j = 0; j < y.cols; ++j)
                mismatches += cv::float16_t(y.at<float>(i, j) * scale).bits() != h.at<ushort>(i, j);
        EXPECT_EQ(0, mismatches);
    }
    Mat zeros(3, 20, CV_32F, Scalar(0)), hz;
    EXPECT_EQ(1.f, cv::uniSLAD::detail::coresetRoundToHalf(zeros, hz));
    EXPECT_EQ(0, cv::countNonZero(hz));
}

TEST(UniSLAD_Coreset, fp16_distance_equals_float_distance_of_converted_values)
{
    // Stored fp16 rows: the distance must be the float distance of the values they stand for, bit
    // for bit, whatever the length (whole 16-lane steps and a partial last step).
    RNG rng(9);
    for (int n : {5, 16, 37, 128, 131}) {
        for (float unscale : {1.f, 1.f / 128, 1024.f}) {
            SCOPED_TRACE(cv::format("n %d, unscale %g", n, unscale));
            for (int trial = 0; trial < 20; ++trial) {
                std::vector<ushort> a(n);
                std::vector<float> av(n), b(n);
                for (int i = 0; i < n; ++i) {
                    ushort bits;
                    do {
                        bits = (ushort)rng.uniform(0, 65536);
                    } while ((bits & 0x7c00) == 0x7c00);   // finite only
                    a[i] = bits;
                    av[i] = (float)cv::float16_t::fromBits(bits) * unscale;
                    b[i] = (float)rng.gaussian(1000.0) * unscale;
                }
                const float expected = coresetSquaredDistance(av.data(), b.data(), n);
                const float got = cv::uniSLAD::detail::coresetHalfSquaredDistance(a.data(), unscale, b.data(), n);
                ASSERT_EQ(expected, got) << "trial " << trial;
            }
        }
    }
}

TEST(UniSLAD_Coreset, matches_brute_force_greedy_random)
{
    const Mat x = gaussianData(1500, 64, 11);
    expectSameAsReference(x, makeParams(0.1, 0, 16, 1));      // ratio mode, projected
    expectSameAsReference(x, makeParams(0.1, 0, 0, 5));       // no projection
    expectSameAsReference(x, makeParams(0.1, 77, 32, 9, 123)); // count mode, explicit start
}

TEST(UniSLAD_Coreset, matches_brute_force_greedy_clustered)
{
    const Mat x = clusteredData(2500, 200, 12, 21);
    expectSameAsReference(x, makeParams(0.08, 0, 128, 3));     // default projection dimension
    expectSameAsReference(x, makeParams(0.1, 300, 24, 4));
    const Mat low = clusteredData(4000, 3, 6, 22);              // low intrinsic dimension: heavy pruning
    expectSameAsReference(low, makeParams(0.15, 0, 128, 8));
}

TEST(UniSLAD_Coreset, matches_brute_force_greedy_with_ties_and_duplicates)
{
    // 80 distinct rows among 700: after 80 picks every remaining distance is 0, and the order must
    // continue by smallest index among the rows not yet selected.
    const Mat dup = duplicatedData(700, 20, 80, 31);
    expectSameAsReference(dup, makeParams(0.1, 150, 0, 1));
    expectSameAsReference(dup, makeParams(0.1, 700, 8, 2));     // every row

    // Integer grid: squared distances are exact integers, so equal maxima are everywhere.
    Mat grid(900, 2, CV_32F);
    for (int i = 0; i < 900; ++i) {
        grid.at<float>(i, 0) = (float)(i % 30);
        grid.at<float>(i, 1) = (float)(i / 30);
    }
    expectSameAsReference(grid, makeParams(0.2, 0, 128, 0, 0));
    expectSameAsReference(grid, makeParams(0.2, 0, 128, 0, 465));
}

TEST(UniSLAD_Coreset, matches_brute_force_greedy_parallel_paths)
{
    // Large enough for the parallel point updates and the parallel centre scan (> 8192 centres).
    const Mat x = clusteredData(12000, 4, 40, 41);
    const int saved = cv::getNumThreads();
    cv::setNumThreads(2);
    expectSameAsReference(x, makeParams(0.75, 0, 0, 6));
    cv::setNumThreads(saved);
}

TEST(UniSLAD_Coreset, selection_count_rule_and_distinct_rows)
{
    const Mat x = gaussianData(15, 4, 1);
    EXPECT_EQ(2, CoresetSampler::create(makeParams(0.1, 0, 0, 0))->selectionCount(15));  // round(1.5) = 2
    EXPECT_EQ(1, CoresetSampler::create(makeParams(0.01, 0, 0, 0))->selectionCount(10));  // max(1, round(0.1))
    EXPECT_EQ(4, CoresetSampler::create(makeParams(0.3, 0, 0, 0))->selectionCount(13));   // round(3.9)
    EXPECT_EQ(15, CoresetSampler::create(makeParams(1.0, 0, 0, 0))->selectionCount(15));
    EXPECT_EQ(7, CoresetSampler::create(makeParams(0.5, 7, 0, 0))->selectionCount(15));   // count wins

    const std::vector<int> all = CoresetSampler::create(makeParams(1.0, 0, 0, 3))->select(x);
    ASSERT_EQ(15u, all.size());
    EXPECT_EQ(15u, std::set<int>(all.begin(), all.end()).size());
    EXPECT_EQ(0, *std::min_element(all.begin(), all.end()));
    EXPECT_EQ(14, *std::max_element(all.begin(), all.end()));

    const std::vector<int> one = CoresetSampler::create(makeParams(0.1, 1, 0, 0, 9))->select(x);
    ASSERT_EQ(1u, one.size());
    EXPECT_EQ(9, one[0]);
}

TEST(UniSLAD_Coreset, coverage_radius_matches_reference_and_greedy_bound)
{
    const Mat x = clusteredData(800, 24, 8, 51);
    Ptr<CoresetSampler> sampler = CoresetSampler::create(makeParams(0.1, 0, 0, 2));
    const std::vector<int> sel = sampler->select(x);
    EXPECT_NEAR(referenceRadius(x, sel), coresetCoverageRadius(x, sel), 1e-5 * referenceRadius(x, sel));
    // Greedy property: the radius of the first m centres is the distance of centre m + 1 to them.
    for (int m : {1, 5, 40}) {
        SCOPED_TRACE(m);
        const std::vector<int> head(sel.begin(), sel.begin() + m);
        double best = std::numeric_limits<double>::infinity();
        for (int j : head)
            best = std::min(best, cv::norm(x.row(sel[m]), x.row(j), NORM_L2));
        EXPECT_NEAR(best, coresetCoverageRadius(x, head), 1e-5 * best);
    }
    std::vector<int> every(x.rows);
    for (int i = 0; i < x.rows; ++i)
        every[i] = i;
    EXPECT_EQ(0.0, coresetCoverageRadius(x, every));
}

TEST(UniSLAD_Coreset, coverage_not_worse_than_random_subsets)
{
    // Greedy k-center bounds the radius in the space it works in (projected); in the original space
    // the projection only approximates distances, which is enough on clustered data (the use case)
    // but not on isotropic noise, where every subset is about as good.
    const struct { Mat x; int dims; bool checkOriginal; } cases[] = {
        {clusteredData(3000, 64, 10, 61), 32, true},
        {clusteredData(3000, 300, 25, 63), 128, true},
        {gaussianData(2000, 48, 62), 16, false},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); ++c) {
        SCOPED_TRACE(c);
        const Mat& x = cases[c].x;
        Ptr<CoresetSampler> sampler = CoresetSampler::create(makeParams(0.05, 0, cases[c].dims, 0));
        Mat y;
        sampler->project(x, y);
        const std::vector<int> sel = sampler->select(x);
        const double coreY = coresetCoverageRadius(y, sel);
        const double coreX = coresetCoverageRadius(x, sel);
        for (int seed = 1; seed <= 5; ++seed) {
            SCOPED_TRACE(seed);
            std::vector<int> perm(x.rows);
            for (int i = 0; i < x.rows; ++i)
                perm[i] = i;
            RNG rng(seed);
            cv::randShuffle(perm, 1.0, &rng);
            const std::vector<int> rnd(perm.begin(), perm.begin() + sel.size());
            EXPECT_LE(coreY, coresetCoverageRadius(y, rnd));   // the space the greedy works in
            if (cases[c].checkOriginal) {
                EXPECT_LE(coreX, coresetCoverageRadius(x, rnd));
            }
        }
    }
}

TEST(UniSLAD_Coreset, deterministic_across_threads_and_seeds)
{
    const Mat x = clusteredData(30000, 32, 30, 71);   // parallel paths active
    const CoresetSampler::Params params = makeParams(0.05, 0, 16, 5);
    const int saved = cv::getNumThreads();
    std::vector<int> first;
    for (int threads : {1, 2, 4}) {
        SCOPED_TRACE(threads);
        cv::setNumThreads(threads);
        const std::vector<int> sel = CoresetSampler::create(params)->select(x);
        if (first.empty())
            first = sel;
        else
            EXPECT_EQ(first, sel);
    }
    cv::setNumThreads(saved);
    EXPECT_EQ(first, CoresetSampler::create(params)->select(x));

    const Mat small = gaussianData(500, 16, 72);
    std::set<int> starts;
    std::set<std::vector<int>> results;
    for (int seed = 0; seed < 6; ++seed) {
        const std::vector<int> sel = CoresetSampler::create(makeParams(0.05, 0, 8, seed))->select(small);
        starts.insert(sel[0]);
        results.insert(sel);
    }
    EXPECT_GE(starts.size(), 5u);
    EXPECT_GE(results.size(), 5u);
}

TEST(UniSLAD_Coreset, params_round_trip_through_file_storage)
{
    Ptr<CoresetSampler> a = CoresetSampler::create(makeParams(0.25, 12, 64, 17, 3));
    EXPECT_EQ("UniSLAD_CoresetSampler", a->getDefaultName());
    FileStorage fs("coreset.yml", FileStorage::WRITE | FileStorage::MEMORY);
    fs << "sampler" << "{";
    a->write(fs);
    fs << "}";
    const String text = fs.releaseAndGetString();
    FileStorage in(text, FileStorage::READ | FileStorage::MEMORY);
    Ptr<CoresetSampler> b = CoresetSampler::create();
    b->read(in["sampler"]);
    const CoresetSampler::Params p = b->getParams();
    EXPECT_EQ(0.25, p.ratio);
    EXPECT_EQ(12, p.count);
    EXPECT_EQ(64, p.projectionDims);
    EXPECT_EQ(17, p.seed);
    EXPECT_EQ(3, p.startIndex);
}

TEST(UniSLAD_Coreset, errors_name_argument_expected_and_found)
{
    Ptr<CoresetSampler> s = CoresetSampler::create();
    const CoresetSampler::Params defaults;
    EXPECT_EQ(0.1, defaults.ratio);
    EXPECT_EQ(0, defaults.count);
    EXPECT_EQ(128, defaults.projectionDims);
    EXPECT_EQ(-1, defaults.startIndex);

    UNISLAD_EXPECT_THROW_MSG(s->select(Mat()), "CoresetSampler::select", "features", "empty");
    UNISLAD_EXPECT_THROW_MSG(s->select(Mat(10, 4, CV_64F, Scalar(0))), "features", "CV_32FC1", "10x4 CV_64FC1");
    UNISLAD_EXPECT_THROW_MSG(s->select(Mat(10, 4, CV_32FC2, Scalar(0))), "features", "CV_32FC2");
    Mat bad = gaussianData(10, 4, 1);
    bad.at<float>(3, 2) = std::numeric_limits<float>::quiet_NaN();
    UNISLAD_EXPECT_THROW_MSG(s->select(bad), "features", "NaN or Inf", "row 3", "column 2");
    bad.at<float>(3, 2) = 0.f;
    bad.at<float>(7, 1) = -std::numeric_limits<float>::infinity();
    UNISLAD_EXPECT_THROW_MSG(s->select(bad), "features", "NaN or Inf", "row 7");
    UNISLAD_EXPECT_THROW_MSG(s->project(Mat(), noArray()), "CoresetSampler::project", "features", "empty");

    for (double r : {0.0, -0.1, 1.5}) {
        SCOPED_TRACE(r);
        UNISLAD_EXPECT_THROW_MSG(CoresetSampler::create(makeParams(r, 0, 128, 0)), "params.ratio", "(0, 1]");
        UNISLAD_EXPECT_THROW_MSG(s->setParams(makeParams(r, 0, 128, 0)), "params.ratio", "(0, 1]");
    }
    UNISLAD_EXPECT_THROW_MSG(s->setParams(makeParams(0.1, -1, 128, 0)), "params.count", "found -1");
    UNISLAD_EXPECT_THROW_MSG(s->setParams(makeParams(0.1, 0, -4, 0)), "params.projectionDims", "found -4");
    EXPECT_EQ(0.1, s->getParams().ratio);   // rejected parameters leave the sampler unchanged

    const Mat x = gaussianData(10, 4, 2);
    s->setParams(makeParams(0.1, 11, 0, 0));
    UNISLAD_EXPECT_THROW_MSG(s->select(x), "params.count", "[1, N = 10]", "found 11");
    s->setParams(makeParams(0.1, 0, 0, 0, 10));
    UNISLAD_EXPECT_THROW_MSG(s->select(x), "params.startIndex", "[0, N = 10)", "found 10");

    UNISLAD_EXPECT_THROW_MSG(coresetCoverageRadius(x, std::vector<int>()), "coresetCoverageRadius", "indices",
                             "found none");
    UNISLAD_EXPECT_THROW_MSG(coresetCoverageRadius(x, std::vector<int>{1, 10}), "indices", "[0, N = 10)", "found 10");
    UNISLAD_EXPECT_THROW_MSG(coresetCoverageRadius(x, std::vector<int>{-1}), "indices", "found -1");
    UNISLAD_EXPECT_THROW_MSG(coresetCoverageRadius(Mat(), std::vector<int>{0}), "coresetCoverageRadius", "features");
    UNISLAD_EXPECT_THROW_MSG(coresetCoverageRadius(bad, std::vector<int>{0}), "features", "NaN or Inf");
}

}} // namespace
