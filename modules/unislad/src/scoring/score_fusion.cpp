// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "scoring/score_fusion.hpp"
#include "scoring/calibration.hpp"

#include <opencv2/imgproc.hpp>

namespace cv {
namespace uniSLAD {
namespace detail {

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

/** Where a map's cells are inside the region of interest (not NaN): CV_8U, 255 inside. */
Mat insideOf(const Mat& map)
{
    Mat inside;
    compare(map, map, inside, CMP_EQ);   // false only for NaN
    return inside;
}

} // namespace

double maxInside(const Mat& map)
{
    if (map.empty())
        return 0;
    const Mat inside = insideOf(map);
    if (countNonZero(inside) == 0)
        return 0;
    double v = 0;
    minMaxLoc(map, nullptr, &v, nullptr, nullptr, inside);
    return v;
}

Mat filledOutside(const Mat& map)
{
    const Mat inside = insideOf(map);
    if (countNonZero(inside) == (int)map.total())
        return map;
    double lowest = 0;
    if (countNonZero(inside) > 0)
        minMaxLoc(map, &lowest, nullptr, nullptr, nullptr, inside);
    Mat out = map.clone(), outside;
    bitwise_not(inside, outside);
    out.setTo(Scalar(lowest), outside);
    return out;
}

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
                // The global grid's cells outside the region would spread NaN over the cells inside.
                Mat up;
                resize(filledOutside(global), up, local.size(), 0, 0, INTER_LINEAR);
                global = up;
            }
            const double wp = std::isnan(c.classWeight) ? 0.5 : c.classWeight;
            addWeighted(global, 1.0 - wp, local, wp, 0.0, f.patchMap, CV_32F);   // NaN where local is
        } else {
            f.patchMap = (hasPL ? local : global).clone();
        }
        const double maxVal = maxInside(f.patchMap);
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

}}} // namespace cv::uniSLAD::detail
