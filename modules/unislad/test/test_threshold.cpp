// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// chooseThreshold against brute force over every threshold that changes an outcome, ties, rules that
// cannot be met, bad inputs; ThresholdRule's spellings and model-file text; the rule a detector keeps
// through setThreshold, save/load and update.
#include "test_precomp.hpp"
#include "evaluation/threshold_text.hpp"
#include "detector/unislad_impl.hpp"

namespace opencv_test { namespace {

using namespace cv::uniSLAD;

struct Outcome
{
    int fp = 0, tp = 0;
};

Outcome outcomeAt(const std::vector<float>& good, const std::vector<float>& bad, float t)
{
    Outcome o;
    for (float v : good) o.fp += v > t;
    for (float v : bad) o.tp += v > t;
    return o;
}

// Every threshold that gives a distinct outcome: each score itself (flags those above it) and one below
// the lowest (flags all); descending, so that the first of equal outcomes is the highest threshold.
std::vector<float> bruteThresholds(const std::vector<float>& good, const std::vector<float>& bad)
{
    std::vector<float> t(good);
    t.insert(t.end(), bad.begin(), bad.end());
    t.push_back(std::nextafter(*std::min_element(t.begin(), t.end()), -FLT_MAX));
    std::sort(t.rbegin(), t.rend());
    return t;
}

double f1Of(const Outcome& o, size_t positives)
{
    return o.tp ? 2.0 * o.tp / (o.tp + o.fp + (double)positives) : 0.0;
}

// The chosen threshold separates the images exactly as the brute-force one does, and lies halfway
// between the highest score it keeps below and the lowest it flags (or below / at the ends).
void expectHalfway(const std::vector<float>& good, const std::vector<float>& bad, float chosen)
{
    std::vector<float> all(good);
    all.insert(all.end(), bad.begin(), bad.end());
    float below = -FLT_MAX, above = FLT_MAX;
    for (float v : all) {
        if (v <= chosen) below = std::max(below, v);
        else above = std::min(above, v);
    }
    if (below != -FLT_MAX && above != FLT_MAX) {
        EXPECT_NEAR(0.5 * ((double)below + above), chosen, 1e-6 * std::max(1.0, std::abs((double)chosen)))
            << "between " << below << " and " << above;
    }
}

std::vector<Mat> concatImages(std::vector<Mat> a, const std::vector<Mat>& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

std::vector<float> randomScores(RNG& rng, int n, double mean, double step)
{
    std::vector<float> v;
    for (int i = 0; i < n; ++i)
        v.push_back((float)(std::round(rng.gaussian(1.0) / step) * step + mean));   // rounded: many ties
    return v;
}

TEST(Threshold_Choose, f1_matches_brute_force)
{
    RNG rng(7);
    for (int trial = 0; trial < 300; ++trial) {
        SCOPED_TRACE(trial);
        const int ng = rng.uniform(3, 30), nb = rng.uniform(1, 30);
        const double step = trial % 3 == 0 ? 0.5 : 0.01;
        const std::vector<float> good = randomScores(rng, ng, 0.0, step), bad = randomScores(rng, nb, rng.uniform(0.0, 3.0), step);
        const ThresholdChoice c = chooseThreshold(good, bad, ThresholdRule::f1());
        double best = -1;
        Outcome expected;
        for (float t : bruteThresholds(good, bad)) {
            const Outcome o = outcomeAt(good, bad, t);
            if (f1Of(o, bad.size()) > best + 1e-12) {
                best = f1Of(o, bad.size());
                expected = o;
            }
        }
        const Outcome got = outcomeAt(good, bad, c.threshold);
        EXPECT_EQ(expected.fp, got.fp);
        EXPECT_EQ(expected.tp, got.tp);
        EXPECT_EQ(got.fp, c.goodFlagged);
        EXPECT_EQ(got.tp, c.anomaliesCaught);
        EXPECT_NEAR(best, c.f1, 1e-12);
        EXPECT_EQ(THRESHOLD_F1, c.rule.kind);
        EXPECT_EQ(ng, c.rule.goodImages);
        EXPECT_EQ(nb, c.rule.anomalousImages);
        expectHalfway(good, bad, c.threshold);
    }
}

TEST(Threshold_Choose, fpr_matches_brute_force)
{
    RNG rng(8);
    int unmet = 0;
    for (int trial = 0; trial < 300; ++trial) {
        SCOPED_TRACE(trial);
        const int ng = rng.uniform(3, 40), nb = rng.uniform(1, 20);
        const double maxFpr = trial % 4 == 0 ? 0.0 : rng.uniform(0.0, 0.5);
        const std::vector<float> good = randomScores(rng, ng, 0.0, 0.05), bad = randomScores(rng, nb, rng.uniform(0.0, 3.0), 0.05);
        // Brute force: the lowest threshold with FP <= maxFpr · n, i.e. the last such in descending order.
        bool found = false;
        Outcome expected;
        for (float t : bruteThresholds(good, bad)) {
            const Outcome o = outcomeAt(good, bad, t);
            if (o.fp <= maxFpr * ng + 1e-9) {
                expected = o;
                found = true;
            }
        }
        ASSERT_TRUE(found);
        if (expected.tp == 0) {
            ++unmet;
            UNISLAD_EXPECT_THROW_MSG(chooseThreshold(good, bad, ThresholdRule::fpr(maxFpr)), "cannot be met");
            continue;
        }
        const ThresholdChoice c = chooseThreshold(good, bad, ThresholdRule::fpr(maxFpr));
        const Outcome got = outcomeAt(good, bad, c.threshold);
        EXPECT_EQ(expected.fp, got.fp);
        EXPECT_EQ(expected.tp, got.tp);
        EXPECT_LE(got.fp, maxFpr * ng + 1e-9);
        EXPECT_EQ(maxFpr, c.rule.maxFpr);
        expectHalfway(good, bad, c.threshold);
    }
    EXPECT_GT(unmet, 0);   // the trials do reach rules that cannot be met
}

TEST(Threshold_Choose, ties_and_closed_forms)
{
    // good {0, 1, 2}, anomalous {2, 3}: the tie at 2 cannot be split. Candidates (FP, TP): flag > 2.5:
    // (0, 1) F1 2/3; > 1.5: (1, 2) F1 0.8; > 0.5: (2, 2) F1 2/3; all: (3, 2) F1 4/7.
    const std::vector<float> good = { 0, 1, 2 }, bad = { 2, 3 };
    ThresholdChoice c = chooseThreshold(good, bad, ThresholdRule::f1());
    EXPECT_EQ(1.5f, c.threshold);
    EXPECT_EQ(1, c.goodFlagged);
    EXPECT_EQ(2, c.anomaliesCaught);
    EXPECT_DOUBLE_EQ(0.8, c.f1);
    // fpr = 0: above every good score, halfway to the next: 2.5, catching 3 only.
    c = chooseThreshold(good, bad, ThresholdRule::fpr(0.0));
    EXPECT_EQ(2.5f, c.threshold);
    EXPECT_EQ(0, c.goodFlagged);
    EXPECT_EQ(1, c.anomaliesCaught);
    // fpr = 1/3 allows one good image: the lowest threshold that flags one is 1.5.
    EXPECT_EQ(1.5f, chooseThreshold(good, bad, ThresholdRule::fpr(1.0 / 3)).threshold);
    // Equal F1 at two thresholds: the higher one (fewer images flagged), as metrics::f1Max.
    // good {0, 0, 0, 2}, anomalous {1, 3}: > 2.5 (0, 1) F1 2/3, > 1.5 (1, 1) 1/2, > 0.5 (1, 2) 4/5,
    // > -0.5 (4, 2) 1/2: one maximum.
    EXPECT_EQ(0.5f, chooseThreshold(std::vector<float>{ 0, 0, 0, 2 }, std::vector<float>{ 1, 3 }, ThresholdRule::f1()).threshold);
    // good {0, 0, 0, 1.5, 1.5}, anomalous {1, 2}: > 1.75: (0, 1) F1 2/3; > 1.25: (2, 1) 2/5;
    // > 0.5: (2, 2) 2/3: a tie, the higher threshold wins.
    EXPECT_EQ(1.75f, chooseThreshold(std::vector<float>{ 0, 0, 0, 1.5f, 1.5f }, std::vector<float>{ 1, 2 },
                                     ThresholdRule::f1()).threshold);
    // Every anomalous image below every good one: F1 flags everything, below the lowest by half the gap.
    c = chooseThreshold(std::vector<float>{ 5, 6, 7 }, std::vector<float>{ 1, 2 }, ThresholdRule::f1());
    EXPECT_EQ(0.5f, c.threshold);
    EXPECT_EQ(3, c.goodFlagged);
    EXPECT_EQ(2, c.anomaliesCaught);
    // Scores one float step apart: the halfway value rounds to one of them, and must keep the lower one below.
    const float a = 1.0f, b = std::nextafter(1.0f, 2.0f);
    c = chooseThreshold(std::vector<float>{ 0, 0, a }, std::vector<float>{ b }, ThresholdRule::fpr(0));
    EXPECT_EQ(0, c.goodFlagged);
    EXPECT_EQ(1, c.anomaliesCaught);
    // CV_64F scores are compared as floats, as the detector compares its float scores.
    const std::vector<double> good64 = { 0, 1, 2 }, bad64 = { 2, 3 };
    EXPECT_EQ(1.5f, chooseThreshold(good64, bad64, ThresholdRule::f1()).threshold);
}

TEST(Threshold_Choose, rule_that_cannot_be_met)
{
    // fpr = 0 with every anomalous score at or below the highest good one: nothing can be caught.
    UNISLAD_EXPECT_THROW_MSG(chooseThreshold(std::vector<float>{ 0, 1, 5 }, std::vector<float>{ 2, 5 }, ThresholdRule::fpr(0)),
                             "fpr <= 0 cannot be met", "0 of the 3 good", "5");
    // fpr = 0.2 of 3 good images still allows none (steps of 1/3).
    UNISLAD_EXPECT_THROW_MSG(chooseThreshold(std::vector<float>{ 0, 1, 5 }, std::vector<float>{ 2, 4 }, ThresholdRule::fpr(0.2)),
                             "cannot be met");
    // ... and 0.34 allows one: the threshold goes between 1 and 2.
    EXPECT_EQ(1.5f, chooseThreshold(std::vector<float>{ 0, 1, 5 }, std::vector<float>{ 2, 4 }, ThresholdRule::fpr(0.34)).threshold);
}

TEST(Threshold_Choose, bad_inputs)
{
    const std::vector<float> good = { 0, 1, 2 }, bad = { 3 };
    UNISLAD_EXPECT_THROW_MSG(chooseThreshold(std::vector<float>{ 0, 1 }, bad, ThresholdRule::f1()), "at least 3 good", "found 2");
    UNISLAD_EXPECT_THROW_MSG(chooseThreshold(good, std::vector<float>(), ThresholdRule::f1()), "1 anomalous", "found 3 and 0");
    UNISLAD_EXPECT_THROW_MSG(chooseThreshold(std::vector<float>{ 0, NAN, 2 }, bad, ThresholdRule::f1()), "goodScores",
                             "finite", "index 1");
    UNISLAD_EXPECT_THROW_MSG(chooseThreshold(good, std::vector<double>{ 1, INFINITY }, ThresholdRule::f1()), "anomalousScores",
                             "index 1");
    UNISLAD_EXPECT_THROW_MSG(chooseThreshold(good, std::vector<double>{ 1e300 }, ThresholdRule::f1()), "anomalousScores");
    UNISLAD_EXPECT_THROW_MSG(chooseThreshold(good, bad, ThresholdRule::manual()), "rule", "THRESHOLD_F1");
    ThresholdRule r = ThresholdRule::f1();
    r.maxFpr = 1.0;
    UNISLAD_EXPECT_THROW_MSG(chooseThreshold(good, bad, r), "maxFpr", "[0, 1)");
    UNISLAD_EXPECT_THROW_MSG(chooseThreshold(Mat::ones(2, 2, CV_32F), bad, ThresholdRule::f1()), "goodScores", "1 x N");
    UNISLAD_EXPECT_THROW_MSG(ThresholdRule::fpr(-0.1), "maxFpr");
    UNISLAD_EXPECT_THROW_MSG(ThresholdRule::fpr(NAN), "maxFpr");
}

TEST(Threshold_Evaluate, counts_strictly_above)
{
    const ThresholdChoice c = evaluateThreshold(std::vector<float>{ 0, 1, 2 }, std::vector<float>{ 2, 3 }, 2.0f);
    EXPECT_EQ(0, c.goodFlagged);
    EXPECT_EQ(1, c.anomaliesCaught);
    EXPECT_DOUBLE_EQ(2.0 / 3.0, c.f1);
    EXPECT_EQ(THRESHOLD_MANUAL, c.rule.kind);
    EXPECT_EQ(0, evaluateThreshold(std::vector<float>{ 0 }, std::vector<float>(), 5.f).goodFlagged);
    UNISLAD_EXPECT_THROW_MSG(evaluateThreshold(std::vector<float>(), std::vector<float>(), 0.f), "none");
}

TEST(Threshold_Rule, spellings_and_descriptions)
{
    EXPECT_EQ(THRESHOLD_F1, ThresholdRule::parse("f1").kind);
    const ThresholdRule r = ThresholdRule::parse("fpr=0.01");
    EXPECT_EQ(THRESHOLD_FPR, r.kind);
    EXPECT_EQ(0.01, r.maxFpr);
    EXPECT_EQ(0.0, ThresholdRule::parse("fpr=0").maxFpr);
    for (const char* bad : { "F1", "fpr", "fpr=", "fpr=1", "fpr=-0.1", "fpr=nan", "fpr= 0.1", "fpr=0.1x", "fpr=1e999", "auto", "" })
        UNISLAD_EXPECT_THROW_MSG(ThresholdRule::parse(bad), "f1", "fpr");
    ThresholdRule f = ThresholdRule::f1();
    f.goodImages = 20;
    f.anomalousImages = 40;
    EXPECT_EQ(String("f1 on 20 good and 40 anomalous images"), f.describe());
    ThresholdRule p = ThresholdRule::fpr(0.05);
    p.goodImages = 20;
    p.anomalousImages = 40;
    EXPECT_EQ(String("fpr <= 0.05 on 20 good and 40 anomalous images"), p.describe());
    EXPECT_EQ(String("fpr=0.05"), p.name());
    EXPECT_EQ(String("automatic: quantile 0.99 + 0.5 std of 16 calibration scores"),
              ThresholdRule::calibration(0.99, 0.5, 16).describe());
    EXPECT_EQ(String("automatic: quantile 0.99 + 0.5 std of the calibration scores"), ThresholdRule().describe());
    EXPECT_EQ(String("set by hand"), ThresholdRule::manual().describe());
}

TEST(Threshold_Rule, text_round_trip_and_strict_reading)
{
    using cv::uniSLAD::detail::thresholdRuleFromText;
    using cv::uniSLAD::detail::thresholdRuleToText;
    ThresholdRule p = ThresholdRule::fpr(0.1);
    p.goodImages = 7;
    p.anomalousImages = 3;
    const ThresholdRule back = thresholdRuleFromText(thresholdRuleToText(p));
    EXPECT_EQ(p.kind, back.kind);
    EXPECT_EQ(p.maxFpr, back.maxFpr);   // exactly: 17 digits
    EXPECT_EQ(p.goodImages, back.goodImages);
    EXPECT_EQ(p.anomalousImages, back.anomalousImages);
    EXPECT_EQ(THRESHOLD_MANUAL, thresholdRuleFromText(thresholdRuleToText(ThresholdRule::manual())).kind);
    for (const char* bad : { "", "kind=f1", "kind=best quantile=0.99 margin=0.5 max_fpr=0 good=1 anomalous=1",
                             "kind=f1 quantile=2 margin=0.5 max_fpr=0 good=1 anomalous=1",
                             "kind=f1 margin=0.5 quantile=0.99 max_fpr=0 good=1 anomalous=1",
                             "kind=f1 quantile=0.99 margin=0.5 max_fpr=0 good=-1 anomalous=1",
                             "kind=f1 quantile=0.99 margin=0.5 max_fpr=0 good=1 anomalous=1 extra=1" })
        EXPECT_THROW(thresholdRuleFromText(bad), cv::Exception) << bad;
}

TEST(Threshold_Detector, rule_kept_saved_and_replaced_by_update)
{
    Ptr<UniSLAD> d = UniSLAD::create(tinyDetectorParams());
    d->fit(tinySampleImages(8, false, 31));
    ThresholdRule automatic = d->getThresholdRule();
    EXPECT_EQ(THRESHOLD_CALIBRATION, automatic.kind);
    EXPECT_EQ(8, automatic.goodImages);   // cross-calibrated: every training image held out once
    EXPECT_EQ(0.99, automatic.quantile);
    const std::string path = cv::tempfile(".unislad");
    d->save(path);
    EXPECT_EQ(String(automatic.describe()), UniSLAD::load(path)->getThresholdRule().describe());

    // A chosen threshold on the detector's own scores: saved and loaded with its rule.
    const std::vector<float> good = d->predictBatch(tinySampleImages(6, false, 32));
    const std::vector<float> bad = d->predictBatch(tinySampleImages(6, true, 33));
    const ThresholdChoice c = chooseThreshold(good, bad, ThresholdRule::f1());
    d->setThreshold(c.threshold, c.rule);
    d->save(path);
    Ptr<UniSLAD> loaded = UniSLAD::load(path);
    EXPECT_EQ(c.threshold, loaded->getThreshold());
    EXPECT_EQ(String(c.rule.describe()), loaded->getThresholdRule().describe());
    EXPECT_EQ(String("f1 on 6 good and 6 anomalous images"), loaded->getThresholdRule().describe());
    // The verdicts follow the chosen threshold.
    const std::vector<Mat> goodImages = tinySampleImages(6, false, 32);
    for (size_t i = 0; i < good.size(); ++i)
        EXPECT_EQ(good[i] > c.threshold, loaded->detect(goodImages[i]).isAnomaly);

    loaded->setThreshold(0.25f);
    EXPECT_EQ(THRESHOLD_MANUAL, loaded->getThresholdRule().kind);
    UNISLAD_EXPECT_THROW_MSG(loaded->setThreshold(1.f, ThresholdRule::fpr(2)), "maxFpr");
    EXPECT_EQ(0.25f, loaded->getThreshold());

    // update() recomputes the automatic threshold on all calibration scores.
    loaded->update(tinySampleImages(3, false, 34));
    EXPECT_EQ(THRESHOLD_CALIBRATION, loaded->getThresholdRule().kind);
    EXPECT_EQ(11, loaded->getThresholdRule().goodImages);
    std::remove(path.c_str());
}

TEST(Threshold_Detector, model_with_a_bad_rule_text_does_not_load)
{
    Ptr<UniSLAD> d = UniSLAD::create(tinyDetectorParams());
    d->fit(tinySampleImages(6, false, 35));
    auto& impl = *d.dynamicCast<cv::uniSLAD::detail::UniSLADImpl>();
    // The automatic rule is left out of the file; a chosen one is written.
    cv::uniSLAD::detail::ModelState s = impl.exportState();
    for (const auto& t : s.texts)
        EXPECT_NE(String("threshold_rule"), t.first);
    d->setThreshold(0.5f, ThresholdRule::fpr(0.25));
    s = impl.exportState();
    bool found = false;
    for (auto& t : s.texts)
        if (t.first == "threshold_rule") {
            found = true;
            t.second = "kind=fpr quantile=0.99 margin=0.5 max_fpr=1.5 good=1 anomalous=1";
        }
    ASSERT_TRUE(found);
    Ptr<UniSLAD> other = UniSLAD::create(tinyDetectorParams());
    UNISLAD_EXPECT_THROW_MSG(other.dynamicCast<cv::uniSLAD::detail::UniSLADImpl>()->importState(s, "edited.unislad"),
                             "edited.unislad", "threshold_rule", "maxFpr");
}

TEST(Threshold_NormalizedScore, zero_at_the_calibration_mean_one_at_the_threshold)
{
    // With calibration images given, their fused scores are what the final model gives them: predict()
    // of the same images is an independent way to the mean and std the normalised score rests on.
    const std::vector<Mat> train = tinySampleImages(8, false, 41), calib = tinySampleImages(5, false, 42);
    Ptr<UniSLAD> d = UniSLAD::create(tinyDetectorParams());
    d->fit(train, calib);
    const std::vector<float> c = d->predictBatch(calib);
    double mean = 0, ss = 0;
    for (float v : c) mean += v / (double)c.size();
    for (float v : c) ss += (v - mean) * (v - mean);
    const double sd = std::sqrt(ss / (c.size() - 1));
    const float t = d->getThreshold();
    ASSERT_GT(t - mean, sd);   // the automatic rule: more than one std above the mean
    EXPECT_NEAR(0.0, d->normalizeScore((float)mean, t), 1e-5);
    EXPECT_FLOAT_EQ(1.0f, d->normalizeScore(t, t));
    const std::vector<Mat> test = concatImages(tinySampleImages(4, false, 43), tinySampleImages(4, true, 44));
    std::vector<Result> results = d->detectBatch(test);
    for (const Result& r : results) {
        EXPECT_NEAR(1.0 + (r.score - t) / (t - mean), r.normalizedScore, 1e-5);
        EXPECT_EQ(r.isAnomaly, r.normalizedScore > 1.0f);
    }
    // Saved and loaded: the same normalised scores (the mean and std come from the kept calibration scores).
    const std::string path = cv::tempfile(".unislad");
    d->save(path);
    Ptr<UniSLAD> loaded = UniSLAD::load(path);
    std::remove(path.c_str());
    for (size_t i = 0; i < test.size(); ++i)
        EXPECT_EQ(results[i].normalizedScore, loaded->detect(test[i]).normalizedScore);
    // A threshold at or below the mean: the scale is one std, and 1 stays the threshold.
    const float low = (float)(mean - 0.5);
    loaded->setThreshold(low);
    EXPECT_FLOAT_EQ(1.0f, loaded->normalizeScore(low, low));
    for (size_t i = 0; i < test.size(); ++i) {
        const Result r = loaded->detect(test[i]);
        EXPECT_NEAR(1.0 + (r.score - low) / sd, r.normalizedScore, 1e-4);
        EXPECT_EQ(r.isAnomaly, r.normalizedScore > 1.0f);
    }
    // Another threshold than the detector's: judged by that one.
    EXPECT_FLOAT_EQ(1.0f, loaded->normalizeScore(3.5f, 3.5f));
    EXPECT_LT(loaded->normalizeScore(3.0f, 3.5f), 1.0f);
}

}} // namespace opencv_test::<anonymous>
