// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// The HNSW index inside memory banks and the detector: selection by parameter, the graph stored in
// the model file and restored without a rebuild.
#include "test_precomp.hpp"
#include "detector/unislad_impl.hpp"
#include "io/model_archive.hpp"

#include <opencv2/imgproc.hpp>

#include <cstdio>

namespace opencv_test { namespace {

using namespace cv::uniSLAD;

Params tinyHnswParams()
{
    Params p = tinyDetectorParams();
    p.index = INDEX_HNSW;
    p.hnswM = 4;
    p.hnswEfConstruction = 20;
    p.hnswEfSearch = 4;
    return p;
}

TEST(UniSLAD_HnswBank, index_choice_and_restore_from_graph)
{
    Mat features(600, 12, CV_32F);
    RNG(3).fill(features, RNG::NORMAL, 0.0, 1.0);
    const Mat queries = features.rowRange(0, 40) + 0.01;
    MemoryBank::Params bp;
    bp.coresetRatio = 1.0;
    bp.mahalanobis = false;
    bp.index = INDEX_AUTO;
    bp.autoIndexThreshold = 601;   // 600 vectors: exact
    Ptr<MemoryBank> exact = MemoryBank::create(bp);
    exact->fit(features);
    EXPECT_TRUE(exact->getIndex().dynamicCast<HnswIndex>().empty());
    bp.autoIndexThreshold = 600;   // HNSW from 600 on
    Ptr<MemoryBank> hnsw = MemoryBank::create(bp);
    hnsw->fit(features);
    Ptr<HnswIndex> index = hnsw->getIndex().dynamicCast<HnswIndex>();
    ASSERT_FALSE(index.empty());
    EXPECT_EQ(index->getParams().M, bp.hnsw.M);
    EXPECT_EQ(index->getParams().efSearch, bp.hnsw.efSearch);

    Mat de, dh;
    exact->nearest(queries, de);
    hnsw->nearest(queries, dh);
    EXPECT_LE(cv::norm(de, dh, NORM_INF), 1e-6);   // every query is 0.01·√12 from its bank row

    std::vector<uchar> graph;
    index->writeGraph(graph);
    Ptr<MemoryBank> restored = MemoryBank::create(bp, hnsw->getBank(), Ptr<MahalanobisTransform>(), graph);
    Mat dr;
    restored->nearest(queries, dr);
    EXPECT_EQ(0, cv::norm(dh, dr, NORM_INF));
    std::vector<uchar> again;
    restored->getIndex().dynamicCast<HnswIndex>()->writeGraph(again);
    EXPECT_TRUE(again == graph);

    // A graph where the parameters choose the exact index, or for another M, is an error.
    MemoryBank::Params other = bp;
    other.index = INDEX_EXACT;
    UNISLAD_EXPECT_THROW_MSG(MemoryBank::create(other, hnsw->getBank(), Ptr<MahalanobisTransform>(), graph),
                             "graph: expected none");
    other = bp;
    other.hnsw.M = 5;
    UNISLAD_EXPECT_THROW_MSG(MemoryBank::create(other, hnsw->getBank(), Ptr<MahalanobisTransform>(), graph),
                             "M: expected 5 (params.M), found 16");
    other = bp;
    other.index = 5;
    UNISLAD_EXPECT_THROW_MSG(MemoryBank::create(other), "index: expected INDEX_EXACT (0)");
}

TEST(UniSLAD_HnswBank, detector_stores_the_graph_and_loads_it_without_rebuild)
{
    Ptr<UniSLAD> detector = UniSLAD::create(tinyHnswParams());
    detector->fit(tinySampleImages(10, false, 5));
    const auto* impl = dynamic_cast<const cv::uniSLAD::detail::UniSLADImpl*>(detector.get());
    ASSERT_TRUE(impl != nullptr);
    ASSERT_FALSE(impl->fittedModel().banks.local->getIndex().dynamicCast<HnswIndex>().empty());

    const std::string path = cv::tempfile(".unislad");
    detector->save(path);
    const cv::uniSLAD::detail::ModelArchiveReader archive = cv::uniSLAD::detail::ModelArchiveReader::load(path);
    EXPECT_TRUE(archive.has("graph/local"));
    EXPECT_TRUE(archive.has("graph/global"));
    EXPECT_TRUE(archive.has("graph/class"));
    std::vector<uchar> saved;
    impl->fittedModel().banks.local->getIndex().dynamicCast<HnswIndex>()->writeGraph(saved);
    EXPECT_TRUE(archive.bytes("graph/local") == saved);

    Ptr<UniSLAD> loaded = UniSLAD::load(path);
    EXPECT_EQ(loaded->getParams().index, INDEX_HNSW);
    EXPECT_EQ(loaded->getParams().hnswM, 4);
    const auto* loadedImpl = dynamic_cast<const cv::uniSLAD::detail::UniSLADImpl*>(loaded.get());
    std::vector<uchar> reloaded;
    loadedImpl->fittedModel().banks.local->getIndex().dynamicCast<HnswIndex>()->writeGraph(reloaded);
    EXPECT_TRUE(reloaded == saved);   // the same graph, not a rebuilt one
    const std::vector<Mat> test = tinySampleImages(4, true, 9);
    EXPECT_EQ(detector->predictBatch(test), loaded->predictBatch(test));

    // cv::FileStorage keeps the graphs too.
    const std::string yml = cv::tempfile(".yml.gz");
    detector->cv::Algorithm::save(yml);
    Ptr<UniSLAD> fromYml = Algorithm::load<UniSLAD>(yml);
    ASSERT_FALSE(fromYml.empty());
    EXPECT_EQ(detector->predictBatch(test), fromYml->predictBatch(test));
    std::remove(path.c_str());
    std::remove(yml.c_str());

    Params bad = tinyHnswParams();
    bad.hnswM = 1;
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::create(bad)->fit(tinySampleImages(4, false, 1)), "params.hnswM: expected a value in [2, 2048], found 1");
    bad = tinyHnswParams();
    bad.index = 9;
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::create(bad)->fit(tinySampleImages(4, false, 1)), "params.index");
}

}} // namespace opencv_test
