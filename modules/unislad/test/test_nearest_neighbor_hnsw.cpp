// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "test_precomp.hpp"
#include "opencv2/unislad/nearest_neighbor.hpp"
#include "banks/nearest_neighbor_impl.hpp"

#include <boost/crc.hpp>
#include <opencv2/core/utility.hpp>

#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

namespace opencv_test { namespace {

using cv::uniSLAD::HnswIndex;
using cv::uniSLAD::HnswParams;
using cv::uniSLAD::NearestNeighborIndex;

/** Restores cv::getNumThreads() on scope exit. */
struct ThreadsGuard
{
    int saved = cv::getNumThreads();
    ~ThreadsGuard() { cv::setNumThreads(saved); }
};

Mat gaussianMat(int rows, int cols, uint64_t seed)
{
    Mat m(rows, cols, CV_32F);
    RNG rng(seed);
    rng.fill(m, RNG::NORMAL, 0.0, 1.0);
    return m;
}

/** Rows around `clusters` random centres with a small spread (patch-feature-like). */
Mat clusteredMat(int rows, int cols, int clusters, uint64_t seed)
{
    RNG rng(seed);
    Mat centres(clusters, cols, CV_32F);
    rng.fill(centres, RNG::UNIFORM, 0.0, 2.0);
    Mat m(rows, cols, CV_32F), noise(1, cols, CV_32F);
    for (int i = 0; i < rows; ++i) {
        rng.fill(noise, RNG::NORMAL, 0.0, 0.15);
        Mat row = m.row(i);
        cv::max(centres.row(rng.uniform(0, clusters)) + noise, 0.0, row);
    }
    return m;
}

/** Share of queries whose first id equals the exact index's first id. */
double recallAt1(const Mat& exactIds, const Mat& ids)
{
    int hits = 0;
    for (int i = 0; i < ids.rows; ++i)
        hits += ids.at<int>(i, 0) == exactIds.at<int>(i, 0);
    return double(hits) / ids.rows;
}

bool sameMat(const Mat& a, const Mat& b)
{
    return a.size == b.size && a.type() == b.type() && std::memcmp(a.data, b.data, a.total() * a.elemSize()) == 0;
}

void putLE32(std::vector<uchar>& b, size_t offset, uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        b[offset + size_t(i)] = uchar(v >> (8 * i));
}

uint32_t getLE32(const std::vector<uchar>& b, size_t offset)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
        v |= uint32_t(b[offset + size_t(i)]) << (8 * i);
    return v;
}

/** Recomputes the trailing CRC-32 after an edit, so that the edit reaches the structural checks. */
void fixCrc(std::vector<uchar>& b)
{
    boost::crc_32_type crc;
    crc.process_bytes(b.data(), b.size() - 4);
    putLE32(b, b.size() - 4, crc.checksum());
}

HnswParams serialParams(int seed = 7)
{
    HnswParams p;
    p.M = 8;
    p.efConstruction = 64;
    p.efSearch = 32;
    p.seed = seed;
    p.parallelBuild = false;
    return p;
}

// Recall against the exact index (an independent brute force, itself tested against double
// precision in test_nearest_neighbor.cpp). Where the neighbour found is the true one, the distance
// must be the exact index's to the bit (both recompute it in double precision).
TEST(UniSLAD_HnswIndex, recall_at_1_against_exact_on_random_and_clustered_data)
{
    struct Case { const char* name; Mat bank, queries; int metric; double minRecall; };
    const Mat clustered = clusteredMat(4200, 48, 24, 3);
    Mat unitBank = gaussianMat(3000, 32, 5), unitQueries = gaussianMat(200, 32, 6);
    for (int i = 0; i < unitBank.rows; ++i) unitBank.row(i) /= cv::norm(unitBank.row(i));
    for (int i = 0; i < unitQueries.rows; ++i) unitQueries.row(i) /= cv::norm(unitQueries.row(i));
    const Case cases[] = {
        {"random L2", gaussianMat(3000, 32, 1), gaussianMat(200, 32, 2), NearestNeighborIndex::L2, 0.97},
        {"clustered L2", clustered.rowRange(0, 4000), clustered.rowRange(4000, 4200), NearestNeighborIndex::L2, 0.99},
        {"clustered L2_SQUARED", clustered.rowRange(0, 4000), clustered.rowRange(4000, 4200),
         NearestNeighborIndex::L2_SQUARED, 0.99},
        {"unit INNER_PRODUCT", unitBank, unitQueries, NearestNeighborIndex::INNER_PRODUCT, 0.97},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        Ptr<NearestNeighborIndex> exact = NearestNeighborIndex::createExact(c.bank.cols, c.metric);
        exact->add(c.bank);
        Mat ed, ei;
        exact->search(c.queries, 5, ed, ei);

        Ptr<NearestNeighborIndex> hnsw = NearestNeighborIndex::createHnsw(c.bank.cols, c.metric);
        hnsw->add(c.bank);
        EXPECT_EQ(hnsw->size(), c.bank.rows);
        EXPECT_EQ(hnsw->metric(), c.metric);
        Mat hd, hi;
        hnsw->search(c.queries, 5, hd, hi);
        ASSERT_EQ(hd.type(), CV_32F);
        ASSERT_EQ(hi.type(), CV_32S);
        ASSERT_EQ(hi.size(), Size(5, c.queries.rows));
        const double recall = recallAt1(ei, hi);
        EXPECT_GE(recall, c.minRecall);
        for (int i = 0; i < c.queries.rows; ++i) {
            for (int r = 0; r < 5; ++r) {
                if (r > 0) {   // nearest first: ascending distance, descending product
                    if (c.metric == NearestNeighborIndex::INNER_PRODUCT)
                        EXPECT_GE(hd.at<float>(i, r - 1), hd.at<float>(i, r));
                    else
                        EXPECT_LE(hd.at<float>(i, r - 1), hd.at<float>(i, r));
                }
            }
            if (hi.at<int>(i, 0) == ei.at<int>(i, 0)) {
                EXPECT_EQ(hd.at<float>(i, 0), ed.at<float>(i, 0)) << "query " << i;
            }
            // A miss is never nearer than the true neighbour.
            if (c.metric == NearestNeighborIndex::INNER_PRODUCT)
                EXPECT_LE(hd.at<float>(i, 0), ed.at<float>(i, 0));
            else
                EXPECT_GE(hd.at<float>(i, 0), ed.at<float>(i, 0));
        }
    }
}

TEST(UniSLAD_HnswIndex, recall_rises_with_ef_search_and_k_above_ef_is_served)
{
    const Mat bank = gaussianMat(3000, 48, 11), queries = gaussianMat(200, 48, 12);
    Ptr<NearestNeighborIndex> exact = NearestNeighborIndex::createExact(48);
    exact->add(bank);
    Mat ed, ei;
    exact->search(queries, 40, ed, ei);

    HnswParams p = serialParams();
    p.efSearch = 1;
    Ptr<HnswIndex> hnsw = HnswIndex::create(48, NearestNeighborIndex::L2, p);
    hnsw->add(bank);
    Mat hd, hi;
    hnsw->search(queries, 1, hd, hi);
    const double low = recallAt1(ei, hi);
    hnsw->setEfSearch(200);
    EXPECT_EQ(hnsw->getParams().efSearch, 200);
    hnsw->search(queries, 1, hd, hi);
    const double high = recallAt1(ei, hi);
    EXPECT_GT(high, low);
    EXPECT_GE(high, 0.98);

    // k = 40 with efSearch 1: the search uses ef = max(efSearch, k + extra), so the 40 results are
    // valid, distinct, sorted and mostly the true ones (i.i.d. 48-d data is hard: about 3/4 with
    // this short list, nearly all with efSearch 400).
    hnsw->setEfSearch(1);
    hnsw->search(queries, 40, hd, hi);
    ASSERT_EQ(hi.size(), Size(40, queries.rows));
    int common = 0;
    for (int i = 0; i < queries.rows; ++i) {
        std::vector<int> a(ei.ptr<int>(i), ei.ptr<int>(i) + 40), b(hi.ptr<int>(i), hi.ptr<int>(i) + 40);
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        EXPECT_TRUE(std::adjacent_find(b.begin(), b.end()) == b.end());
        EXPECT_GE(b.front(), 0);
        EXPECT_LT(b.back(), bank.rows);
        std::vector<int> both;
        std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
        common += int(both.size());
        for (int r = 1; r < 40; ++r)
            EXPECT_LE(hd.at<float>(i, r - 1), hd.at<float>(i, r));
    }
    EXPECT_GE(double(common) / (40.0 * queries.rows), 0.6);
    hnsw->setEfSearch(400);
    hnsw->search(queries, 40, hd, hi);
    common = 0;
    for (int i = 0; i < queries.rows; ++i)
        for (int r = 0; r < 40; ++r)
            common += int(std::count(ei.ptr<int>(i), ei.ptr<int>(i) + 40, hi.at<int>(i, r)));
    EXPECT_GE(double(common) / (40.0 * queries.rows), 0.97);
}

TEST(UniSLAD_HnswIndex, same_seed_single_threaded_builds_are_identical)
{
    ThreadsGuard guard;
    const Mat bank = clusteredMat(1500, 24, 10, 21), queries = clusteredMat(100, 24, 10, 22);
    std::vector<std::vector<uchar>> graphs;
    std::vector<Mat> ids, dists;
    // Serial build; serial build split over two add() calls is not required to match, but the same
    // calls must. parallelBuild with one thread is serial too.
    for (int run = 0; run < 3; ++run) {
        HnswParams p = serialParams(7);
        if (run == 2) {
            p.parallelBuild = true;
            cv::setNumThreads(1);
        }
        Ptr<HnswIndex> index = HnswIndex::create(24, NearestNeighborIndex::L2, p);
        index->add(bank);
        graphs.emplace_back();
        index->writeGraph(graphs.back());
        Mat d, i;
        index->search(queries, 3, d, i);
        ids.push_back(i);
        dists.push_back(d);
    }
    for (int run = 1; run < 3; ++run) {
        SCOPED_TRACE(run);
        EXPECT_TRUE(graphs[run] == graphs[0]);
        EXPECT_TRUE(sameMat(ids[run], ids[0]));
        EXPECT_TRUE(sameMat(dists[run], dists[0]));
    }
    // Another seed draws other layers: another graph.
    Ptr<HnswIndex> other = HnswIndex::create(24, NearestNeighborIndex::L2, serialParams(8));
    other->add(bank);
    std::vector<uchar> otherGraph;
    other->writeGraph(otherGraph);
    EXPECT_FALSE(otherGraph == graphs[0]);
}

TEST(UniSLAD_HnswIndex, parallel_build_and_concurrent_searches)
{
    ThreadsGuard guard;
    cv::setNumThreads(4);
    const Mat bank = clusteredMat(3000, 32, 16, 31), queries = clusteredMat(300, 32, 16, 32);
    HnswParams p;
    p.M = 12;
    p.efConstruction = 100;
    Ptr<HnswIndex> index = HnswIndex::create(32, NearestNeighborIndex::L2, p);
    index->add(bank.rowRange(0, 2000));   // two calls: ids continue
    index->add(bank.rowRange(2000, 3000));
    ASSERT_EQ(index->size(), 3000);
    Ptr<NearestNeighborIndex> exact = NearestNeighborIndex::createExact(32);
    exact->add(bank);
    Mat ed, ei, d0, i0;
    exact->search(queries, 1, ed, ei);
    index->setEfSearch(256);   // i.i.d. noise in 32 dims: a hard set, it needs a long list
    index->search(queries, 1, d0, i0);
    EXPECT_GE(recallAt1(ei, i0), 0.97);

    // Searches from several threads at once give the serial results (search is const and reads only).
    std::vector<Mat> ids(4), dists(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int rep = 0; rep < 3; ++rep)
                index->search(queries, 1, dists[t], ids[t]);
        });
    for (std::thread& t : threads)
        t.join();
    for (int t = 0; t < 4; ++t) {
        SCOPED_TRACE(t);
        EXPECT_TRUE(sameMat(ids[t], i0));
        EXPECT_TRUE(sameMat(dists[t], d0));
    }
}

