// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "scoring/calibration.hpp"
#include "scoring/score_fusion.hpp"

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

void floorSpread(ScoreStats& s, double floor, const char* component, size_t count, bool perImage = false)
{
    if (s.std >= floor)
        return;
    // No spread at all is not a few images that happen to agree but one image several times over:
    // no floor makes a detector of that.
    // (Checked on the per-image components only: a level's maximum can sit at the same place in
    // distinct images.)
    if (perImage && count >= 2 && s.std <= 1e-9 * std::max(1.0, std::abs(s.mean)))
        CV_Error(Error::StsBadArg, format("UniSLAD::fit: the %d calibration scores of %s are all alike (%g): are the "
                                          "calibration images (without them, the training images) copies of one image? "
                                          "Give distinct good images", (int)count, component, s.mean));
    CV_LOG_WARNING(NULL, "UniSLAD::fit: the " << count << " calibration scores of " << component << " hardly vary (std "
                   << s.std << ", mean " << s.mean << "); using a std of " << floor << " instead. Are the calibration "
                   "images copies of each other or of training images?");
    s.std = floor;
}

} // namespace

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
                    if (!std::isnan(m->at<float>(i, j)))   // NaN: outside the region of interest
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
    floorSpread(s.patchLocal, kComponentSpreadFloor * std::abs(s.patchLocal.mean), "the local patch distances", pl.size());
    floorSpread(s.patchGlobal, kComponentSpreadFloor * std::abs(s.patchGlobal.mean), "the global patch distances", pg.size());
    floorSpread(s.imageLocal, kComponentSpreadFloor * std::abs(s.imageLocal.mean), "the local image distances", il.size(), true);
    floorSpread(s.imageGlobal, kComponentSpreadFloor * std::abs(s.imageGlobal.mean), "the global image distances", ig.size(), true);
    floorSpread(s.imageClass, kComponentSpreadFloor * std::abs(s.imageClass.mean), "the class distances", ic.size(), true);
    // The level statistics are those of the component-standardised level scores.
    std::vector<double> patchLevel, imageLevel;
    for (const ComponentScores& c : nominal) {
        const FusedScores f = fuseScores(c, weights, &s, false);
        if (f.hasPatch) patchLevel.push_back(f.patchScore);
        if (f.hasImage) imageLevel.push_back(f.imageScore);
    }
    s.patchLevel = ScoreStats::of(patchLevel);
    s.imageLevel = ScoreStats::of(imageLevel);
    if (!patchLevel.empty())
        floorSpread(s.patchLevel, kLevelSpreadFloor, "the patch level", patchLevel.size());
    if (!imageLevel.empty())
        floorSpread(s.imageLevel, kLevelSpreadFloor, "the image level", imageLevel.size());
    return s;
}

double quantile(std::vector<double> v, double p)
{
    CV_Assert(!v.empty());
    std::sort(v.begin(), v.end());
    const double pos = p * (v.size() - 1);
    const size_t lo = (size_t)std::floor(pos), hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (pos - lo) * (v[hi] - v[lo]);
}

double decisionThreshold(const std::vector<double>& scores, double q, double margin)
{
    const ScoreStats s = ScoreStats::of(scores);
    return quantile(scores, q) + margin * (scores.size() > 1 ? s.std : 0.0);
}

}}} // namespace cv::uniSLAD::detail
