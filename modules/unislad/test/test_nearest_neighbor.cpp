// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "test_precomp.hpp"
#include "opencv2/unislad/nearest_neighbor.hpp"
#include "banks/nearest_neighbor_impl.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

namespace opencv_test { namespace {

using cv::uniSLAD::NearestNeighborIndex;
using cv::uniSLAD::detail::ExactSearchBlocking;
using cv::uniSLAD::detail::createExactIndex;

const int kMetrics[] = {NearestNeighborIndex::L2, NearestNeighborIndex::L2_SQUARED,
                        NearestNeighborIndex::INNER_PRODUCT};

/** Brute-force reference in double precision: for each query, all (key, id) pairs sorted by key
    then id, where key is the squared distance (L2 metrics) or the negated product; truncated to k.
    Returns the distances as the metric defines them (L2: sqrt). */
void bruteForce(const Mat& queries, const Mat& bank, int metric, int k, Mat& dist, Mat& ids)
{
    dist.create(queries.rows, k, CV_64F);
    ids.create(queries.rows, k, CV_32S);
    std::vector<std::pair<double, int>> all(bank.rows);
    for (int i = 0; i < queries.rows; ++i) {
        const float* q = queries.ptr<float>(i);
        for (int j = 0; j < bank.rows; ++j) {
            const float* b = bank.ptr<float>(j);
            double s = 0.0;
            for (int c = 0; c < bank.cols; ++c)
                s += metric == NearestNeighborIndex::INNER_PRODUCT ? -double(q[c]) * double(b[c])
                                                                   : (double(q[c]) - b[c]) * (double(q[c]) - b[c]);
            all[j] = std::make_pair(s, j);
        }
        std::sort(all.begin(), all.end());
        for (int r = 0; r < k; ++r) {
            const double key = all[r].first;
            dist.at<double>(i, r) = metric == NearestNeighborIndex::L2 ? std::sqrt(key)
                                  : metric == NearestNeighborIndex::L2_SQUARED ? key : -key;
            ids.at<int>(i, r) = all[r].second;
        }
    }
}

Mat randomMat(int rows, int cols, uint64_t seed)
{
    Mat m(rows, cols, CV_32F);
    RNG rng(seed);
    rng.fill(m, RNG::NORMAL, 0.0, 1.0);
    return m;
}

/** Small integer values: distances and products are exact in float, with many exact ties. */
Mat integerMat(int rows, int cols, int lo, int hi, uint64_t seed)
{
    Mat m(rows, cols, CV_32F);
    RNG rng(seed);
    for (int i = 0; i < rows; ++i)
        for (int j = 0; j < cols; ++j)
            m.at<float>(i, j) = float(rng.uniform(lo, hi + 1));
    return m;
}

bool bitwiseEqual(const Mat& a, const Mat& b)
{
    return a.size == b.size && a.type() == b.type() && a.isContinuous() && b.isContinuous() &&
           std::memcmp(a.data, b.data, a.total() * a.elemSize()) == 0;
}

/** Blockings that make the test sizes cross every block and chunk boundary, and the default. */
std::vector<ExactSearchBlocking> testBlockings()
{
    std::vector<ExactSearchBlocking> b(3);
    b[1].queryBlock = 5;  b[1].bankBlock = 7;  b[1].minTasks = 64;
    b[2].queryBlock = 64; b[2].bankBlock = 100; b[2].minTasks = 3;
    return b;
}

/** Clustered vectors with a decaying spectrum, as patch features have: 12 centres, spreads falling
    geometrically with the coordinate. The same centresSeed gives the same clusters. */
Mat patchLikeMat(int rows, int cols, uint64_t seed, uint64_t centresSeed = 77)
{
    const int nCentres = 12;
    RNG crng(centresSeed);
    Mat centres(nCentres, cols, CV_32F);
    for (int c = 0; c < nCentres; ++c)
        for (int j = 0; j < cols; ++j)
            centres.at<float>(c, j) = float(crng.gaussian(1.0) * (6.0 * std::pow(0.85, j) + 0.05));
    RNG rng(seed);
    Mat m(rows, cols, CV_32F);
    for (int i = 0; i < rows; ++i) {
        const int c = rng.uniform(0, nCentres);
        for (int j = 0; j < cols; ++j)
            m.at<float>(i, j) = centres.at<float>(c, j) + float(rng.gaussian(1.0) * (2.0 * std::pow(0.9, j) + 0.05));
    }
    return m;
}

/** Blockings that take the pruned search at the test sizes (small banks allowed): a low rank with
    query blocks that cross the sizes, the default rank, and a rank whose handed-back blocks run the
    GEMM search with odd blocks and no extra seeds. */
std::vector<ExactSearchBlocking> prunedBlockings()
{
    std::vector<ExactSearchBlocking> b(3);
    for (ExactSearchBlocking& x : b) {
        x.minBoundedBank = 1;
        x.minCapturedVariance = 0.0;   // bounds on isotropic data too: their blocks are handed back
    }
    b[0].projectionRank = 4;  b[0].boundQueryBlock = 5;
    b[2].projectionRank = 8;  b[2].bankBlock = 7;  b[2].extraSeeds = 0;
    return b;
}

/** The first k columns of a squared-distance reference, as the metric returns them. */
Mat referenceFor(const Mat& squared, int metric, int k)
{
    Mat r = squared.colRange(0, k).clone();
    if (metric == NearestNeighborIndex::L2)
        cv::sqrt(r, r);
    return r;
}

void expectMatchesReference(const Mat& dist, const Mat& ids, const Mat& refDist, const Mat& refIds, double relTol)
{
    ASSERT_EQ(CV_32F, dist.type());
    ASSERT_EQ(CV_32S, ids.type());
    ASSERT_EQ(refIds.size(), ids.size());
    ASSERT_EQ(refDist.size(), dist.size());
    int idMismatches = 0, distMismatches = 0;
    for (int i = 0; i < ids.rows; ++i)
        for (int r = 0; r < ids.cols; ++r) {
            if (ids.at<int>(i, r) != refIds.at<int>(i, r) && idMismatches++ < 5)
                ADD_FAILURE() << "query " << i << " rank " << r << ": id " << ids.at<int>(i, r)
                              << ", expected " << refIds.at<int>(i, r);
            const double e = refDist.at<double>(i, r);
            // The reference is rounded to float, as the index returns it.
            if (std::abs(dist.at<float>(i, r) - double(float(e))) > relTol * std::max(1.0, std::abs(e)) &&
                distMismatches++ < 5)
                ADD_FAILURE() << "query " << i << " rank " << r << ": distance " << dist.at<float>(i, r)
                              << ", expected " << e;
        }
    EXPECT_EQ(0, idMismatches);
    EXPECT_EQ(0, distMismatches);
}

TEST(UniSLAD_NearestNeighbor, exact_matches_double_brute_force_on_random_data)
{
    const int d = 24;
    const Mat bank = randomMat(600, d, 1);
    for (int nq : {1, 7, 1000}) {
        const Mat queries = randomMat(nq, d, 100 + nq);
        for (int metric : kMetrics)
            for (int k : {1, 3, 17}) {
                Mat refDist, refIds;
                bruteForce(queries, bank, metric, k, refDist, refIds);
                const std::vector<ExactSearchBlocking> blockings = testBlockings();
                for (size_t b = 0; b < blockings.size(); ++b) {
                    SCOPED_TRACE(cv::format("nq=%d metric=%d k=%d blocking=%d", nq, metric, k, int(b)));
                    Ptr<NearestNeighborIndex> index = createExactIndex(d, metric, blockings[b]);
                    index->add(bank);
                    Mat dist, ids;
                    index->search(queries, k, dist, ids);
                    // Distances are the double reference rounded to float.
                    expectMatchesReference(dist, ids, refDist, refIds, 1e-6);
                }
            }
    }
}

TEST(UniSLAD_NearestNeighbor, large_k_and_k_equal_to_size)
{
    const int d = 10;
    const Mat bank = randomMat(150, d, 2);
    const Mat queries = randomMat(40, d, 3);
    for (int metric : kMetrics)
        for (int k : {50, 150}) {
            SCOPED_TRACE(cv::format("metric=%d k=%d", metric, k));
            Mat refDist, refIds;
            bruteForce(queries, bank, metric, k, refDist, refIds);
            ExactSearchBlocking small;
            small.queryBlock = 16; small.bankBlock = 33;
            Ptr<NearestNeighborIndex> index = createExactIndex(d, metric, small);
            index->add(bank);
            Mat dist, ids;
            index->search(queries, k, dist, ids);
            expectMatchesReference(dist, ids, refDist, refIds, 1e-6);
        }
}

TEST(UniSLAD_NearestNeighbor, exact_ties_and_duplicates_are_ordered_by_id)
{
    // Values in {-1, 0, 1}: every distance and product is a small integer, computed exactly in float,
    // so the reference order (distance, then id) must be reproduced exactly, ties included.
    const int d = 5;
    Mat bank = integerMat(300, d, -1, 1, 4);
    bank.row(10).copyTo(bank.row(11));    // explicit duplicates, adjacent and far apart
    bank.row(10).copyTo(bank.row(250));
    bank.row(3).copyTo(bank.row(299));
    Mat queries;
    vconcat(integerMat(60, d, -1, 1, 5), bank.rowRange(8, 14), queries);
    for (int metric : kMetrics)
        for (int k : {1, 3, 17, 60}) {
            Mat refDist, refIds;
            bruteForce(queries, bank, metric, k, refDist, refIds);
            const std::vector<ExactSearchBlocking> blockings = testBlockings();
            for (size_t b = 0; b < blockings.size(); ++b) {
                SCOPED_TRACE(cv::format("metric=%d k=%d blocking=%d", metric, k, int(b)));
                Ptr<NearestNeighborIndex> index = createExactIndex(d, metric, blockings[b]);
                index->add(bank);
                Mat dist, ids;
                index->search(queries, k, dist, ids);
                expectMatchesReference(dist, ids, refDist, refIds, 0.0);
            }
        }
    // The tie order spelled out: the query equal to row 250 finds every copy of row 10 (rows 10, 11,
    // 250 and any random repeat), at distance 0, by increasing id.
    std::vector<int> copies;
    for (int j = 0; j < bank.rows; ++j)
        if (cv::norm(bank.row(j), bank.row(10), NORM_INF) == 0)
            copies.push_back(j);
    ASSERT_GE(copies.size(), 3u);
    Ptr<NearestNeighborIndex> index = NearestNeighborIndex::createExact(d, NearestNeighborIndex::L2);
    index->add(bank);
    Mat dist, ids;
    index->search(bank.row(250), int(copies.size()) + 1, dist, ids);
    for (size_t r = 0; r < copies.size(); ++r) {
        EXPECT_EQ(copies[r], ids.at<int>(0, int(r))) << "rank " << r;
        EXPECT_EQ(0.f, dist.at<float>(0, int(r))) << "rank " << r;
    }
    EXPECT_GT(dist.at<float>(0, int(copies.size())), 0.f);
}

TEST(UniSLAD_NearestNeighbor, query_equal_to_bank_row_has_distance_zero)
{
    const int d = 64;
    const Mat bank = randomMat(3000, d, 6);
    const int rows[] = {0, 1, 1023, 1024, 2047, 2999};
    for (int metric : {int(NearestNeighborIndex::L2), int(NearestNeighborIndex::L2_SQUARED)}) {
        Ptr<NearestNeighborIndex> index = NearestNeighborIndex::createExact(d, metric);
        index->add(bank);
        for (int row : rows) {
            SCOPED_TRACE(cv::format("metric=%d row=%d", metric, row));
            Mat dist, ids;
            index->search(bank.row(row), 2, dist, ids);
            EXPECT_EQ(row, ids.at<int>(0, 0));
            EXPECT_EQ(0.f, dist.at<float>(0, 0));   // exact, no rounding left over from the GEMM
            EXPECT_GT(dist.at<float>(0, 1), 0.f);
        }
    }
}

TEST(UniSLAD_NearestNeighbor, near_duplicates_far_from_origin_get_exact_distances)
{
    // A common offset of 100 on every value: ||b||² ≈ 6.4e5 while the distances² are ≈ 1e-4, below
    // the float rounding of the norms expansion. The returned distances must still be exact.
    const int d = 64;
    Mat bank = randomMat(8, d, 7) * 1e-3 + 100.0;
    Mat queries = randomMat(5, d, 8) * 1e-3 + 100.0;
    for (int metric : {int(NearestNeighborIndex::L2), int(NearestNeighborIndex::L2_SQUARED)}) {
        SCOPED_TRACE(cv::format("metric=%d", metric));
        Mat refDist, refIds;
        bruteForce(queries, bank, metric, 3, refDist, refIds);
        Ptr<NearestNeighborIndex> index = NearestNeighborIndex::createExact(d, metric);
        index->add(bank);
        Mat dist, ids;
        index->search(queries, 3, dist, ids);
        expectMatchesReference(dist, ids, refDist, refIds, 1e-6);
        for (int i = 0; i < queries.rows; ++i)
            EXPECT_NEAR(refDist.at<double>(i, 0), dist.at<float>(i, 0), 1e-6 * refDist.at<double>(i, 0));
    }
}

TEST(UniSLAD_NearestNeighbor, results_identical_for_any_thread_count)
{
    const int d = 32;
    const Mat bank = randomMat(5000, d, 9);
    const Mat queries = randomMat(300, d, 10);
    const int savedThreads = cv::getNumThreads();
    for (int metric : kMetrics)
        for (int nq : {1, 300}) {
            SCOPED_TRACE(cv::format("metric=%d nq=%d", metric, nq));
            Ptr<NearestNeighborIndex> index = NearestNeighborIndex::createExact(d, metric);
            index->add(bank);
            Mat dist1, ids1;
            cv::setNumThreads(1);
            index->search(queries.rowRange(0, nq), 5, dist1, ids1);
            for (int threads : {2, 4}) {
                SCOPED_TRACE(threads);
                cv::setNumThreads(threads);
                Mat dist, ids;
                index->search(queries.rowRange(0, nq), 5, dist, ids);
                EXPECT_TRUE(bitwiseEqual(dist1, dist));
                EXPECT_TRUE(bitwiseEqual(ids1, ids));
            }
        }
    cv::setNumThreads(savedThreads);
}

TEST(UniSLAD_NearestNeighbor, add_twice_equals_add_once_concatenated)
{
    const int d = 16;
    const Mat a = randomMat(700, d, 11), b = randomMat(555, d, 12);
    Mat ab;
    vconcat(a, b, ab);
    const Mat queries = randomMat(50, d, 13);
    for (int metric : kMetrics) {
        SCOPED_TRACE(cv::format("metric=%d", metric));
        Ptr<NearestNeighborIndex> once = NearestNeighborIndex::createExact(d, metric);
        Ptr<NearestNeighborIndex> twice = NearestNeighborIndex::createExact(d, metric);
        once->add(ab);
        twice->add(a);
        EXPECT_EQ(700, twice->size());
        twice->add(b);
        EXPECT_EQ(1255, twice->size());
        Mat d1, i1, d2, i2;
        once->search(queries, 17, d1, i1);
        twice->search(queries, 17, d2, i2);
        EXPECT_TRUE(bitwiseEqual(d1, d2));
        EXPECT_TRUE(bitwiseEqual(i1, i2));
        // Rows of the second add get ids after the first: b's row 4 is found as id 704.
        if (metric != NearestNeighborIndex::INNER_PRODUCT) {
            twice->search(b.row(4), 1, d2, i2);
            EXPECT_EQ(704, i2.at<int>(0, 0));
        }
    }
}

TEST(UniSLAD_NearestNeighbor, reset_empties_and_keeps_configuration)
{
    const int d = 8;
    Ptr<NearestNeighborIndex> index = NearestNeighborIndex::createExact(d, NearestNeighborIndex::INNER_PRODUCT);
    EXPECT_TRUE(index->empty());
    EXPECT_EQ(0, index->size());
    index->add(randomMat(20, d, 14));
    EXPECT_FALSE(index->empty());
    EXPECT_EQ(20, index->size());
    index->reset();
    EXPECT_TRUE(index->empty());
    EXPECT_EQ(0, index->size());
    EXPECT_EQ(d, index->dims());
    EXPECT_EQ(int(NearestNeighborIndex::INNER_PRODUCT), index->metric());
    Mat dist, ids;
    UNISLAD_EXPECT_THROW_MSG(index->search(randomMat(1, d, 15), 1, dist, ids), "index", "found 0 vectors");
    // Ids restart at 0 after a reset.
    const Mat bank = randomMat(3, d, 16);
    index->add(bank);
    Mat refDist, refIds;
    bruteForce(bank, bank, NearestNeighborIndex::INNER_PRODUCT, 3, refDist, refIds);
    index->search(bank, 3, dist, ids);
    expectMatchesReference(dist, ids, refDist, refIds, 1e-6);
}

TEST(UniSLAD_NearestNeighbor, roi_queries_and_optional_outputs)
{
    const int d = 12;
    const Mat bank = randomMat(200, d, 17);
    const Mat wide = randomMat(30, d + 5, 18);
    const Mat roi = wide(Rect(3, 0, d, 30));   // non-continuous
    ASSERT_FALSE(roi.isContinuous());
    Ptr<NearestNeighborIndex> index = NearestNeighborIndex::createExact(d);
    EXPECT_EQ(int(NearestNeighborIndex::L2), index->metric());
    index->add(bank);
    Mat d1, i1, d2, i2, d3, i3;
    index->search(roi, 4, d1, i1);
    index->search(roi.clone(), 4, d2, i2);
    EXPECT_TRUE(bitwiseEqual(d1, d2));
    EXPECT_TRUE(bitwiseEqual(i1, i2));
    index->search(roi, 4, noArray(), i3);
    index->search(roi, 4, d3, noArray());
    EXPECT_TRUE(bitwiseEqual(i1, i3));
    EXPECT_TRUE(bitwiseEqual(d1, d3));
}

TEST(UniSLAD_NearestNeighbor, bad_arguments_are_reported)
{
    using NN = NearestNeighborIndex;
    UNISLAD_EXPECT_THROW_MSG(NN::createExact(0, NN::L2), "createExact", "dims", "found 0");
    UNISLAD_EXPECT_THROW_MSG(NN::createExact(4, 7), "createExact", "metric", "INNER_PRODUCT", "found 7");
    UNISLAD_EXPECT_THROW_MSG(NN::createExact(4, -1), "metric", "found -1");

    Ptr<NN> index = NN::createExact(4, NN::L2);
    Mat dist, ids;
    UNISLAD_EXPECT_THROW_MSG(index->search(randomMat(2, 4, 19), 1, dist, ids), "search", "index", "found 0 vectors");

    UNISLAD_EXPECT_THROW_MSG(index->add(Mat()), "add", "vectors", "empty");
    UNISLAD_EXPECT_THROW_MSG(index->add(Mat(3, 4, CV_64F, Scalar(0))), "add", "vectors", "CV_64FC1");
    UNISLAD_EXPECT_THROW_MSG(index->add(Mat(3, 4, CV_32FC2, Scalar(0))), "vectors", "CV_32FC2");
    UNISLAD_EXPECT_THROW_MSG(index->add(randomMat(3, 5, 20)), "add", "vectors", "expected 4 columns", "found 5");
    Mat bad = randomMat(3, 4, 21);
    bad.at<float>(1, 2) = std::numeric_limits<float>::quiet_NaN();
    UNISLAD_EXPECT_THROW_MSG(index->add(bad), "add", "vectors", "NaN or Inf", "row 1", "column 2");
    bad.at<float>(1, 2) = std::numeric_limits<float>::infinity();
    UNISLAD_EXPECT_THROW_MSG(index->add(bad), "vectors", "NaN or Inf");
    bad.at<float>(1, 2) = 1e19f;   // finite, but the squared norm (1e38) exceeds the limit (1e37)
    UNISLAD_EXPECT_THROW_MSG(index->add(bad), "add", "vectors", "squared norms", "row 1");
    EXPECT_TRUE(index->empty()) << "a failed add must not change the index";

    index->add(randomMat(10, 4, 22));
    UNISLAD_EXPECT_THROW_MSG(index->search(Mat(), 1, dist, ids), "search", "queries", "empty");
    UNISLAD_EXPECT_THROW_MSG(index->search(Mat(2, 4, CV_8U, Scalar(0)), 1, dist, ids), "queries", "CV_8UC1");
    UNISLAD_EXPECT_THROW_MSG(index->search(randomMat(2, 3, 23), 1, dist, ids), "queries", "expected 4 columns", "found 3");
    Mat badQ = randomMat(2, 4, 24);
    badQ.at<float>(0, 3) = -std::numeric_limits<float>::infinity();
    UNISLAD_EXPECT_THROW_MSG(index->search(badQ, 1, dist, ids), "search", "queries", "NaN or Inf", "row 0", "column 3");
    UNISLAD_EXPECT_THROW_MSG(index->search(randomMat(2, 4, 25), 0, dist, ids), "search", "k", "[1, 10]", "found 0");
    UNISLAD_EXPECT_THROW_MSG(index->search(randomMat(2, 4, 25), 11, dist, ids), "k", "[1, 10]", "found 11");
}

TEST(UniSLAD_NearestNeighbor, pruned_search_matches_double_brute_force)
{
    // Patch-like data (the bounds prune) and isotropic data (they do not: handed back to the GEMM
    // search), d a multiple of 8 or not, one query to several blocks, k from 1 to beyond the seeds.
    for (int d : {64, 67, 130})
        for (bool isotropic : {false, true}) {
            const int nb = isotropic ? 1100 : 1501;
            const Mat bank = isotropic ? randomMat(nb, d, 21) : patchLikeMat(nb, d, 21);
            for (int nq : {1, 7, 300}) {
                const Mat queries = isotropic ? randomMat(nq, d, 22) : patchLikeMat(nq, d, 22);
                Mat refSquared, refIds;
                bruteForce(queries, bank, NearestNeighborIndex::L2_SQUARED, 17, refSquared, refIds);
                const std::vector<ExactSearchBlocking> blockings = prunedBlockings();
                for (int metric : {int(NearestNeighborIndex::L2), int(NearestNeighborIndex::L2_SQUARED)})
                    for (int k : {1, 3, 17})
                        for (size_t b = 0; b < blockings.size(); ++b) {
                            SCOPED_TRACE(cv::format("d=%d isotropic=%d nq=%d metric=%d k=%d blocking=%d", d,
                                                    int(isotropic), nq, metric, k, int(b)));
                            Ptr<NearestNeighborIndex> index = createExactIndex(d, metric, blockings[b]);
                            index->add(bank);
                            Mat dist, ids;
                            index->search(queries, k, dist, ids);
                            expectMatchesReference(dist, ids, referenceFor(refSquared, metric, k),
                                                   refIds.colRange(0, k), 1e-6);
                        }
            }
        }
}

TEST(UniSLAD_NearestNeighbor, pruned_search_adversarial_banks)
{
    const int d = 64;
    struct Case
    {
        const char* name;
        Mat bank, queries;
        double relTol;
    };
    std::vector<Case> cases;
    {
        // Identical rows and zero vectors, queried exactly: ties at distance 0, then by id.
        Mat bank = patchLikeMat(1200, d, 31);
        for (int j = 100; j < 1200; j += 97)
            bank.row(5).copyTo(bank.row(j));
        for (int j = 50; j < 1200; j += 301)
            bank.row(j).setTo(0);
        Mat queries;
        vconcat(bank.rowRange(0, 8), patchLikeMat(20, d, 32), queries);
        vconcat(queries, Mat::zeros(2, d, CV_32F), queries);
        cases.push_back({"duplicates and zeros", bank, queries, 1e-6});
    }
    // Small integers: every distance exact in float, many exact ties.
    cases.push_back({"integer ties", integerMat(1300, d, -1, 1, 33), integerMat(40, d, -1, 1, 34), 0.0});
    // Huge norms: within the bounds' float range (squared norms ~1e28), and beyond it (GEMM search).
    cases.push_back({"huge norms", Mat(patchLikeMat(1100, d, 35) * 1e12), Mat(patchLikeMat(30, d, 36) * 1e12), 1e-6});
    cases.push_back({"huger norms", Mat(patchLikeMat(1100, d, 35) * 1e16), Mat(patchLikeMat(30, d, 36) * 1e16), 1e-6});
    // Tiny norms: squared distances down to ~1e-36, near float's smallest normal number.
    cases.push_back({"tiny norms", Mat(patchLikeMat(1100, d, 37) * 1e-17), Mat(patchLikeMat(30, d, 38) * 1e-17), 1e-6});
    cases.push_back({"tinier norms", Mat(patchLikeMat(1100, d, 37) * 1e-19), Mat(patchLikeMat(30, d, 38) * 1e-19), 1e-6});
    for (const Case& c : cases)
        for (int k : {1, 5, 60}) {
            Mat refSquared, refIds;
            bruteForce(c.queries, c.bank, NearestNeighborIndex::L2_SQUARED, k, refSquared, refIds);
            const std::vector<ExactSearchBlocking> blockings = prunedBlockings();
            for (int metric : {int(NearestNeighborIndex::L2), int(NearestNeighborIndex::L2_SQUARED)})
                for (size_t b = 0; b < blockings.size(); ++b) {
                    SCOPED_TRACE(cv::format("%s k=%d metric=%d blocking=%d", c.name, k, metric, int(b)));
                    Ptr<NearestNeighborIndex> index = createExactIndex(d, metric, blockings[b]);
                    index->add(c.bank);
                    Mat dist, ids;
                    index->search(c.queries, k, dist, ids);
                    if (c.relTol == 0.0) {
                        expectMatchesReference(dist, ids, referenceFor(refSquared, metric, k), refIds, 0.0);
                    } else {
                        // Relative to each distance: the scales here are far from 1.
                        Mat ref = referenceFor(refSquared, metric, k);
                        EXPECT_EQ(0, cv::countNonZero(ids != refIds));
                        int far = 0;
                        for (int i = 0; i < dist.rows; ++i)
                            for (int r = 0; r < k; ++r) {
                                const double e = ref.at<double>(i, r);
                                far += std::abs(dist.at<float>(i, r) - e) > c.relTol * std::abs(e);
                            }
                        EXPECT_EQ(0, far) << "distances off by more than " << c.relTol << " (relative)";
                    }
                }
        }
    // The whole bank as k.
    const Mat bank = patchLikeMat(1030, d, 41), queries = patchLikeMat(3, d, 42);
    Mat refSquared, refIds;
    bruteForce(queries, bank, NearestNeighborIndex::L2_SQUARED, bank.rows, refSquared, refIds);
    Ptr<NearestNeighborIndex> index = createExactIndex(d, NearestNeighborIndex::L2_SQUARED, prunedBlockings()[1]);
    index->add(bank);
    Mat dist, ids;
    index->search(queries, bank.rows, dist, ids);
    expectMatchesReference(dist, ids, refSquared, refIds, 1e-6);
}

TEST(UniSLAD_NearestNeighbor, pruned_search_exact_for_near_duplicates_far_from_origin)
{
    // 1500 near duplicates about 100 · (1, …, 1): distances² (~1e-5) far below the float rounding of
    // ||b||² − 2 q·b (~0.1), so the GEMM search's k + 8 candidates are a lottery here (its documented
    // limit, kept for the blocks it is handed). The bounds are taken about the bank's mean and prune:
    // the result is the exact one.
    const int d = 64;
    const Mat bank = patchLikeMat(1500, d, 39) * 1e-3 + 100.0;
    const Mat queries = patchLikeMat(25, d, 40) * 1e-3 + 100.0;
    for (int k : {1, 5}) {
        Mat refSquared, refIds;
        bruteForce(queries, bank, NearestNeighborIndex::L2_SQUARED, k, refSquared, refIds);
        for (int metric : {int(NearestNeighborIndex::L2), int(NearestNeighborIndex::L2_SQUARED)}) {
            SCOPED_TRACE(cv::format("k=%d metric=%d", k, metric));
            Ptr<NearestNeighborIndex> index = NearestNeighborIndex::createExact(d, metric);
            index->add(bank);
            Mat dist, ids;
            index->search(queries, k, dist, ids);
            EXPECT_EQ(0, cv::countNonZero(ids != refIds));
            const Mat ref = referenceFor(refSquared, metric, k);
            for (int i = 0; i < dist.rows; ++i)
                for (int r = 0; r < k; ++r)
                    EXPECT_NEAR(ref.at<double>(i, r), dist.at<float>(i, r), 1e-6 * ref.at<double>(i, r));
        }
    }
}

TEST(UniSLAD_NearestNeighbor, pruned_search_identical_for_any_thread_count_and_add_split)
{
    const int d = 64;
    const Mat a = patchLikeMat(3000, d, 51), b = patchLikeMat(2100, d, 52);
    Mat ab;
    vconcat(a, b, ab);
    const Mat queries = patchLikeMat(300, d, 53);
    const int savedThreads = cv::getNumThreads();
    for (int metric : {int(NearestNeighborIndex::L2), int(NearestNeighborIndex::L2_SQUARED)}) {
        SCOPED_TRACE(cv::format("metric=%d", metric));
        Ptr<NearestNeighborIndex> once = NearestNeighborIndex::createExact(d, metric);
        once->add(ab);
        Mat dist1, ids1;
        cv::setNumThreads(1);
        once->search(queries, 5, dist1, ids1);
        for (int threads : {2, 4}) {
            SCOPED_TRACE(threads);
            cv::setNumThreads(threads);
            Mat dist, ids;
            once->search(queries, 5, dist, ids);
            EXPECT_TRUE(bitwiseEqual(dist1, dist));
            EXPECT_TRUE(bitwiseEqual(ids1, ids));
        }
        cv::setNumThreads(savedThreads);
        Ptr<NearestNeighborIndex> twice = NearestNeighborIndex::createExact(d, metric);
        twice->add(a);
        Mat dist, ids;
        twice->search(queries, 5, dist, ids);   // bounds of a alone, rebuilt after the next add
        twice->add(b);
        twice->search(queries, 5, dist, ids);
        EXPECT_TRUE(bitwiseEqual(dist1, dist));
        EXPECT_TRUE(bitwiseEqual(ids1, ids));
        // The GEMM search returns the same, bit for bit (same neighbours, same exact key).
        ExactSearchBlocking gemmOnly;
        gemmOnly.projectionRank = 0;
        Ptr<NearestNeighborIndex> plain = createExactIndex(d, metric, gemmOnly);
        plain->add(ab);
        plain->search(queries, 5, dist, ids);
        EXPECT_TRUE(bitwiseEqual(dist1, dist));
        EXPECT_TRUE(bitwiseEqual(ids1, ids));
    }
    cv::setNumThreads(savedThreads);
}

}} // namespace