TEST(UniSLAD_HnswIndex, write_read_round_trip_needs_no_rebuild_and_gives_identical_results)
{
    const int metrics[] = {NearestNeighborIndex::L2, NearestNeighborIndex::INNER_PRODUCT};
    for (int metric : metrics) {
        SCOPED_TRACE(metric);
        const Mat bank = gaussianMat(800, 20, 41), queries = gaussianMat(60, 20, 42);
        HnswParams p;
        p.M = 6;
        p.efConstruction = 40;
        p.efSearch = 16;
        Ptr<HnswIndex> index = HnswIndex::create(20, metric, p);   // parallel build: random graph
        index->add(bank);
        std::vector<uchar> graph;
        index->writeGraph(graph);
        Mat d0, i0;
        index->search(queries, 4, d0, i0);

        Ptr<HnswIndex> loaded = HnswIndex::readGraph(graph, bank, 20, metric, p);
        EXPECT_EQ(loaded->size(), 800);
        EXPECT_EQ(loaded->dims(), 20);
        EXPECT_EQ(loaded->metric(), metric);
        Mat d1, i1;
        loaded->search(queries, 4, d1, i1);
        EXPECT_TRUE(sameMat(i0, i1));
        EXPECT_TRUE(sameMat(d0, d1));
        std::vector<uchar> again;
        loaded->writeGraph(again);
        EXPECT_TRUE(again == graph);

        // The loaded index accepts more vectors (under L2 each is its own nearest neighbour).
        loaded->add(queries);
        EXPECT_EQ(loaded->size(), 860);
        Mat d2, i2;
        loaded->search(queries.rowRange(0, 5), 1, d2, i2);
        for (int i = 0; i < 5 && metric == NearestNeighborIndex::L2; ++i)
            EXPECT_EQ(i2.at<int>(i, 0), 800 + i);
    }
    // An empty index round-trips too.
    Ptr<HnswIndex> empty = HnswIndex::create(5);
    std::vector<uchar> g;
    empty->writeGraph(g);
    Ptr<HnswIndex> e2 = HnswIndex::readGraph(g, noArray(), 5, NearestNeighborIndex::L2);
    EXPECT_TRUE(e2->empty());
}

