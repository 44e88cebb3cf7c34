// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// UniSLAD::update on the tiny fixture backbone: fit(A) then update(B), update(C) against fit(A ∪ B ∪ C)
// (equal image-level Gaussians, banks of the same size within the coverage bound), through a model
// file, and its errors (nothing changes on a failed update).
#include "test_precomp.hpp"
#include "detector/unislad_impl.hpp"

namespace opencv_test { namespace {

using namespace cv::uniSLAD;

std::vector<Mat> concat(std::vector<Mat> a, const std::vector<Mat>& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

cv::uniSLAD::detail::UniSLADImpl& impl(const Ptr<UniSLAD>& d)
{
    return *d.dynamicCast<cv::uniSLAD::detail::UniSLADImpl>();
}

TEST(UniSLAD_Update, equals_a_fit_on_all_images_where_it_can)
{
    const std::vector<Mat> a = tinySampleImages(12, false, 11), b = tinySampleImages(6, false, 12), c = tinySampleImages(5, false, 13);
    const std::vector<Mat> all = concat(concat(a, b), c);
    Ptr<UniSLAD> grown = UniSLAD::create(tinyDetectorParams()), full = UniSLAD::create(tinyDetectorParams());
    grown->fit(a);
    const size_t calibrationBefore = impl(grown).calibrationScores().size();
    const float thresholdBefore = grown->getThreshold();
    // The local bank before growing, and the features of the images it was fitted on.
    const Ptr<MemoryBank> localBefore = impl(grown).fittedModel().banks.local;
    const Mat localA = impl(grown).extract(a).local;
    const double radiusA = bruteForceCoverage(localA, localBefore->getCoreset());

    std::vector<String> stages;
    grown->update(b, [&](const String& stage, int, int) { stages.push_back(stage); });
    EXPECT_NE(stages.end(), std::find(stages.begin(), stages.end(), String("local bank")));
    EXPECT_EQ(String("done"), stages.back());
    grown->update(c);
    full->fit(all);
    EXPECT_EQ(23, grown->getTrainingImageCount());
    EXPECT_EQ(23, full->getTrainingImageCount());
    EXPECT_NE(thresholdBefore, grown->getThreshold());
    // Every added image was scored (held out) and joined the calibration scores.
    EXPECT_EQ(calibrationBefore + 11, impl(grown).calibrationScores().size());

    // Image level: the Gaussians of all 23 images, equal to rounding.
    const cv::uniSLAD::detail::ImageDistributions& dg = impl(grown).fittedModel().distributions;
    const cv::uniSLAD::detail::ImageDistributions& df = impl(full).fittedModel().distributions;
    for (const auto& pair : { std::make_pair(dg.local, df.local), std::make_pair(dg.global, df.global),
                              std::make_pair(dg.cls, df.cls) }) {
        if (!pair.second) {
            EXPECT_TRUE(!pair.first);
            continue;
        }
        ASSERT_TRUE(pair.first);
        EXPECT_LE(relDiff(pair.first->getMean(), pair.second->getMean()), 1e-5);
        EXPECT_LE(relDiff(pair.first->getCovariance(), pair.second->getCovariance()), 1e-4);
        EXPECT_NEAR(pair.first->shrinkage(), pair.second->shrinkage(), 1e-5);
    }
    const std::vector<Mat> probe = tinySampleImages(4, true, 14);
    const cv::uniSLAD::detail::FeatureSet fp = impl(full).extract(probe);
    for (int i = 0; i < fp.count; ++i) {
        const cv::uniSLAD::detail::ComponentScores sg = impl(grown).components(fp, i), sf = impl(full).components(fp, i);
        EXPECT_NEAR(sg.imageLocal, sf.imageLocal, 1e-3 * std::abs(sf.imageLocal));
        EXPECT_NEAR(sg.imageClass, sf.imageClass, 1e-3 * std::abs(sf.imageClass));
    }

    // Patch level: banks of the size a full fit gives, covering every training feature within the
    // radius of the first coreset plus those of the two selections since (triangle inequality).
    for (const char* bank : { "local", "global", "class" })
        EXPECT_EQ(full->getBankSize(bank), grown->getBankSize(bank)) << bank;
    const Ptr<MemoryBank> local = impl(grown).fittedModel().banks.local;
    EXPECT_EQ(impl(full).fittedModel().banks.local->getSourceCount(), local->getSourceCount());
    const Mat localAll = impl(grown).extract(all).local;
    const Mat localB = impl(grown).extract(b).local, localC = impl(grown).extract(c).local;
    Mat pool1, pool2;
    vconcat(localBefore->getCoreset(), localB, pool1);
    const Ptr<MemoryBank> afterB = localBefore->extended(localB);
    vconcat(afterB->getCoreset(), localC, pool2);
    const double bound = radiusA + bruteForceCoverage(pool1, afterB->getCoreset())
                       + bruteForceCoverage(pool2, local->getCoreset());
    EXPECT_EQ(0, cv::norm(afterB->extended(localC)->getBank(), local->getBank(), NORM_INF));
    EXPECT_LE(bruteForceCoverage(localAll, local->getCoreset()), bound * (1 + 1e-5));

    // Still a detector: it separates good from anomalous images.
    std::vector<float> scores;
    std::vector<int> labels;
    for (int k = 0; k < 2; ++k)
        for (const Mat& img : tinySampleImages(10, k == 1, 15 + k)) {
            scores.push_back(grown->predict(img));
            labels.push_back(k);
        }
    EXPECT_GE(metrics::imageAUROC(scores, labels), 0.9);
}

TEST(UniSLAD_Update, through_a_model_file_as_in_memory)
{
    const std::vector<Mat> a = tinySampleImages(10, false, 21), b = tinySampleImages(4, false, 22), c = tinySampleImages(4, false, 23);
    Ptr<UniSLAD> direct = UniSLAD::create(tinyDetectorParams());
    direct->fit(a);
    const std::string path = cv::tempfile(".unislad");
    direct->save(path);
    direct->update(b);
    direct->save(path + ".b");
    Ptr<UniSLAD> viaFile = UniSLAD::load(path);
    viaFile->update(b);
    EXPECT_EQ(direct->getThreshold(), viaFile->getThreshold());
    // ... and a model saved after an update grows again as the one in memory.
    Ptr<UniSLAD> reloaded = UniSLAD::load(path + ".b");
    EXPECT_EQ(14, reloaded->getTrainingImageCount());
    direct->update(c);
    reloaded->update(c);
    EXPECT_EQ(direct->getThreshold(), reloaded->getThreshold());
    for (const Mat& img : tinySampleImages(4, true, 24))
        EXPECT_EQ(direct->predict(img), reloaded->predict(img));
    std::remove(path.c_str());
    std::remove((path + ".b").c_str());
}

TEST(UniSLAD_Update, errors_leave_the_detector_as_it_was)
{
    Ptr<UniSLAD> d = UniSLAD::create(tinyDetectorParams());
    UNISLAD_EXPECT_THROW_MSG(d->update(tinySampleImages(2, false, 31)), "UniSLAD::update", "not fitted");
    d->fit(tinySampleImages(8, false, 32));
    const std::vector<Mat> probe = tinySampleImages(3, true, 33);
    const std::vector<float> before = d->predictBatch(probe);
    const float threshold = d->getThreshold();
    UNISLAD_EXPECT_THROW_MSG(d->update(std::vector<Mat>()), "UniSLAD::update", "images", "at least one");
    std::vector<Mat> bad = tinySampleImages(3, false, 34);
    bad.push_back(Mat(10, 10, CV_32FC2));
    UNISLAD_EXPECT_THROW_MSG(d->update(bad), "UniSLAD::update", "images[3]");
    // A progress callback that throws stops the update half way: nothing of it stays.
    EXPECT_THROW(d->update(tinySampleImages(3, false, 35), [](const String& stage, int, int) {
                     if (stage == "global bank") throw std::runtime_error("stop");
                 }), std::runtime_error);
    EXPECT_EQ(8, d->getTrainingImageCount());
    EXPECT_EQ(threshold, d->getThreshold());
    EXPECT_EQ(before, d->predictBatch(probe));

    // A model saved before update() existed has no calibration scores to add to.
    cv::uniSLAD::detail::ModelState state = impl(d).exportState();
    for (auto it = state.tensors.begin(); it != state.tensors.end();)
        it = it->first.rfind("calibration_", 0) == 0 ? state.tensors.erase(it) : it + 1;
    Ptr<cv::uniSLAD::detail::UniSLADImpl> old = makePtr<cv::uniSLAD::detail::UniSLADImpl>(tinyDetectorParams());
    old->importState(state, "old.unislad");
    EXPECT_EQ(before, old->predictBatch(probe));
    UNISLAD_EXPECT_THROW_MSG(old->update(tinySampleImages(2, false, 36)), "UniSLAD::update", "calibration scores", "fit it again");
}

}} // namespace
