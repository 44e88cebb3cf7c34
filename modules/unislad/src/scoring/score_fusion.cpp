// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "scoring/score_fusion.hpp"

#include <opencv2/imgproc.hpp>

namespace cv {
namespace uniSLAD {
namespace detail {

ScoreStats ScoreStats::of(const std::vector<double>& samples)
{
    ScoreStats s;
    if (samples.empty())
        return s;
    double sum = 0;
    for (double x : samples)
        sum += x;
    s.mean = sum / samples.size();
    double ss = 0;
    for (double x : samples)
        ss += (x - s.mean) * (x - s.mean);
    const double var = samples.size() > 1 ? ss / (samples.size() - 1) : 0.0;
    s.std = std::max(std::sqrt(var), 1e-12 * std::max(1.0, std::abs(s.mean)));
    return s;
}

Mat CalibrationStats::toMat() const
{
    Mat m(7, 2, CV_64F);
    const ScoreStats* all[] = { &patchLocal, &patchGlobal, &imageLocal, &imageGlobal, &imageClass, &patchLevel, &imageLevel };
    for (int i = 0; i < 7; ++i) {
        m.at<double>(i, 0) = all[i]->mean;
        m.at<double>(i, 1) = all[i]->std;
    }
    return m;
}

CalibrationStats CalibrationStats::fromMat(const Mat& m)
{
    if (m.rows != 7 || m.cols != 2 || m.type() != CV_64F)
        CV_Error(Error::StsBadSize, "CalibrationStats: expected a 7x2 CV_64F matrix, found " + describeMat(m));
    CalibrationStats c;
    ScoreStats* all[] = { &c.patchLocal, &c.patchGlobal, &c.imageLocal, &c.imageGlobal, &c.imageClass, &c.patchLevel, &c.imageLevel };
    for (int i = 0; i < 7; ++i) {
        all[i]->mean = m.at<double>(i, 0);
        all[i]->std = m.at<double>(i, 1);
        if (!std::isfinite(all[i]->mean) || !(all[i]->std > 0) || !std::isfinite(all[i]->std))
            CV_Error(Error::StsBadArg, format("CalibrationStats: row %d: expected a finite mean and a positive std, found %g, %g",
                                              i, all[i]->mean, all[i]->std));
    }
    return c;
}

namespace {

Mat standardized(const Mat& map, const ScoreStats* s)
{
    if (!s)
        return map;
    Mat out;
    map.convertTo(out, CV_32F, 1.0 / s->std, -s->mean / s->std);
    return out;
}

double standardized(double x, const ScoreStats* s)
{
    return s ? s->standardize(x) : x;
}

/** (1 - w)·a + w·b where both exist; the one that exists otherwise. */
double blend(double a, bool hasA, double b, bool hasB, double w)
{
    if (hasA && hasB)
        return (1 - w) * a + w * b;
    return hasA ? a : b;
}

} // namespace

FusedScores fuseScores(const ComponentScores& c, const FusionWeights& weights, const CalibrationStats* stats, bool levels)
{
    FusedScores f;
    const bool hasPL = !c.patchLocal.empty(), hasPG = !c.patchGlobal.empty();
    // Patch level, Eq. 18: S_p = (1 - w_p)·S_p^g + w_p·S_p^l per location of the local grid.
    if (hasPL || hasPG) {
        Mat local = hasPL ? standardized(c.patchLocal, stats ? &stats->patchLocal : nullptr) : Mat();
        Mat global = hasPG ? standardized(c.patchGlobal, stats ? &stats->patchGlobal : nullptr) : Mat();
        if (hasPL && hasPG) {
            if (global.size() != local.size()) {
                Mat up;
                resize(global, up, local.size(), 0, 0, INTER_LINEAR);
                global = up;
            }
            const double wp = std::isnan(c.classWeight) ? 0.5 : c.classWeight;
            addWeighted(global, 1.0 - wp, local, wp, 0.0, f.patchMap, CV_32F);
        } else {
            f.patchMap = (hasPL ? local : global).clone();
        }
        double maxVal = 0;
        minMaxLoc(f.patchMap, nullptr, &maxVal);
        f.patchScore = levels ? standardized(maxVal, stats ? &stats->patchLevel : nullptr) : maxVal;
        f.hasPatch = true;
    }
    // Image level: S_i^g = (1 - w_ig)·global + w_ig·class, S_i = (1 - w_i)·S_i^l + w_i·S_i^g (Eq. 20).
    const bool hasIL = !std::isnan(c.imageLocal), hasIG = !std::isnan(c.imageGlobal), hasIC = !std::isnan(c.imageClass);
    if (hasIL || hasIG || hasIC) {
        const double il = hasIL ? standardized(c.imageLocal, stats ? &stats->imageLocal : nullptr) : 0;
        const double ig = hasIG ? standardized(c.imageGlobal, stats ? &stats->imageGlobal : nullptr) : 0;
        const double ic = hasIC ? standardized(c.imageClass, stats ? &stats->imageClass : nullptr) : 0;
        const double sig = blend(ig, hasIG, ic, hasIC, weights.wIG);
        const double si = blend(il, hasIL, sig, hasIG || hasIC, weights.wI);
        f.imageScore = levels ? standardized(si, stats ? &stats->imageLevel : nullptr) : si;
        f.hasImage = true;
    }
    // Eq. 21: S = (1 - w)·S_i + w·max S_p.
    f.score = blend(f.imageScore, f.hasImage, f.patchScore, f.hasPatch, weights.w);
    return f;
}

CalibrationStats calibrate(const std::vector<ComponentScores>& nominal, const FusionWeights& weights)
{
    CV_Assert(!nominal.empty());
    CalibrationStats s;
    std::vector<double> pl, pg, il, ig, ic;
    for (const ComponentScores& c : nominal) {
        for (const Mat* m : { &c.patchLocal, &c.patchGlobal }) {
            std::vector<double>& dst = m == &c.patchLocal ? pl : pg;
            for (int i = 0; i < m->rows; ++i)
                for (int j = 0; j < m->cols; ++j)
                    dst.push_back(m->at<float>(i, j));
        }
        if (!std::isnan(c.imageLocal)) il.push_back(c.imageLocal);
        if (!std::isnan(c.imageGlobal)) ig.push_back(c.imageGlobal);
        if (!std::isnan(c.imageClass)) ic.push_back(c.imageClass);
    }
    s.patchLocal = ScoreStats::of(pl);
    s.patchGlobal = ScoreStats::of(pg);
    s.imageLocal = ScoreStats::of(il);
    s.imageGlobal = ScoreStats::of(ig);
    s.imageClass = ScoreStats::of(ic);
    // The level statistics are those of the component-standardised level scores.
    std::vector<double> patchLevel, imageLevel;
    for (const ComponentScores& c : nominal) {
        const FusedScores f = fuseScores(c, weights, &s, false);
        if (f.hasPatch) patchLevel.push_back(f.patchScore);
        if (f.hasImage) imageLevel.push_back(f.imageScore);
    }
    s.patchLevel = ScoreStats::of(patchLevel);
    s.imageLevel = ScoreStats::of(imageLevel);
    return s;
}

}}} // namespace cv::uniSLAD::detail