TEST(UniSLAD_HnswIndex, read_graph_rejects_mismatches_and_corruption_without_crashing)
{
    const Mat bank = gaussianMat(300, 16, 51);
    const HnswParams p = serialParams();
    Ptr<HnswIndex> index = HnswIndex::create(16, NearestNeighborIndex::L2, p);
    index->add(bank);
    std::vector<uchar> graph;
    index->writeGraph(graph);
    const int L2 = NearestNeighborIndex::L2;

    // Mismatched arguments: dims, metric, M, count, vectors.
    UNISLAD_EXPECT_THROW_MSG(HnswIndex::readGraph(graph, bank.colRange(0, 15), 15, L2, p), "dims: expected 15, found 16");
    UNISLAD_EXPECT_THROW_MSG(HnswIndex::readGraph(graph, bank, 16, NearestNeighborIndex::INNER_PRODUCT, p),
                             "metric: expected INNER_PRODUCT (2), found L2 (0)");
    HnswParams otherM = p;
    otherM.M = 9;
    UNISLAD_EXPECT_THROW_MSG(HnswIndex::readGraph(graph, bank, 16, L2, otherM), "M: expected 9 (params.M), found 8");
    UNISLAD_EXPECT_THROW_MSG(HnswIndex::readGraph(graph, bank.rowRange(0, 299), 16, L2, p),
                             "count: expected 299 (the rows of vectors), found 300");
    Mat edited = bank.clone();
    edited.at<float>(17, 3) += 1.f;
    UNISLAD_EXPECT_THROW_MSG(HnswIndex::readGraph(graph, edited, 16, L2, p), "vector checksum", "other vectors");

    // Corrupt bytes: magic, truncation, CRC.
    std::vector<uchar> bad = graph;
    bad[0] = 'X';
    UNISLAD_EXPECT_THROW_MSG(HnswIndex::readGraph(bad, bank, 16, L2, p), "expected the magic");
    bad = graph;
    bad.resize(40);
    UNISLAD_EXPECT_THROW_MSG(HnswIndex::readGraph(bad, bank, 16, L2, p), "truncated");
    bad = graph;
    bad[100] ^= 0x10;
    UNISLAD_EXPECT_THROW_MSG(HnswIndex::readGraph(bad, bank, 16, L2, p), "CRC-32 mismatch");

    // Structural errors behind a valid CRC. Node 0 starts at byte 52: id, level, then layer 0's count.
    bad = graph;
    putLE32(bad, 52, 300);
    fixCrc(bad);
    UNISLAD_EXPECT_THROW_MSG(HnswIndex::readGraph(bad, bank, 16, L2, p), "node 0: id 300");
    bad = graph;
    putLE32(bad, 60, 17);   // layer-0 link count above 2·M = 16
    fixCrc(bad);
    UNISLAD_EXPECT_THROW_MSG(HnswIndex::readGraph(bad, bank, 16, L2, p), "link count: expected at most 16, found 17");
    bad = graph;
    ASSERT_GE(getLE32(bad, 60), 1u);
    putLE32(bad, 64, 5000);  // first link of node 0 out of range
    fixCrc(bad);
    UNISLAD_EXPECT_THROW_MSG(HnswIndex::readGraph(bad, bank, 16, L2, p), "expected an internal id below 300, found 5000");
    bad = graph;
    putLE32(bad, 36, 200);  // top layer beyond the bound
    fixCrc(bad);
    UNISLAD_EXPECT_THROW_MSG(HnswIndex::readGraph(bad, bank, 16, L2, p), "top layer 200");
    bad = graph;
    bad.insert(bad.end() - 4, {0, 0, 0, 0});
    fixCrc(bad);
    UNISLAD_EXPECT_THROW_MSG(HnswIndex::readGraph(bad, bank, 16, L2, p), "more bytes");

    // Random edits behind a valid CRC either fail cleanly or load a graph whose search stays in
    // range; they never crash.
    RNG rng(99);
    int rejected = 0;
    for (int trial = 0; trial < 300; ++trial) {
        bad = graph;
        const int edits = rng.uniform(1, 4);
        for (int e = 0; e < edits; ++e)
            bad[size_t(rng.uniform(8, int(bad.size()) - 4))] = uchar(rng.uniform(0, 256));
        fixCrc(bad);
        try {
            Ptr<HnswIndex> loaded = HnswIndex::readGraph(bad, bank, 16, L2, p);
            Mat d, i;
            loaded->search(bank.rowRange(0, 10), 2, d, i);
            for (int r = 0; r < i.rows; ++r)
                for (int c = 0; c < 2; ++c) {
                    EXPECT_GE(i.at<int>(r, c), 0);
                    EXPECT_LT(i.at<int>(r, c), 300);
                }
        } catch (const cv::Exception& ex) {
            ++rejected;
            EXPECT_NE(ex.msg.find("HnswIndex::readGraph"), std::string::npos) << ex.msg;
        }
    }
    EXPECT_GT(rejected, 100);
}

