// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// Params::roi on the tiny fixture backbone: the cells a mask keeps (closed form), what lies outside
// reaching no score, the banks and image-level features of the cells inside (against the extractor
// and the converter run by hand), the map, model files, errors, and a set whose background changes
// outside the region (false alarms without the mask, none with it).
#include "test_precomp.hpp"
#include "detector/unislad_impl.hpp"
#include "features/region_of_interest.hpp"

namespace opencv_test { namespace {

using namespace cv::uniSLAD;
using cv::uniSLAD::detail::RegionOfInterest;
using cv::uniSLAD::detail::UniSLADImpl;

UniSLADImpl& impl(const Ptr<UniSLAD>& d)
{
    return *d.dynamicCast<UniSLADImpl>();
}

/** The disc of tinySampleImage lies within 10..38 in both axes: the region is that square. */
Mat centreMask(int size = 48)
{
    Mat m(size, size, CV_8U, Scalar(0));
    const int a = size * 10 / 48, b = size * 38 / 48;
    m(Rect(a, a, b - a, b - a)).setTo(255);
    return m;
}

/** A nominal image whose surroundings (outside centreMask) changed: bright bars and a dark blob. */
Mat withNewSurroundings(const Mat& image, RNG& rng)
{
    Mat out = image.clone();
    rectangle(out, Rect(0, 0, 48, 6), Scalar(250, 250, 250), -1);
    rectangle(out, Rect(0, rng.uniform(0, 40), 7, 8), Scalar(255, 255, 255), -1);
    circle(out, Point(rng.uniform(42, 47), rng.uniform(40, 47)), 4, Scalar(10, 10, 10), -1);
    return out;
}

/** An anomaly inside the region: a bright spot next to the disc. */
Mat withSpotInside(const Mat& image, RNG& rng)
{
    Mat out = image.clone();
    circle(out, Point(rng.uniform(15, 33), rng.uniform(15, 33)), 4, Scalar(255, 255, 255), -1);
    return out;
}

Params roiParams(const Mat& roi)
{
    Params p = tinyDetectorParams();
    p.roi = roi;
    return p;
}

TEST(UniSLAD_RegionOfInterest, keeps_the_cells_it_covers_at_least_half)
{
    // A 40 x 40 mask on a 4 x 4 grid (10 px cells): columns 0..14 of rows 20..39 cover cells 8 and 12
    // fully and cells 9 and 13 by half (kept); a 10 x 4 strip covers 40 % of cell 3 (not kept).
    Mat m(40, 40, CV_8U, Scalar(0));
    m(Rect(0, 20, 15, 20)).setTo(1);   // any non-zero value is inside
    m(Rect(30, 0, 10, 4)).setTo(7);    // 40 % of cell (0, 3): not kept
    EXPECT_EQ(std::vector<int>({ 8, 9, 12, 13 }), RegionOfInterest(m).cells(4));
    // Smaller than half a cell: the most covered cell(s).
    Mat small(40, 40, CV_8U, Scalar(0));
    small(Rect(12, 12, 3, 3)).setTo(255);
    small(Rect(31, 31, 2, 2)).setTo(255);
    EXPECT_EQ(std::vector<int>({ 5 }), RegionOfInterest(small).cells(4));
    // One pixel of a large mask on a coarse grid: the cell it falls in.
    Mat dot(4000, 4000, CV_8U, Scalar(0));
    dot.at<uchar>(3999, 1) = 255;
    EXPECT_EQ(std::vector<int>({ 12 }), RegionOfInterest(dot).cells(4));
    EXPECT_TRUE(RegionOfInterest().cells(4).empty());
    EXPECT_TRUE(RegionOfInterest(Mat()).whole());
}

TEST(UniSLAD_RegionOfInterest, nothing_outside_the_region_reaches_a_score)
{
    const std::vector<Mat> train = tinySampleImages(12, false, 21);
    Ptr<UniSLAD> d = UniSLAD::create(roiParams(centreMask()));
    d->fit(train);
    RNG rng(5);
    const std::vector<Mat> test = tinySampleImages(4, true, 22);
    for (const Mat& image : test) {
        const Result a = d->detect(image), b = d->detect(withNewSurroundings(image, rng));
        // The masked inputs are the same pixels: every score is equal, bit for bit.
        EXPECT_EQ(a.score, b.score);
        EXPECT_EQ(a.patchLocal, b.patchLocal);
        EXPECT_EQ(a.imageLocal, b.imageLocal);
        EXPECT_EQ(a.imageClass, b.imageClass);
        EXPECT_EQ(a.classWeight, b.classWeight);
        EXPECT_EQ(0, cv::norm(a.anomalyMap, b.anomalyMap, NORM_INF));
        // The map is 0 outside the region, and not only 0 inside.
        Mat outside;
        cv::compare(centreMask(), 0, outside, CMP_EQ);
        EXPECT_EQ(0, cv::norm(a.anomalyMap, NORM_INF, outside));
        EXPECT_LT(0, cv::norm(a.anomalyMap, NORM_INF, centreMask()));
    }
    // Without the region, the same change of surroundings changes the score.
    Ptr<UniSLAD> whole = UniSLAD::create(tinyDetectorParams());
    whole->fit(train);
    EXPECT_NE(whole->predict(test[0]), whole->predict(withNewSurroundings(test[0], rng)));
}

TEST(UniSLAD_RegionOfInterest, banks_maps_and_pooling_use_the_cells_inside)
{
    const Mat roi = centreMask();
    const std::vector<Mat> train = tinySampleImages(10, false, 31);
    Ptr<UniSLAD> d = UniSLAD::create(roiParams(roi));
    d->fit(train);
    const Params p = d->getParams();
    ASSERT_EQ(CV_8UC1, p.roi.type());

    // A second route to the features: the extractor on images masked here, the cells picked here.
    Ptr<DualFeatureExtractor> extractor = DualFeatureExtractor::create(p.extractorParams());
    const InputNormalization n = extractor->localBackbone()->manifest().input;
    const Scalar fill(n.mean[2] / n.scale, n.mean[1] / n.scale, n.mean[0] / n.scale);   // RGB network, BGR image
    std::vector<Mat> masked;
    for (const Mat& image : train) {
        Mat m = image.clone();
        m.setTo(fill, roi == 0);
        masked.push_back(m);
    }
    Mat local, global, cls;
    extractor->extract(masked, local, global, cls);
    const int K = extractor->localGrid(), G = extractor->globalGrid();
    const std::vector<int> cellsL = RegionOfInterest(roi).cells(K), cellsG = RegionOfInterest(roi).cells(G);
    ASSERT_FALSE(cellsL.empty());
    ASSERT_LT(cellsL.size(), (size_t)(K * K));
    ASSERT_LT(cellsG.size(), (size_t)(G * G));
    auto inside = [&](const Mat& all, const std::vector<int>& cells, int grid, int i) {
        Mat rows;
        for (int c : cells)
            rows.push_back(all.row(i * grid * grid + c));
        return rows;
    };
    // The banks saw the cells inside only.
    EXPECT_EQ((int)(train.size() * cellsL.size()), impl(d).fittedModel().banks.local->getSourceCount());
    EXPECT_EQ((int)(train.size() * cellsG.size()), impl(d).fittedModel().banks.global->getSourceCount());
    // Image-level features pool the cells inside.
    const cv::uniSLAD::detail::FeatureSet f = impl(d).extract(train);
    ImageFeatureConverter::Params cp;
    cp.mode = p.imageFeatureMode;
    cp.q = p.q;
    cp.alpha = p.alpha;
    Ptr<ImageFeatureConverter> converter = ImageFeatureConverter::create(cp);
    for (int i = 0; i < (int)train.size(); ++i) {
        Mat expectedL, expectedG;
        converter->convert(inside(local, cellsL, K, i), expectedL);
        converter->convert(inside(global, cellsG, G, i), expectedG);
        EXPECT_LE(relDiff(expectedL, f.localImage.row(i)), 1e-5) << i;
        EXPECT_LE(relDiff(expectedG, f.globalImage.row(i)), 1e-5) << i;
        EXPECT_LE(relDiff(cls.row(i), f.cls.row(i)), 1e-6) << i;
    }
    // Patch scores: NaN outside, the bank's distances inside; Result takes the maximum inside.
    const std::vector<Mat> test = tinySampleImages(3, true, 32);
    const cv::uniSLAD::detail::FeatureSet t = impl(d).extract(test);
    for (int i = 0; i < t.count; ++i) {
        const cv::uniSLAD::detail::ComponentScores c = impl(d).components(t, i);
        Mat distances;
        impl(d).fittedModel().banks.local->nearest(t.localOf(i), distances);
        double expectedMax = -1;
        int k = 0;
        for (int cell = 0; cell < K * K; ++cell) {
            const float v = c.patchLocal.at<float>(cell);
            if (k < (int)cellsL.size() && cellsL[k] == cell) {
                EXPECT_EQ(distances.at<float>(k), v);
                expectedMax = std::max(expectedMax, (double)v);
                ++k;
            } else {
                EXPECT_TRUE(std::isnan(v)) << cell;
            }
        }
        EXPECT_FLOAT_EQ((float)expectedMax, d->detect(test[i]).patchLocal);
    }
}

TEST(UniSLAD_RegionOfInterest, stops_false_alarms_from_changing_surroundings)
{
    const std::vector<Mat> train = tinySampleImages(20, false, 41);
    RNG rng(42);
    std::vector<Mat> moved, spots;   // nominal parts in new surroundings; anomalies inside the region
    for (const Mat& image : tinySampleImages(20, false, 43))
        moved.push_back(withNewSurroundings(image, rng));
    for (const Mat& image : tinySampleImages(20, false, 44))
        spots.push_back(withSpotInside(image, rng));
    auto flagged = [](const Ptr<UniSLAD>& d, const std::vector<Mat>& images) {
        int n = 0;
        for (const Result& r : d->detectBatch(images))
            n += r.isAnomaly;
        return n;
    };
    Ptr<UniSLAD> whole = UniSLAD::create(tinyDetectorParams()), masked = UniSLAD::create(roiParams(centreMask()));
    whole->fit(train);
    masked->fit(train);
    const int falseWithout = flagged(whole, moved), falseWith = flagged(masked, moved);
    EXPECT_GE(falseWithout, 15) << "the changed surroundings should look anomalous without a region";
    EXPECT_EQ(0, falseWith);
    EXPECT_GE(flagged(masked, spots), 15);
    std::vector<float> scores;
    std::vector<int> labels;
    for (const Mat& image : moved) { scores.push_back(masked->predict(image)); labels.push_back(0); }
    for (const Mat& image : spots) { scores.push_back(masked->predict(image)); labels.push_back(1); }
    EXPECT_GE(metrics::imageAUROC(scores, labels), 0.95);
}

TEST(UniSLAD_RegionOfInterest, is_saved_with_the_model_and_grows_with_update)
{
    const std::vector<Mat> train = tinySampleImages(10, false, 51);
    // Given at another size than the images (same aspect), with any non-zero value inside.
    Mat roi;
    resize(centreMask(), roi, Size(96, 96), 0, 0, INTER_NEAREST);
    roi.setTo(1, roi);
    Ptr<UniSLAD> d = UniSLAD::create(roiParams(roi));
    roi.setTo(0);   // the detector keeps a copy of its own
    d->fit(train);
    const std::string path = cv::tempfile(".unislad");
    d->save(path);
    Ptr<UniSLAD> loaded = UniSLAD::load(path);
    std::remove(path.c_str());
    Mat expected;
    resize(centreMask(), expected, Size(96, 96), 0, 0, INTER_NEAREST);
    EXPECT_EQ(0, cv::norm(expected, loaded->getParams().roi, NORM_INF));
    RNG rng(3);
    for (const Mat& image : tinySampleImages(3, true, 52)) {
        const Mat other = withNewSurroundings(image, rng);
        EXPECT_EQ(d->predict(image), loaded->predict(image));
        EXPECT_EQ(loaded->predict(image), loaded->predict(other));
    }
    // cv::Algorithm's FileStorage route keeps it too.
    const std::string yml = cv::tempfile(".yml.gz");
    d->cv::Algorithm::save(yml);
    Ptr<UniSLAD> viaStorage = Algorithm::load<UniSLAD>(yml);
    std::remove(yml.c_str());
    EXPECT_EQ(0, cv::norm(expected, viaStorage->getParams().roi, NORM_INF));
    EXPECT_EQ(d->predict(train[0]), viaStorage->predict(train[0]));
    // update() keeps to the region: the added images' cells inside join the banks.
    const int before = impl(loaded).fittedModel().banks.local->getSourceCount();
    loaded->update(tinySampleImages(4, false, 53));
    EXPECT_EQ(before / 10 * 14, impl(loaded).fittedModel().banks.local->getSourceCount());
}

TEST(UniSLAD_RegionOfInterest, refuses_masks_that_cannot_be_one)
{
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::create(roiParams(Mat(48, 48, CV_8U, Scalar(0)))), "params.roi: expected a mask with at least one non-zero pixel");
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::create(roiParams(Mat(48, 48, CV_8UC3, Scalar::all(255)))), "params.roi: expected a single-channel 8-bit mask");
    UNISLAD_EXPECT_THROW_MSG(UniSLAD::create(roiParams(Mat(48, 48, CV_32F, Scalar(1)))), "params.roi: expected a single-channel 8-bit mask");
    // An image of another shape than the mask is named.
    Ptr<UniSLAD> d = UniSLAD::create(roiParams(centreMask()));
    std::vector<Mat> train = tinySampleImages(6, false, 61);
    train[4] = Mat(48, 96, CV_8UC3, Scalar::all(100));
    UNISLAD_EXPECT_THROW_MSG(d->fit(train), "images[4]: expected the aspect ratio of the region of interest (48x48");
    d->fit(tinySampleImages(6, false, 62));
    UNISLAD_EXPECT_THROW_MSG(d->predict(Mat(60, 40, CV_8UC3, Scalar::all(100))), "UniSLAD::predict: images[0]: expected the aspect ratio");
    EXPECT_NO_THROW(d->predict(Mat(96, 96, CV_8UC3, Scalar::all(100))));
}

}} // namespace
