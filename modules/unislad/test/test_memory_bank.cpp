// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// MemoryBank::extended (the banks' part of UniSLAD::update): against a fit on all the features where
// the two must agree exactly (a bank that keeps every feature), and against the coverage bound of the
// triangle inequality, computed by brute force, where the coreset is selected again.
#include "test_precomp.hpp"

namespace opencv_test { namespace {

using namespace cv::uniSLAD;

/** Rows around a few centres, so that a coreset has structure to cover. */
Mat clustered(int n, int d, uint64 seed)
{
    RNG rng(seed);
    Mat centres(6, d, CV_32F), x(n, d, CV_32F);
    rng.fill(centres, RNG::UNIFORM, -4, 4);
    rng.fill(x, RNG::NORMAL, 0, 0.5);
    for (int i = 0; i < n; ++i)
        x.row(i) += centres.row(rng.uniform(0, centres.rows));
    return x;
}

Mat rowsOf(const Mat& x, const std::vector<int>& rows)
{
    Mat out((int)rows.size(), x.cols, x.type());
    for (size_t i = 0; i < rows.size(); ++i)
        x.row(rows[i]).copyTo(out.row((int)i));
    return out;
}

TEST(UniSLAD_MemoryBank, extended_keeping_every_feature_is_a_fit_on_all)
{
    const Mat a = clustered(300, 12, 1), b = clustered(120, 12, 2);
    Mat all;
    vconcat(a, b, all);
    for (bool mt : { false, true }) {
        for (int metric : { (int)NearestNeighborIndex::L2, (int)NearestNeighborIndex::INNER_PRODUCT }) {
            SCOPED_TRACE(cv::format("mahalanobis %d, metric %d", (int)mt, metric));
            MemoryBank::Params p;
            p.coresetRatio = 1.0;
            p.mahalanobis = mt;
            p.metric = metric;
            Ptr<MemoryBank> part = MemoryBank::create(p), full = MemoryBank::create(p);
            part->fit(a);
            full->fit(all);
            const Ptr<MemoryBank> grown = part->extended(b);
            EXPECT_EQ(300, part->size());   // the bank extended is not changed
            ASSERT_EQ(full->size(), grown->size());
            EXPECT_EQ(420, grown->getSourceCount());
            EXPECT_EQ(0, cv::norm(full->getBank(), grown->getBank(), NORM_INF));
            EXPECT_EQ(0, cv::norm(all, grown->getCoreset(), NORM_INF));
            const Mat queries = clustered(40, 12, 3);
            Mat dFull, dGrown;
            full->nearest(queries, dFull);
            grown->nearest(queries, dGrown);
            EXPECT_EQ(0, cv::norm(dFull, dGrown, NORM_INF));
        }
    }
}

TEST(UniSLAD_MemoryBank, extended_keeps_the_ratio_of_all_features_within_the_coverage_bound)
{
    const Mat a = clustered(2000, 16, 4), b = clustered(900, 16, 5), c = clustered(500, 16, 6);
    for (bool mt : { false, true }) {
        SCOPED_TRACE(cv::format("mahalanobis %d", (int)mt));
        MemoryBank::Params p;
        p.coresetRatio = 0.1;
        p.projectionDims = 0;   // coverage in the space the features live in
        p.mahalanobis = mt;
        Ptr<MemoryBank> bank = MemoryBank::create(p);
        bank->fit(a);
        Mat seen = a;
        // Every feature seen so far lies within `bound` of the bank's coreset.
        double bound = bruteForceCoverage(a, bank->getCoreset());
        for (const Mat& more : { b, c }) {
            Mat pool;
            vconcat(bank->getCoreset(), more, pool);
            const Ptr<MemoryBank> grown = bank->extended(more);
            vconcat(seen, more, seen);
            EXPECT_EQ(seen.rows, grown->getSourceCount());
            EXPECT_EQ(cvRound(0.1 * seen.rows), grown->size());
            // The new coreset is rows of [old coreset; new features], the ones its indices name.
            EXPECT_EQ(0, cv::norm(rowsOf(pool, grown->getCoresetIndices()), grown->getCoreset(), NORM_INF));
            const double selected = bruteForceCoverage(pool, grown->getCoreset());
            bound += selected;
            EXPECT_LE(bruteForceCoverage(seen, grown->getCoreset()), bound * (1 + 1e-5));
            EXPECT_LE(bruteForceCoverage(more, grown->getCoreset()), selected * (1 + 1e-5));
            bank = grown;
        }
        // Against a full fit on all the features: the same size, a radius of the same order.
        Ptr<MemoryBank> full = MemoryBank::create(p);
        full->fit(seen);
        EXPECT_EQ(full->size(), bank->size());
        EXPECT_LE(bruteForceCoverage(seen, bank->getCoreset()), 2.0 * bruteForceCoverage(seen, full->getCoreset()));
    }
}

TEST(UniSLAD_MemoryBank, a_restored_bank_extends_as_the_original)
{
    const Mat a = clustered(500, 10, 7), b = clustered(200, 10, 8);
    MemoryBank::Params p;
    p.coresetRatio = 0.2;
    p.mahalanobis = true;
    Ptr<MemoryBank> bank = MemoryBank::create(p);
    bank->fit(a);
    ASSERT_NE(bank->getBank().data, bank->getCoreset().data);   // with MT the coreset is kept apart
    const Ptr<MemoryBank> restored = MemoryBank::create(p, bank->getBank(), bank->getTransform(), std::vector<uchar>(),
                                                        bank->getCoreset(), bank->getSourceCount());
    const Ptr<MemoryBank> g1 = bank->extended(b), g2 = restored->extended(b);
    EXPECT_EQ(0, cv::norm(g1->getBank(), g2->getBank(), NORM_INF));
    EXPECT_EQ(g1->getSourceCount(), g2->getSourceCount());

    // Without its coreset (a model saved before banks could grow) a transformed bank cannot grow.
    const Ptr<MemoryBank> bare = MemoryBank::create(p, bank->getBank(), bank->getTransform());
    EXPECT_TRUE(bare->getCoreset().empty());
    EXPECT_EQ(cvRound(100 / 0.2), bare->getSourceCount());
    UNISLAD_EXPECT_THROW_MSG(bare->extended(b), "MemoryBank::extended", "without its coreset");
    // Without the transform the bank is its coreset: it can.
    MemoryBank::Params plain = p;
    plain.mahalanobis = false;
    Ptr<MemoryBank> l2 = MemoryBank::create(plain);
    l2->fit(a);
    const Ptr<MemoryBank> l2Restored = MemoryBank::create(plain, l2->getBank(), Ptr<MahalanobisTransform>());
    EXPECT_EQ(cvRound(0.2 * 700), l2Restored->extended(b)->size());
}

TEST(UniSLAD_MemoryBank, extended_rejects_bad_features)
{
    MemoryBank::Params p;
    p.coresetRatio = 0.5;
    Ptr<MemoryBank> bank = MemoryBank::create(p);
    UNISLAD_EXPECT_THROW_MSG(bank->extended(clustered(5, 4, 9)), "MemoryBank::extended", "empty", "fit() first");
    bank->fit(clustered(50, 4, 9));
    UNISLAD_EXPECT_THROW_MSG(bank->extended(clustered(5, 3, 9)), "MemoryBank::extended", "features", "4");
    UNISLAD_EXPECT_THROW_MSG(bank->extended(Mat()), "MemoryBank::extended", "features");
    Mat nan = clustered(5, 4, 9);
    nan.at<float>(2, 1) = std::numeric_limits<float>::quiet_NaN();
    UNISLAD_EXPECT_THROW_MSG(bank->extended(nan), "MemoryBank::extended", "NaN");
    UNISLAD_EXPECT_THROW_MSG(MemoryBank::create(p, bank->getBank(), Ptr<MahalanobisTransform>(), std::vector<uchar>(),
                                                bank->getBank(), 3),
                             "MemoryBank::create", "sourceCount", "found 3");
}

}} // namespace
