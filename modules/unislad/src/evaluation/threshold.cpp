// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// Decision-threshold rules: what they are called and written as, and the choice of a threshold from
// labelled scores (chooseThreshold), which sweeps every distinct outcome once over the sorted scores.
#include "precomp.hpp"

#include "opencv2/unislad/threshold.hpp"
#include "evaluation/threshold_text.hpp"

#include <sstream>

namespace cv {
namespace uniSLAD {

ThresholdRule::ThresholdRule()
    : kind(THRESHOLD_CALIBRATION), quantile(0.99), margin(0.5), maxFpr(0), goodImages(0), anomalousImages(0)
{}

ThresholdRule ThresholdRule::calibration(double q, double m, int images)
{
    ThresholdRule r;
    r.quantile = q;
    r.margin = m;
    r.goodImages = images;
    r.check();
    return r;
}

ThresholdRule ThresholdRule::f1()
{
    ThresholdRule r;
    r.kind = THRESHOLD_F1;
    return r;
}

ThresholdRule ThresholdRule::fpr(double maxFpr)
{
    ThresholdRule r;
    r.kind = THRESHOLD_FPR;
    r.maxFpr = maxFpr;
    r.check();
    return r;
}

ThresholdRule ThresholdRule::manual()
{
    ThresholdRule r;
    r.kind = THRESHOLD_MANUAL;
    return r;
}

void ThresholdRule::check() const
{
    if (kind < THRESHOLD_CALIBRATION || kind > THRESHOLD_MANUAL)
        CV_Error(Error::StsBadArg, format("ThresholdRule: kind: expected THRESHOLD_CALIBRATION, _F1, _FPR or _MANUAL "
                                          "(0 to 3), found %d", kind));
    if (!(quantile >= 0 && quantile <= 1))
        CV_Error(Error::StsBadArg, format("ThresholdRule: quantile: expected a value in [0, 1], found %g", quantile));
    if (!std::isfinite(margin))
        CV_Error(Error::StsBadArg, format("ThresholdRule: margin: expected a finite value, found %g", margin));
    if (!(maxFpr >= 0 && maxFpr < 1))
        CV_Error(Error::StsBadArg, format("ThresholdRule: maxFpr: expected a share of good images in [0, 1), found %g", maxFpr));
    if (goodImages < 0 || anomalousImages < 0)
        CV_Error(Error::StsBadArg, format("ThresholdRule: goodImages, anomalousImages: expected counts >= 0, found %d, %d",
                                          goodImages, anomalousImages));
}

ThresholdRule ThresholdRule::parse(const String& text)
{
    const char* expected = "expected \"f1\" or \"fpr=X\" with X a share of good images in [0, 1) (e.g. fpr=0.01)";
    if (text == "f1")
        return f1();
    if (text.compare(0, 4, "fpr=") == 0) {
        const std::string number = text.substr(4);
        // Strict: the whole text a decimal number, no spaces, no nan/inf (strtod would take " 0.1", "nan").
        const bool plain = !number.empty() && number.find_first_not_of("0123456789.eE+-") == std::string::npos;
        char* end = nullptr;
        const double v = plain ? std::strtod(number.c_str(), &end) : 0;
        if (plain && end && !*end && v >= 0 && v < 1)
            return fpr(v);
        CV_Error(Error::StsBadArg, format("ThresholdRule::parse: %s, found \"%s\" (the share must be in [0, 1))", expected,
                                          text.c_str()));
    }
    CV_Error(Error::StsBadArg, format("ThresholdRule::parse: %s, found \"%s\"", expected, text.c_str()));
}

String ThresholdRule::name() const
{
    switch (kind) {
    case THRESHOLD_CALIBRATION: return "automatic";
    case THRESHOLD_F1: return "f1";
    case THRESHOLD_FPR: return format("fpr=%g", maxFpr);
    default: return "manual";
    }
}

String ThresholdRule::describe() const
{
    const String on = format(" on %d good and %d anomalous images", goodImages, anomalousImages);
    switch (kind) {
    case THRESHOLD_CALIBRATION:
        return format("automatic: quantile %g + %g std of ", quantile, margin) +
               (goodImages > 0 ? format("%d calibration scores", goodImages) : String("the calibration scores"));
    case THRESHOLD_F1: return "f1" + on;
    case THRESHOLD_FPR: return format("fpr <= %g", maxFpr) + on;
    default: return "set by hand";
    }
}

namespace {

// One set of scores as floats (the detector's comparison), each checked to be finite.
std::vector<float> readScores(InputArray arr, const char* func, const char* name)
{
    const Mat m = arr.getMat();
    if (m.empty())
        return {};
    if (m.dims != 2 || m.channels() != 1 || (m.depth() != CV_32F && m.depth() != CV_64F) || (m.rows != 1 && m.cols != 1))
        CV_Error(Error::StsBadArg, format("%s: %s: expected a 1 x N or N x 1 CV_32F or CV_64F vector, found %s", func,
                                          name, detail::describeMat(m).c_str()));
    Mat d;
    m.reshape(1, 1).convertTo(d, CV_64F);
    std::vector<float> out;
    for (int i = 0; i < (int)d.total(); ++i) {
        const double v = d.at<double>(i);
        if (!std::isfinite(v) || std::abs(v) > FLT_MAX)
            CV_Error(Error::StsBadArg, format("%s: %s: expected finite scores, found %g at index %d", func, name, v, i));
        out.push_back((float)v + 0.0f);   // + 0.0f turns -0 into +0
    }
    return out;
}

// A threshold strictly between a < b that keeps a below it and b above it (score > threshold).
float halfway(float a, float b)
{
    const float t = (float)(0.5 * ((double)a + (double)b));
    return t < b ? t : a;
}

// F1 = 2 TP / (TP + FP + P); exact comparison of two candidates by cross-multiplication.
bool betterF1(long long tpA, long long fpA, long long tpB, long long fpB, long long p)
{
    return tpA * (tpB + fpB + p) > tpB * (tpA + fpA + p);
}

ThresholdChoice outcome(const std::vector<float>& good, const std::vector<float>& bad, float t)
{
    ThresholdChoice c;
    c.threshold = t;
    for (float v : good) c.goodFlagged += v > t ? 1 : 0;
    for (float v : bad) c.anomaliesCaught += v > t ? 1 : 0;
    const double tp = c.anomaliesCaught, fp = c.goodFlagged, p = (double)bad.size();
    c.f1 = tp > 0 ? 2 * tp / (tp + fp + p) : 0.0;
    c.rule = ThresholdRule::manual();
    c.rule.goodImages = (int)good.size();
    c.rule.anomalousImages = (int)bad.size();
    return c;
}

} // namespace

ThresholdChoice evaluateThreshold(InputArray goodScores, InputArray anomalousScores, float threshold)
{
    const char* func = "evaluateThreshold";
    const std::vector<float> good = readScores(goodScores, func, "goodScores"), bad = readScores(anomalousScores, func, "anomalousScores");
    if (good.empty() && bad.empty())
        CV_Error(Error::StsBadArg, "evaluateThreshold: goodScores, anomalousScores: expected scores, found none");
    if (!std::isfinite(threshold))
        CV_Error(Error::StsBadArg, format("evaluateThreshold: threshold: expected a finite value, found %g", threshold));
    return outcome(good, bad, threshold);
}

ThresholdChoice chooseThreshold(InputArray goodScores, InputArray anomalousScores, const ThresholdRule& rule)
{
    const char* func = "chooseThreshold";
    rule.check();
    if (rule.kind != THRESHOLD_F1 && rule.kind != THRESHOLD_FPR)
        CV_Error(Error::StsBadArg, "chooseThreshold: rule: expected THRESHOLD_F1 or THRESHOLD_FPR, found " + rule.describe());
    const std::vector<float> good = readScores(goodScores, func, "goodScores"), bad = readScores(anomalousScores, func, "anomalousScores");
    if ((int)good.size() < MIN_THRESHOLD_GOOD_IMAGES || (int)bad.size() < MIN_THRESHOLD_ANOMALOUS_IMAGES)
        CV_Error(Error::StsBadSize, format("chooseThreshold: expected at least %d good and %d anomalous scores, found %d and %d",
                                           (int)MIN_THRESHOLD_GOOD_IMAGES, (int)MIN_THRESHOLD_ANOMALOUS_IMAGES,
                                           (int)good.size(), (int)bad.size()));

    // The distinct scores ascending, with how many good and anomalous images score at least each.
    std::vector<float> values(good);
    values.insert(values.end(), bad.begin(), bad.end());
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    std::vector<float> g(good), b(bad);
    std::sort(g.begin(), g.end());
    std::sort(b.begin(), b.end());
    const size_t m = values.size();
    // Candidate i (0..m) flags the scores >= values[i] (none for i = m): FP_i, TP_i.
    std::vector<long long> fp(m + 1, 0), tp(m + 1, 0);
    for (size_t i = 0; i < m; ++i) {
        fp[i] = (long long)(g.end() - std::lower_bound(g.begin(), g.end(), values[i]));
        tp[i] = (long long)(b.end() - std::lower_bound(b.begin(), b.end(), values[i]));
    }
    auto thresholdOf = [&](size_t i) -> float {
        if (i == m)
            return values[m - 1];
        if (i > 0)
            return halfway(values[i - 1], values[i]);
        const float below = (float)(m > 1 ? (double)values[0] - 0.5 * ((double)values[1] - values[0]) : (double)values[0] - 1.0);
        return below < values[0] ? below : std::nextafter(values[0], -FLT_MAX);
    };

    size_t best = m;
    const long long p = (long long)bad.size();
    if (rule.kind == THRESHOLD_F1) {
        best = m - 1;   // the highest candidate that flags something: F1 > 0 there when an anomalous image tops
        for (size_t i = m; i-- > 0;)
            if (betterF1(tp[i], fp[i], tp[best], fp[best], p))
                best = i;
    } else {
        // FP / n <= maxFpr, with a little room for the rounding of maxFpr · n (0.05 · 20 is 1, not 1 + 1e-16).
        const double allowed = rule.maxFpr * (double)good.size() + 1e-9;
        for (size_t i = 0; i <= m; ++i)
            if ((double)fp[i] <= allowed) {
                best = i;
                break;
            }
        if (tp[best] == 0)
            CV_Error(Error::StsError, format("chooseThreshold: the rule fpr <= %g cannot be met: no threshold that flags at "
                                             "most %d of the %d good images catches any of the %d anomalous ones (the "
                                             "highest anomalous score, %g, is not above the good score %g)",
                                             rule.maxFpr, (int)std::floor(allowed), (int)good.size(), (int)bad.size(),
                                             (double)b.back(), (double)values[best == m ? m - 1 : best - 1]));
    }
    ThresholdChoice c = outcome(good, bad, thresholdOf(best));
    CV_DbgAssert(c.goodFlagged == fp[best] && c.anomaliesCaught == tp[best]);
    c.rule = rule;
    c.rule.goodImages = (int)good.size();
    c.rule.anomalousImages = (int)bad.size();
    return c;
}

namespace detail {

String thresholdRuleToText(const ThresholdRule& r)
{
    static const char* const kinds[] = { "automatic", "f1", "fpr", "manual" };
    r.check();
    return format("kind=%s quantile=%.17g margin=%.17g max_fpr=%.17g good=%d anomalous=%d", kinds[r.kind], r.quantile,
                  r.margin, r.maxFpr, r.goodImages, r.anomalousImages);
}

ThresholdRule thresholdRuleFromText(const String& text)
{
    static const char* const kinds[] = { "automatic", "f1", "fpr", "manual" };
    static const char* const keys[] = { "kind", "quantile", "margin", "max_fpr", "good", "anomalous" };
    std::istringstream in(text);
    std::string field;
    ThresholdRule r;
    int seen = 0;
    while (in >> field) {
        const size_t eq = field.find('=');
        if (seen >= 6 || eq == std::string::npos || field.substr(0, eq) != keys[seen])
            CV_Error(Error::StsParseError, "threshold rule: expected the fields kind, quantile, margin, max_fpr, good, "
                                           "anomalous in this order, found '" + text + "'");
        const std::string value = field.substr(eq + 1);
        char* end = nullptr;
        if (seen == 0) {
            r.kind = -1;
            for (int k = 0; k < 4; ++k)
                if (value == kinds[k])
                    r.kind = k;
        } else if (seen <= 3) {
            const double v = std::strtod(value.c_str(), &end);
            if (value.empty() || *end)
                CV_Error(Error::StsParseError, "threshold rule: " + field + ": expected a number");
            (seen == 1 ? r.quantile : seen == 2 ? r.margin : r.maxFpr) = v;
        } else {
            const long v = std::strtol(value.c_str(), &end, 10);
            if (value.empty() || *end || v < 0 || v > INT_MAX)
                CV_Error(Error::StsParseError, "threshold rule: " + field + ": expected a count");
            (seen == 4 ? r.goodImages : r.anomalousImages) = (int)v;
        }
        ++seen;
    }
    if (seen != 6)
        CV_Error(Error::StsParseError, "threshold rule: expected 6 fields, found '" + text + "'");
    try {
        r.check();
    } catch (const cv::Exception& e) {
        CV_Error(Error::StsParseError, "threshold rule '" + text + "': " + e.err);
    }
    return r;
}

} // namespace detail

}} // namespace cv::uniSLAD