TEST(UniSLAD_HnswIndex, small_banks_and_bad_arguments)
{
    // k = size: every vector, sorted, as the exact index gives them.
    const Mat bank = gaussianMat(7, 4, 61), queries = gaussianMat(3, 4, 62);
    Ptr<NearestNeighborIndex> hnsw = NearestNeighborIndex::createHnsw(4);
    Ptr<NearestNeighborIndex> exact = NearestNeighborIndex::createExact(4);
    hnsw->add(bank);
    exact->add(bank);
    Mat hd, hi, ed, ei;
    hnsw->search(queries, 7, hd, hi);
    exact->search(queries, 7, ed, ei);
    EXPECT_TRUE(sameMat(hi, ei));
    EXPECT_TRUE(sameMat(hd, ed));
    hnsw->reset();
    EXPECT_TRUE(hnsw->empty());
    EXPECT_EQ(hnsw->dims(), 4);

    HnswParams p;
    p.M = 1;
    UNISLAD_EXPECT_THROW_MSG(HnswIndex::create(4, NearestNeighborIndex::L2, p), "params.M: expected a value in [2, 2048], found 1");
    p = HnswParams();
    p.efSearch = 0;
    UNISLAD_EXPECT_THROW_MSG(HnswIndex::create(4, NearestNeighborIndex::L2, p), "params.efSearch: expected a value >= 1, found 0");
    p = HnswParams();
    p.efConstruction = 0;
    UNISLAD_EXPECT_THROW_MSG(HnswIndex::create(4, NearestNeighborIndex::L2, p), "params.efConstruction");
    UNISLAD_EXPECT_THROW_MSG(NearestNeighborIndex::createHnsw(0), "dims: expected a value >= 1, found 0");
    UNISLAD_EXPECT_THROW_MSG(NearestNeighborIndex::createHnsw(4, 7), "metric: expected one of");
    UNISLAD_EXPECT_THROW_MSG(hnsw->search(queries, 1, noArray(), noArray()), "expected a non-empty index");
    hnsw->add(bank);
    UNISLAD_EXPECT_THROW_MSG(hnsw->search(queries, 8, noArray(), noArray()), "k: expected a value in [1, 7]");
    UNISLAD_EXPECT_THROW_MSG(hnsw->add(gaussianMat(2, 5, 1)), "vectors");
    Mat nan = queries.clone();
    nan.at<float>(1, 1) = std::numeric_limits<float>::quiet_NaN();
    UNISLAD_EXPECT_THROW_MSG(hnsw->search(nan, 1, noArray(), noArray()), "queries");
    UNISLAD_EXPECT_THROW_MSG(hnsw.dynamicCast<HnswIndex>()->setEfSearch(0), "ef: expected a value >= 1, found 0");

    EXPECT_EQ(cv::uniSLAD::detail::resolveIndexType(cv::uniSLAD::INDEX_AUTO, 99, 100), cv::uniSLAD::INDEX_EXACT);
    EXPECT_EQ(cv::uniSLAD::detail::resolveIndexType(cv::uniSLAD::INDEX_AUTO, 100, 100), cv::uniSLAD::INDEX_HNSW);
    EXPECT_EQ(cv::uniSLAD::detail::resolveIndexType(cv::uniSLAD::INDEX_EXACT, 1000, 100), cv::uniSLAD::INDEX_EXACT);
    EXPECT_EQ(cv::uniSLAD::detail::resolveIndexType(cv::uniSLAD::INDEX_HNSW, 1, 100), cv::uniSLAD::INDEX_HNSW);
    UNISLAD_EXPECT_THROW_MSG(cv::uniSLAD::detail::checkIndexType(3, "f"), "index: expected INDEX_EXACT (0)");
}

}} // namespace opencv_test
