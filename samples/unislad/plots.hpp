// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef UNISLAD_SAMPLES_PLOTS_HPP
#define UNISLAD_SAMPLES_PLOTS_HPP

// Figures of the report and of `unislad detect --heatmaps`, drawn with OpenCV alone: ROC curves, score
// histograms, and heat-map overlays (colour map blended on the image, ground-truth outlines, score text).

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace unislad {
namespace cli {

/** One curve of a ROC plot: false and true positive rates (same length, from metrics::rocCurve). */
struct RocSeries
{
    std::string label;
    std::vector<float> fpr, tpr;
    cv::Scalar color;  //!< BGR
};

/** One group of a score histogram. */
struct HistogramSeries
{
    std::string label;
    std::vector<float> scores;
    cv::Scalar color;  //!< BGR
};

/** Colours of the three groups of test images, BGR. */
cv::Scalar colorGood();
cv::Scalar colorLogical();
cv::Scalar colorStructural();

/** ROC curves with axes, ticks, grid, chance diagonal and legend; CV_8UC3, 640 x 480. */
cv::Mat plotRoc(const std::vector<RocSeries>& series, const std::string& title);

/** Overlaid histograms of scores (share of each group per bin) and a dashed threshold line (skipped when
    NaN); CV_8UC3, 640 x 480. */
cv::Mat plotHistogram(const std::vector<HistogramSeries>& series, double threshold, const std::string& title);

/** The image (8/16-bit, 1/3/4 channels) with its anomaly map blended on top as a colour map over
    [lo, hi], the outlines of `mask` (CV_8U, may be empty) and `caption` lines written below. The image is
    scaled so that its longer side is `side` pixels. */
cv::Mat heatmapOverlay(const cv::Mat& image, const cv::Mat& map, const cv::Mat& mask, float lo, float hi,
                       const std::vector<std::string>& caption, int side = 320);

/** A colour range for the maps of a set of images: from the lowest per-image median to the highest
    maximum (so nominal areas stay cold and the hottest spot of the set is red). */
void heatmapRange(const std::vector<cv::Mat>& maps, float& lo, float& hi);

} // namespace cli
} // namespace unislad

#endif // UNISLAD_SAMPLES_PLOTS_HPP
