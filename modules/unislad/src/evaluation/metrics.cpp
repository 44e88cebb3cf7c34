// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"

#include "opencv2/unislad/metrics.hpp"

#include <opencv2/imgproc.hpp>

namespace cv {
namespace uniSLAD {
namespace metrics {

namespace {

using detail::checkFinite;
using detail::checkValueRange;
using detail::describeMat;

// ---------------------------------------------------------------------------------------------
// Sorting

// Sorts v by `less` in parallel: chunks are sorted in parallel, then merged pairwise, in parallel
// rounds. For a total order the result is the same for any number of threads.
template <typename T, typename Less>
void parallelSort(std::vector<T>& v, Less less)
{
    const size_t n = v.size();
    const size_t minChunk = size_t(1) << 16;
    const int chunks = static_cast<int>(std::min<size_t>(static_cast<size_t>(getNumThreads()), n / minChunk));
    if (chunks < 2) {
        std::sort(v.begin(), v.end(), less);
        return;
    }
    std::vector<size_t> bounds(chunks + 1);
    for (int i = 0; i <= chunks; ++i)
        bounds[i] = n * static_cast<size_t>(i) / static_cast<size_t>(chunks);
    parallel_for_(Range(0, chunks), [&](const Range& r) {
        for (int i = r.start; i < r.end; ++i)
            std::sort(v.begin() + bounds[i], v.begin() + bounds[i + 1], less);
    });
    for (int width = 1; width < chunks; width *= 2) {
        const int pairs = (chunks + 2 * width - 1) / (2 * width);
        parallel_for_(Range(0, pairs), [&](const Range& r) {
            for (int p = r.start; p < r.end; ++p) {
                const int lo = p * 2 * width, mid = std::min(lo + width, chunks), hi = std::min(lo + 2 * width, chunks);
                if (mid < hi)
                    std::inplace_merge(v.begin() + bounds[lo], v.begin() + bounds[mid], v.begin() + bounds[hi], less);
            }
        });
    }
}

template <typename T> void parallelSort(std::vector<T>& v) { parallelSort(v, std::less<T>()); }

// ---------------------------------------------------------------------------------------------
// Two-class sweeps over sorted scores

// Ascending scores of the nominal (neg) and anomalous (pos) samples.
template <typename T> struct SplitScores
{
    std::vector<T> neg, pos;
};

// Twice the Mann-Whitney U of pos over neg (pairs with pos > neg count 2, ties 1): exact integer.
template <typename T> double aurocOfSorted(const SplitScores<T>& s)
{
    uint64_t twoU = 0;
    size_t i = 0;  // first neg >= current pos value
    const size_t nn = s.neg.size(), np = s.pos.size();
    for (size_t j = 0; j < np;) {
        const T v = s.pos[j];
        size_t j2 = j;
        while (j2 < np && s.pos[j2] == v)
            ++j2;
        while (i < nn && s.neg[i] < v)
            ++i;
        size_t k = i;
        while (k < nn && s.neg[k] == v)
            ++k;
        twoU += static_cast<uint64_t>(j2 - j) * (2 * static_cast<uint64_t>(i) + (k - i));
        j = j2;
    }
    return static_cast<double>(twoU) / (2.0 * static_cast<double>(nn) * static_cast<double>(np));
}

// Calls visit(threshold, fpCount, tpCount) once per distinct score, from the highest down, with the
// counts of samples scoring >= threshold.
template <typename T, typename Visit> void sweepDescending(const SplitScores<T>& s, Visit visit)
{
    size_t in = s.neg.size(), ip = s.pos.size();  // samples [in, end) and [ip, end) are counted
    while (in > 0 || ip > 0) {
        T v;
        if (in == 0) v = s.pos[ip - 1];
        else if (ip == 0) v = s.neg[in - 1];
        else v = std::max(s.neg[in - 1], s.pos[ip - 1]);
        while (in > 0 && s.neg[in - 1] == v)
            --in;
        while (ip > 0 && s.pos[ip - 1] == v)
            --ip;
        visit(static_cast<double>(v), s.neg.size() - in, s.pos.size() - ip);
    }
}

// ---------------------------------------------------------------------------------------------
// Image-level input

SplitScores<double> readScoresAndLabels(InputArray scoresArr, InputArray labelsArr, const char* func)
{
    const Mat scores = scoresArr.getMat(), labels = labelsArr.getMat();
    const bool scoresOk = !scores.empty() && scores.dims == 2 && scores.channels() == 1 &&
                          (scores.depth() == CV_32F || scores.depth() == CV_64F) &&
                          (scores.rows == 1 || scores.cols == 1);
    if (!scoresOk)
        CV_Error(Error::StsBadArg, format("%s: scores: expected a non-empty 1 x N or N x 1 CV_32F or CV_64F vector, "
                                          "found %s", func, describeMat(scores).c_str()));
    const int n = static_cast<int>(scores.total());
    const bool labelsShapeOk = !labels.empty() && labels.dims == 2 && labels.channels() == 1 &&
                               (labels.rows == 1 || labels.cols == 1);
    if (!labelsShapeOk)
        CV_Error(Error::StsBadArg, format("%s: labels: expected a non-empty 1 x N or N x 1 single-channel vector, "
                                          "found %s", func, describeMat(labels).c_str()));
    if (static_cast<int>(labels.total()) != n)
        CV_Error(Error::StsBadSize, format("%s: labels: expected %d labels (one per score), found %d",
                                           func, n, static_cast<int>(labels.total())));
    Mat s, l;
    scores.reshape(1, 1).convertTo(s, CV_64F);
    labels.reshape(1, 1).convertTo(l, CV_64F);
    SplitScores<double> out;
    for (int i = 0; i < n; ++i) {
        const double v = s.at<double>(i), y = l.at<double>(i);
        if (!std::isfinite(v))
            CV_Error(Error::StsBadArg, format("%s: scores: expected finite values, found %g at index %d", func, v, i));
        if (y != 0.0 && y != 1.0)
            CV_Error(Error::StsBadArg, format("%s: labels: expected 0 (nominal) or 1 (anomalous), found %g at index %d",
                                              func, y, i));
        (y != 0.0 ? out.pos : out.neg).push_back(v + 0.0);  // + 0.0 turns -0 into +0
    }
    if (out.pos.empty() || out.neg.empty())
        CV_Error(Error::StsBadArg, format("%s: labels: expected both classes (0 and 1), found only %d (%d labels)",
                                          func, out.pos.empty() ? 0 : 1, n));
    std::sort(out.neg.begin(), out.neg.end());
    std::sort(out.pos.begin(), out.pos.end());
    return out;
}

// ---------------------------------------------------------------------------------------------
// Pixel-level input

std::vector<Mat> asMatList(InputArrayOfArrays arr)
{
    std::vector<Mat> v;
    if (arr.isMatVector() || arr.isUMatVector())
        arr.getMatVector(v);
    else if (!arr.empty())
        v.push_back(arr.getMat());
    return v;
}

// Checks the maps and masks; returns both lists.
void readMapsAndMasks(InputArrayOfArrays mapsArr, InputArrayOfArrays masksArr, const char* func,
                      std::vector<Mat>& maps, std::vector<Mat>& masks)
{
    maps = asMatList(mapsArr);
    masks = asMatList(masksArr);
    if (maps.empty())
        CV_Error(Error::StsBadArg, format("%s: anomalyMaps: expected at least one map, found none", func));
    if (masks.size() != maps.size())
        CV_Error(Error::StsBadSize, format("%s: groundTruth: expected %d masks (one per anomaly map), found %d",
                                           func, static_cast<int>(maps.size()), static_cast<int>(masks.size())));
    for (size_t i = 0; i < maps.size(); ++i) {
        const std::string mapArg = format("anomalyMaps[%d]", static_cast<int>(i));
        const std::string maskArg = format("groundTruth[%d]", static_cast<int>(i));
        const Mat& m = maps[i];
        if (m.empty() || m.dims != 2 || m.type() != CV_32FC1)
            CV_Error(Error::StsBadArg, format("%s: %s: expected a non-empty 2-D CV_32FC1 map, found %s",
                                              func, mapArg.c_str(), describeMat(m).c_str()));
        checkFinite(m, func, mapArg.c_str());
        const Mat& g = masks[i];
        if (g.dims != 2 || g.type() != CV_8UC1 || g.size() != m.size())
            CV_Error(Error::StsBadArg, format("%s: %s: expected a %dx%d CV_8UC1 mask (the size of %s), found %s",
                                              func, maskArg.c_str(), m.rows, m.cols, mapArg.c_str(),
                                              describeMat(g).c_str()));
    }
}

size_t countNonZeroTotal(const std::vector<Mat>& masks)
{
    size_t n = 0;
    for (const Mat& g : masks)
        n += static_cast<size_t>(countNonZero(g));
    return n;
}

size_t pixelTotal(const std::vector<Mat>& masks)
{
    size_t n = 0;
    for (const Mat& g : masks)
        n += g.total();
    return n;
}

void requireBothPixelClasses(size_t anomalous, size_t total, const char* func)
{
    if (anomalous == 0)
        CV_Error(Error::StsBadArg, format("%s: groundTruth: expected at least one anomalous (nonzero) pixel, "
                                          "found none in %zu pixels", func, total));
    if (anomalous == total)
        CV_Error(Error::StsBadArg, format("%s: groundTruth: expected at least one nominal (zero) pixel, "
                                          "found all %zu pixels anomalous", func, total));
}

// An anomalous pixel: its score and the index of its ground-truth region (over all images).
struct RegionPixel
{
    float score;
    int region;
    bool operator<(const RegionPixel& o) const
    {
        return score < o.score || (score == o.score && region < o.region);
    }
};

// Sorted nominal scores, sorted anomalous (score, region) pairs, and 1 / size of each region.
struct ProData
{
    std::vector<float> neg;
    std::vector<RegionPixel> pos;
    std::vector<double> invRegionSize;
};

ProData collectProData(const std::vector<Mat>& maps, const std::vector<Mat>& masks, const char* func)
{
    const size_t total = pixelTotal(masks), anomalous = countNonZeroTotal(masks);
    requireBothPixelClasses(anomalous, total, func);
    ProData d;
    d.neg.reserve(total - anomalous);
    d.pos.reserve(anomalous);
    Mat labels, stats, centroids;
    for (size_t i = 0; i < maps.size(); ++i) {
        // 8-connectivity: the 3x3 structure of ones of MVTec's scipy.ndimage.label call.
        const int n = connectedComponentsWithStats(masks[i], labels, stats, centroids, 8, CV_32S);
        const int base = static_cast<int>(d.invRegionSize.size());
        for (int k = 1; k < n; ++k)
            d.invRegionSize.push_back(1.0 / stats.at<int>(k, CC_STAT_AREA));
        for (int r = 0; r < maps[i].rows; ++r) {
            const float* s = maps[i].ptr<float>(r);
            const int* l = labels.ptr<int>(r);
            for (int c = 0; c < maps[i].cols; ++c) {
                if (l[c] == 0)
                    d.neg.push_back(s[c] + 0.0f);
                else
                    d.pos.push_back({s[c] + 0.0f, base + l[c] - 1});
            }
        }
    }
    parallelSort(d.neg);
    parallelSort(d.pos);
    return d;
}

// Calls visit(threshold, fpr, pro) once per distinct score, from the highest down (the points of
// MVTec's compute_pro between its leading (0, 0) and trailing (1, 1)); stops when visit returns false.
template <typename Visit> void sweepPro(const ProData& d, Visit visit)
{
    const double numOk = static_cast<double>(d.neg.size());
    const double numRegions = static_cast<double>(d.invRegionSize.size());
    size_t in = d.neg.size(), ip = d.pos.size();
    double cumPro = 0.0;
    while (in > 0 || ip > 0) {
        float v;
        if (in == 0) v = d.pos[ip - 1].score;
        else if (ip == 0) v = d.neg[in - 1];
        else v = std::max(d.neg[in - 1], d.pos[ip - 1].score);
        while (in > 0 && d.neg[in - 1] == v)
            --in;
        while (ip > 0 && d.pos[ip - 1].score == v)
            cumPro += d.invRegionSize[d.pos[--ip].region];
        const double fpr = std::min(1.0, static_cast<double>(d.neg.size() - in) / numOk);
        const double pro = std::min(1.0, cumPro / numRegions);
        if (!visit(static_cast<double>(v), fpr, pro))
            return;
    }
}

void writeColumn(const std::vector<double>& v, OutputArray out)
{
    if (!out.needed())
        return;
    Mat(static_cast<int>(v.size()), 1, CV_64F, const_cast<double*>(v.data())).copyTo(out);
}

} // namespace

// -------------------------------------------------------------------------------------------------

double imageAUROC(InputArray scores, InputArray labels)
{
    return aurocOfSorted(readScoresAndLabels(scores, labels, "imageAUROC"));
}

void rocCurve(InputArray scores, InputArray labels, OutputArray fpr, OutputArray tpr, OutputArray thresholds)
{
    const SplitScores<double> s = readScoresAndLabels(scores, labels, "rocCurve");
    const double nn = static_cast<double>(s.neg.size()), np = static_cast<double>(s.pos.size());
    std::vector<double> f{0.0}, t{0.0}, th{std::numeric_limits<double>::infinity()};
    sweepDescending(s, [&](double v, size_t fp, size_t tp) {
        f.push_back(fp / nn);
        t.push_back(tp / np);
        th.push_back(v);
    });
    writeColumn(f, fpr);
    writeColumn(t, tpr);
    writeColumn(th, thresholds);
}

double f1Max(InputArray scores, InputArray labels, double* threshold)
{
    const SplitScores<double> s = readScoresAndLabels(scores, labels, "f1Max");
    const double np = static_cast<double>(s.pos.size());
    double best = -1.0, bestThreshold = 0.0;
    sweepDescending(s, [&](double v, size_t fp, size_t tp) {
        // F1 = 2 TP / (2 TP + FP + FN) with FN = P - TP
        const double f1 = 2.0 * tp / (static_cast<double>(tp) + static_cast<double>(fp) + np);
        if (f1 > best) {
            best = f1;
            bestThreshold = v;
        }
    });
    if (threshold)
        *threshold = bestThreshold;
    return best;
}

double pixelAUROC(InputArrayOfArrays anomalyMaps, InputArrayOfArrays groundTruth)
{
    const char* func = "pixelAUROC";
    std::vector<Mat> maps, masks;
    readMapsAndMasks(anomalyMaps, groundTruth, func, maps, masks);
    const size_t total = pixelTotal(masks), anomalous = countNonZeroTotal(masks);
    requireBothPixelClasses(anomalous, total, func);
    SplitScores<float> s;
    s.neg.reserve(total - anomalous);
    s.pos.reserve(anomalous);
    for (size_t i = 0; i < maps.size(); ++i)
        for (int r = 0; r < maps[i].rows; ++r) {
            const float* v = maps[i].ptr<float>(r);
            const uchar* g = masks[i].ptr<uchar>(r);
            for (int c = 0; c < maps[i].cols; ++c)
                (g[c] ? s.pos : s.neg).push_back(v[c] + 0.0f);
        }
    parallelSort(s.neg);
    parallelSort(s.pos);
    return aurocOfSorted(s);
}

void proCurve(InputArrayOfArrays anomalyMaps, InputArrayOfArrays groundTruth, OutputArray fpr, OutputArray pro,
              OutputArray thresholds)
{
    const char* func = "proCurve";
    std::vector<Mat> maps, masks;
    readMapsAndMasks(anomalyMaps, groundTruth, func, maps, masks);
    const ProData d = collectProData(maps, masks, func);
    std::vector<double> f{0.0}, p{0.0}, th{std::numeric_limits<double>::infinity()};
    sweepPro(d, [&](double v, double x, double y) {
        f.push_back(x);
        p.push_back(y);
        th.push_back(v);
        return true;
    });
    f.push_back(1.0);
    p.push_back(1.0);
    th.push_back(-std::numeric_limits<double>::infinity());
    writeColumn(f, fpr);
    writeColumn(p, pro);
    writeColumn(th, thresholds);
}

double auPRO(InputArrayOfArrays anomalyMaps, InputArrayOfArrays groundTruth, double fprLimit)
{
    const char* func = "auPRO";
    checkValueRange(fprLimit, 0.0, 1.0, func, "fprLimit", true, false);
    std::vector<Mat> maps, masks;
    readMapsAndMasks(anomalyMaps, groundTruth, func, maps, masks);
    const ProData d = collectProData(maps, masks, func);

    // Trapezoidal rule over the points with FPR <= limit, as MVTec's trapezoid(x, y, x_max): when
    // the limit falls strictly between two points, the PRO there is interpolated and the partial
    // trapezoid added; points exactly at the limit are kept and no correction is made.
    double area = 0.0, xp = 0.0, yp = 0.0;
    bool done = false;
    auto step = [&](double x, double y) {
        if (x <= fprLimit) {
            area += 0.5 * (y + yp) * (x - xp);
            xp = x;
            yp = y;
            return true;
        }
        if (xp < fprLimit) {
            const double yi = yp + (y - yp) * (fprLimit - xp) / (x - xp);
            area += 0.5 * (yi + yp) * (fprLimit - xp);
        }
        done = true;
        return false;
    };
    sweepPro(d, [&](double, double x, double y) { return step(x, y); });
    if (!done)
        step(1.0, 1.0);  // the curve's closing point (1, 1)
    return area / fprLimit;
}

} // namespace metrics
}} // namespace cv::uniSLAD
