// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "test_precomp.hpp"

#include "opencv2/unislad/metrics.hpp"

namespace opencv_test { namespace {

namespace metrics = cv::uniSLAD::metrics;

std::vector<double> column(const Mat& m)
{
    EXPECT_EQ(CV_64FC1, m.type());
    EXPECT_EQ(1, m.cols);
    return std::vector<double>(m.begin<double>(), m.end<double>());
}

// ---------------------------------------------------------------------------------------------
// Image AUROC and ROC curve

TEST(UniSLAD_Metrics, image_auroc_worked_examples)
{
    // Perfect separation: 1; reversed: 0.
    EXPECT_DOUBLE_EQ(1.0, metrics::imageAUROC(std::vector<float>{0.1f, 0.2f, 0.8f, 0.9f}, std::vector<int>{0, 0, 1, 1}));
    EXPECT_DOUBLE_EQ(0.0, metrics::imageAUROC(std::vector<float>{0.1f, 0.2f, 0.8f, 0.9f}, std::vector<int>{1, 1, 0, 0}));
    // All scores tied: every (anomalous, nominal) pair counts 1/2 -> 0.5.
    EXPECT_DOUBLE_EQ(0.5, metrics::imageAUROC(std::vector<double>{1, 1, 1, 1}, std::vector<int>{0, 1, 0, 1}));
    // nominal {1, 3}, anomalous {2, 4}: pairs (2>1, 2<3, 4>1, 4>3) -> 3/4.
    EXPECT_DOUBLE_EQ(0.75, metrics::imageAUROC(std::vector<double>{1, 2, 3, 4}, std::vector<int>{0, 1, 0, 1}));
    // nominal {1, 2}, anomalous {2, 3}: (2>1: 1, 2=2: 1/2, 3>1: 1, 3>2: 1) -> 3.5/4 = 0.875.
    // Average ranks: 1 -> 1, 2 -> 2.5 (twice), 3 -> 4; U = (2.5 + 4) - 2*3/2 = 3.5.
    EXPECT_DOUBLE_EQ(0.875, metrics::imageAUROC(std::vector<double>{2, 1, 3, 2}, std::vector<int>{0, 0, 1, 1}));
    // Labels as uchar, scores as a column Mat: nominal {5}, anomalous {4, 6} -> (0 + 1)/2.
    const Mat column3 = (Mat_<float>(3, 1) << 5, 4, 6);
    EXPECT_DOUBLE_EQ(0.5, metrics::imageAUROC(column3, std::vector<uchar>{0, 1, 1}));
}

TEST(UniSLAD_Metrics, roc_curve_worked_example_and_its_area_is_the_auroc)
{
    // nominal {1, 2}, anomalous {2, 3}. Thresholds +Inf, 3, 2, 1:
    //   +Inf: (0, 0);  3: TP 1, FP 0 -> (0, 0.5);  2: TP 2, FP 1 -> (0.5, 1);  1: (1, 1).
    Mat fpr, tpr, thr;
    metrics::rocCurve(std::vector<double>{2, 1, 3, 2}, std::vector<int>{0, 0, 1, 1}, fpr, tpr, thr);
    EXPECT_EQ((std::vector<double>{0, 0, 0.5, 1}), column(fpr));
    EXPECT_EQ((std::vector<double>{0, 0.5, 1, 1}), column(tpr));
    EXPECT_EQ((std::vector<double>{std::numeric_limits<double>::infinity(), 3, 2, 1}), column(thr));

    // Random scores with ties: the trapezoidal area under the curve is the tie-aware AUROC, and the
    // AUROC equals a brute-force pair count.
    RNG rng(42);
    std::vector<float> s(400);
    std::vector<int> y(400);
    for (size_t i = 0; i < s.size(); ++i) {
        y[i] = rng.uniform(0.0, 1.0) < 0.35 ? 1 : 0;
        s[i] = static_cast<float>(rng.uniform(0, 30) + 4 * y[i]);
    }
    double pairs = 0.0, wins = 0.0;
    for (size_t i = 0; i < s.size(); ++i)
        for (size_t j = 0; j < s.size(); ++j)
            if (y[i] == 1 && y[j] == 0) {
                pairs += 1;
                wins += s[i] > s[j] ? 1.0 : (s[i] == s[j] ? 0.5 : 0.0);
            }
    const double auc = metrics::imageAUROC(s, y);
    EXPECT_NEAR(wins / pairs, auc, 1e-12);
    metrics::rocCurve(s, y, fpr, tpr);
    const std::vector<double> f = column(fpr), t = column(tpr);
    double area = 0.0;
    for (size_t i = 1; i < f.size(); ++i) {
        EXPECT_GE(f[i], f[i - 1]);
        EXPECT_GE(t[i], t[i - 1]);
        area += 0.5 * (t[i] + t[i - 1]) * (f[i] - f[i - 1]);
    }
    EXPECT_NEAR(auc, area, 1e-12);
    EXPECT_EQ(1.0, f.back());
    EXPECT_EQ(1.0, t.back());
}

// ---------------------------------------------------------------------------------------------
// F1-max

TEST(UniSLAD_Metrics, f1_max_worked_examples)
{
    // scores 0.9 0.8 0.7 0.6 0.5 0.4, labels 1 0 1 1 0 0 (P = 3), F1 = 2TP / (TP + FP + P):
    //   >= 0.9: TP1 FP0 -> 2/4 = 0.5     >= 0.8: TP1 FP1 -> 2/5 = 0.4
    //   >= 0.7: TP2 FP1 -> 4/6 = 0.667   >= 0.6: TP3 FP1 -> 6/7 = 0.857 (precision 3/4, recall 1)
    //   >= 0.5: TP3 FP2 -> 6/8 = 0.75    >= 0.4: TP3 FP3 -> 6/9 = 0.667
    double t = -1;
    EXPECT_NEAR(6.0 / 7.0, metrics::f1Max(std::vector<double>{0.9, 0.8, 0.7, 0.6, 0.5, 0.4},
                                          std::vector<int>{1, 0, 1, 1, 0, 0}, &t), 1e-15);
    EXPECT_EQ(0.6, t);
    // Tied scores: 2, 2, 1 with labels 1, 0, 1 (P = 2): >= 2: TP1 FP1 -> 2/4; >= 1: TP2 FP1 -> 4/5.
    EXPECT_NEAR(0.8, metrics::f1Max(std::vector<double>{2, 2, 1}, std::vector<int>{1, 0, 1}, &t), 1e-15);
    EXPECT_EQ(1.0, t);
    // Tie in F1: 4, 3, 2, 1 with labels 1, 0, 0, 1: >= 4 -> 2/3, >= 1 -> 4/6 = 2/3: the higher threshold.
    EXPECT_NEAR(2.0 / 3.0, metrics::f1Max(std::vector<double>{4, 3, 2, 1}, std::vector<int>{1, 0, 0, 1}, &t), 1e-15);
    EXPECT_EQ(4.0, t);
    // Perfect separation: 1 at the lowest anomalous score.
    EXPECT_EQ(1.0, metrics::f1Max(std::vector<double>{0.1, 0.3, 0.7, 0.9}, std::vector<int>{0, 0, 1, 1}, &t));
    EXPECT_EQ(0.7, t);
    EXPECT_EQ(1.0, metrics::f1Max(std::vector<double>{0.1, 0.3, 0.7, 0.9}, std::vector<int>{0, 0, 1, 1}));
}

// ---------------------------------------------------------------------------------------------
// Pixel metrics

// Image 1 of the AUPRO worked example (4 x 4):
//   mask            scores
//   1 1 0 0         0.9 0.5 0.7 0.6
//   0 0 0 0         0.6 0.4 0.2 0.1
//   0 0 1 0         0.1 0.1 0.8 0.1
//   0 0 0 1         0.1 0.1 0.1 0.3
// Region A = {(0,0), (0,1)}, size 2; region B = {(2,2), (3,3)}, size 2, connected only diagonally
// (one region with MVTec's 8-connectivity). 12 nominal pixels: 0.7, 0.6, 0.6, 0.4, 0.2 and 7 x 0.1.
void exampleMaps(Mat& map, Mat& mask)
{
    mask = (Mat_<uchar>(4, 4) << 1, 1, 0, 0,
                                 0, 0, 0, 0,
                                 0, 0, 1, 0,
                                 0, 0, 0, 1);
    map = (Mat_<float>(4, 4) << 0.9f, 0.5f, 0.7f, 0.6f,
                                0.6f, 0.4f, 0.2f, 0.1f,
                                0.1f, 0.1f, 0.8f, 0.1f,
                                0.1f, 0.1f, 0.1f, 0.3f);
}

TEST(UniSLAD_Metrics, pro_curve_and_aupro_worked_example_two_regions)
{
    Mat map, mask;
    exampleMaps(map, mask);
    // Thresholds from the top (FPR = nominal >= t / 12, PRO = mean over A, B of the covered share):
    //   0.9: A 1/2           -> (0,    0.25)     0.8: B 1/2 -> (0,    0.5)
    //   0.7: 1 nominal       -> (1/12, 0.5)      0.6: 3 nominal -> (3/12, 0.5)
    //   0.5: A 2/2           -> (3/12, 0.75)     0.4: 4 nominal -> (4/12, 0.75)
    //   0.3: B 2/2           -> (4/12, 1)        0.2: (5/12, 1)      0.1: (1, 1)
    // framed by (0, 0) and (1, 1).
    Mat fpr, pro, thr;
    metrics::proCurve(map, mask, fpr, pro, thr);
    const std::vector<double> f = column(fpr), p = column(pro), t = column(thr);
    const std::vector<double> ef{0, 0, 0, 1 / 12., 3 / 12., 3 / 12., 4 / 12., 4 / 12., 5 / 12., 1, 1};
    const std::vector<double> ep{0, 0.25, 0.5, 0.5, 0.5, 0.75, 0.75, 1, 1, 1, 1};
    ASSERT_EQ(ef.size(), f.size());
    ASSERT_EQ(ep.size(), p.size());
    for (size_t i = 0; i < ef.size(); ++i) {
        SCOPED_TRACE(cv::format("point %d", static_cast<int>(i)));
        EXPECT_NEAR(ef[i], f[i], 1e-15);
        EXPECT_NEAR(ep[i], p[i], 1e-15);
    }
    ASSERT_EQ(11u, t.size());
    EXPECT_EQ(std::numeric_limits<double>::infinity(), t.front());
    EXPECT_EQ(0.9f, static_cast<float>(t[1]));
    EXPECT_EQ(0.1f, static_cast<float>(t[9]));
    EXPECT_EQ(-std::numeric_limits<double>::infinity(), t.back());

    // Up to FPR 0.3: 0.5 * 1/12 + 0.5 * (3/12 - 1/12) + 0.75 * (0.3 - 3/12)   (the PRO is 0.75 on
    // both sides of 0.3, so the interpolated value is 0.75) = 1/24 + 1/12 + 0.0375 = 0.1625;
    // / 0.3 = 13/24. (With 4-connectivity B would split in two and the result be 0.158333/0.3.)
    EXPECT_NEAR(13.0 / 24.0, metrics::auPRO(map, mask), 1e-12);
    EXPECT_NEAR(13.0 / 24.0, metrics::auPRO(map, mask, 0.3), 1e-12);
    // Up to FPR 1: 1/24 + 1/12 + 0.75/12 + 1/12 + 7/12 = 41/48.
    EXPECT_NEAR(41.0 / 48.0, metrics::auPRO(map, mask, 1.0), 1e-12);
    // Limit exactly on a point (FPR 3/12 = 0.25, no interpolation): 1/24 + 1/12 = 0.125, / 0.25.
    EXPECT_NEAR(0.5, metrics::auPRO(map, mask, 0.25), 1e-12);
}

TEST(UniSLAD_Metrics, aupro_counts_nominal_pixels_of_all_images)
{
    // A second, anomaly-free image whose 16 pixels all score 0.95: they enter first, at FPR 16/28.
    Mat map, mask;
    exampleMaps(map, mask);
    std::vector<Mat> maps{map, Mat(4, 4, CV_32F, Scalar(0.95f))};
    std::vector<Mat> masks{mask, Mat(4, 4, CV_8U, Scalar(0))};
    // Up to 0.3: the curve is 0 until FPR 16/28 > 0.3 -> 0.
    EXPECT_NEAR(0.0, metrics::auPRO(maps, masks), 1e-15);
    // Up to 1: points (16/28, 0), (16/28, .25), (16/28, .5), (17/28, .5), (19/28, .5), (19/28, .75),
    // (20/28, .75), (20/28, 1), (21/28, 1), (1, 1): (0.5 + 2*0.5 + 0.75 + 1 + 7) / 28 = 10.25/28.
    EXPECT_NEAR(10.25 / 28.0, metrics::auPRO(maps, masks, 1.0), 1e-12);
}

TEST(UniSLAD_Metrics, aupro_merges_a_threshold_shared_by_nominal_and_anomalous_pixels)
{
    // One anomalous pixel and one nominal pixel both score 0.5: the curve jumps from (0, 0) straight
    // to (1/3, 1), not through (0, 1) or (1/3, 0). At 0.3 the interpolated PRO is 0.9:
    // area 0.5 * 0.9 * 0.3 = 0.135, / 0.3 = 0.45. Pixel AUROC: (1/2 + 1 + 1) / 3.
    const Mat mask = (Mat_<uchar>(2, 2) << 255, 0, 0, 0);
    const Mat map = (Mat_<float>(2, 2) << 0.5f, 0.5f, 0.2f, 0.1f);
    EXPECT_NEAR(0.45, metrics::auPRO(map, mask), 1e-12);
    EXPECT_NEAR(2.5 / 3.0, metrics::pixelAUROC(map, mask), 1e-15);
}

TEST(UniSLAD_Metrics, pixel_auroc_equals_image_auroc_of_all_pixels_for_any_thread_count)
{
    RNG rng(9);
    std::vector<Mat> maps, masks;
    std::vector<float> allScores;
    std::vector<int> allLabels;
    for (int i = 0; i < 4; ++i) {
        Mat m(200 + 8 * i, 400, CV_32F), g(m.size(), CV_8U, Scalar(0));
        for (int r = 0; r < m.rows; ++r)
            for (int c = 0; c < m.cols; ++c) {
                g.at<uchar>(r, c) = (r - 60) * (r - 60) + (c - 90 * i) * (c - 90 * i) < 900 ? 1 : 0;
                m.at<float>(r, c) = static_cast<float>(rng.uniform(0, 500) + 150 * g.at<uchar>(r, c)) / 64.f;
                allScores.push_back(m.at<float>(r, c));
                allLabels.push_back(g.at<uchar>(r, c));
            }
        maps.push_back(m);
        masks.push_back(g);
    }
    // 330k pixels: with 4 threads the sorts run in 4 chunks that are then merged.
    const double expected = metrics::imageAUROC(allScores, allLabels);
    const int threads = getNumThreads();
    setNumThreads(std::max(threads, 4));
    const double auc4 = metrics::pixelAUROC(maps, masks), pro4 = metrics::auPRO(maps, masks);
    setNumThreads(1);
    const double auc1 = metrics::pixelAUROC(maps, masks), pro1 = metrics::auPRO(maps, masks);
    setNumThreads(threads);
    EXPECT_NEAR(expected, auc4, 1e-12);
    EXPECT_EQ(auc1, auc4);
    EXPECT_EQ(pro1, pro4);
}

TEST(UniSLAD_Metrics, matches_numpy_fixture_of_mvtec_definitions)
{
    const std::string path = unisladFixturePath("metrics.json");
    FileStorage fs(path, FileStorage::READ);
    ASSERT_TRUE(fs.isOpened()) << path;
    Mat mapsStack, masksStack, limits, aupro;
    fs["maps"] >> mapsStack;
    fs["masks"] >> masksStack;
    fs["limits"] >> limits;
    fs["aupro"] >> aupro;
    ASSERT_EQ(0, mapsStack.rows % 32);
    std::vector<Mat> maps, masks;
    for (int i = 0; i < mapsStack.rows / 32; ++i) {
        Mat m, g;
        mapsStack.rowRange(32 * i, 32 * i + 32).convertTo(m, CV_32F);
        masksStack.rowRange(32 * i, 32 * i + 32).convertTo(g, CV_8U);
        maps.push_back(m);
        masks.push_back(g);
    }
    for (int k = 0; k < limits.rows * limits.cols; ++k) {
        SCOPED_TRACE(cv::format("fprLimit %g", limits.at<double>(k)));
        EXPECT_NEAR(aupro.at<double>(k), metrics::auPRO(maps, masks, limits.at<double>(k)), 1e-6);
    }
    Mat fpr, pro;
    metrics::proCurve(maps, masks, fpr, pro);
    EXPECT_EQ(static_cast<int>(fs["pro_points"]), fpr.rows);
    EXPECT_NEAR(static_cast<double>(fs["pixel_auroc"]), metrics::pixelAUROC(maps, masks), 1e-9);

    Mat scores, labels;
    fs["scores"] >> scores;
    fs["labels"] >> labels;
    EXPECT_NEAR(static_cast<double>(fs["image_auroc"]), metrics::imageAUROC(scores, labels), 1e-9);
    double threshold = 0;
    EXPECT_NEAR(static_cast<double>(fs["f1_max"]), metrics::f1Max(scores, labels, &threshold), 1e-9);
    EXPECT_EQ(static_cast<double>(fs["f1_threshold"]), threshold);
}

// ---------------------------------------------------------------------------------------------
// Errors

TEST(UniSLAD_Metrics, bad_image_level_input_raises_clear_errors)
{
    const std::vector<double> s{0.1, 0.2, 0.3};
    UNISLAD_EXPECT_THROW_MSG(metrics::imageAUROC(std::vector<double>(), std::vector<int>()), "imageAUROC", "scores",
                             "empty");
    UNISLAD_EXPECT_THROW_MSG(metrics::imageAUROC(s, std::vector<int>{0, 1}), "labels", "expected 3 labels", "found 2");
    UNISLAD_EXPECT_THROW_MSG(metrics::imageAUROC(s, std::vector<int>{0, 2, 1}), "labels", "0 (nominal) or 1",
                             "found 2 at index 1");
    UNISLAD_EXPECT_THROW_MSG(metrics::imageAUROC(std::vector<double>{0.1, std::nan(""), 0.3},
                                                 std::vector<int>{0, 1, 1}),
                             "scores", "finite", "index 1");
    UNISLAD_EXPECT_THROW_MSG(metrics::imageAUROC(s, std::vector<int>{1, 1, 1}), "labels", "both classes", "only 1");
    UNISLAD_EXPECT_THROW_MSG(metrics::f1Max(s, std::vector<int>{0, 0, 0}), "f1Max", "both classes", "only 0");
    UNISLAD_EXPECT_THROW_MSG(metrics::imageAUROC(Mat(3, 3, CV_32F, Scalar(0)), std::vector<int>{0, 1, 1}), "scores",
                             "3x3 CV_32FC1");
    UNISLAD_EXPECT_THROW_MSG(metrics::imageAUROC(std::vector<int>{1, 2, 3}, std::vector<int>{0, 1, 1}), "scores",
                             "CV_32SC1");
    Mat fpr, tpr;
    UNISLAD_EXPECT_THROW_MSG(metrics::rocCurve(s, std::vector<int>{0, 1, 5}, fpr, tpr), "rocCurve", "labels");
}

TEST(UniSLAD_Metrics, bad_pixel_level_input_raises_clear_errors)
{
    Mat map, mask;
    exampleMaps(map, mask);
    UNISLAD_EXPECT_THROW_MSG(metrics::auPRO(std::vector<Mat>(), std::vector<Mat>()), "auPRO", "anomalyMaps",
                             "found none");
    UNISLAD_EXPECT_THROW_MSG(metrics::auPRO(std::vector<Mat>{map, map}, std::vector<Mat>{mask}), "groundTruth",
                             "expected 2 masks", "found 1");
    UNISLAD_EXPECT_THROW_MSG(metrics::pixelAUROC(map, Mat(4, 5, CV_8U, Scalar(0))), "pixelAUROC", "groundTruth[0]",
                             "4x4 CV_8UC1", "4x5 CV_8UC1");
    UNISLAD_EXPECT_THROW_MSG(metrics::pixelAUROC(map, Mat(4, 4, CV_32F, Scalar(0))), "groundTruth[0]", "CV_32FC1");
    Mat map64;
    map.convertTo(map64, CV_64F);
    UNISLAD_EXPECT_THROW_MSG(metrics::auPRO(map64, mask), "anomalyMaps[0]", "CV_32FC1 map", "CV_64FC1");
    Mat nanMap = map.clone();
    nanMap.at<float>(1, 2) = std::numeric_limits<float>::quiet_NaN();
    UNISLAD_EXPECT_THROW_MSG(metrics::auPRO(std::vector<Mat>{map, nanMap}, std::vector<Mat>{mask, mask}),
                             "anomalyMaps[1]", "NaN or Inf", "row 1", "column 2");
    UNISLAD_EXPECT_THROW_MSG(metrics::auPRO(map, Mat(4, 4, CV_8U, Scalar(0))), "auPRO", "anomalous", "found none");
    UNISLAD_EXPECT_THROW_MSG(metrics::pixelAUROC(map, Mat(4, 4, CV_8U, Scalar(1))), "pixelAUROC", "nominal",
                             "all 16 pixels");
    UNISLAD_EXPECT_THROW_MSG(metrics::auPRO(map, mask, 0.0), "fprLimit", "(0, 1]", "found 0");
    UNISLAD_EXPECT_THROW_MSG(metrics::auPRO(map, mask, 1.5), "fprLimit", "found 1.5");
    Mat f, p;
    UNISLAD_EXPECT_THROW_MSG(metrics::proCurve(map, Mat(), f, p), "proCurve", "groundTruth");
}

}} // namespace
