// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef UNISLAD_SAMPLES_HEATMAP_FIGURE_HPP
#define UNISLAD_SAMPLES_HEATMAP_FIGURE_HPP

// The heat maps of `unislad detect --heatmaps`: on one absolute colour scale tied to the model's pixel
// threshold, so that a pixel's colour depends only on its anomaly-map value and the model (never on the
// other images of the run), with a labelled colour bar, the threshold marked on it, and the outline of
// the predicted defect mask (map > pixel threshold).

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace unislad {
namespace cli {

/** The colour scale of a pixel threshold t: [lo, hi] = [0, 2t] for t > 0 (t in the middle: green in
    the JET map; below it blue to cyan, above it yellow to red), [t - 1, t + 1] otherwise. */
void heatmapScale(float pixelThreshold, float& lo, float& hi);

struct HeatmapFigure
{
    cv::Mat image;      //!< CV_8UC3: the overlay, the colour bar on its right, the caption below
    double scale = 1;   //!< the overlay's size over the input's (< 1: reduced)
};

/** The figure of one image.
    @param image the input image (8/16-bit, 1/3/4 channels)
    @param map its anomaly map (CV_32F, the image's size)
    @param roi the model's region of interest (outlined in white; may be empty)
    @param pixelThreshold the model's pixel threshold: the colour scale and the predicted mask
    @param caption lines written below
    @param maxSide the overlay's longer side is at most this many pixels (and at least 256, an input
           smaller than that is enlarged); a larger input is reduced and `scale` says by how much */
HeatmapFigure thresholdHeatmap(const cv::Mat& image, const cv::Mat& map, const cv::Mat& roi, float pixelThreshold,
                               const std::vector<std::string>& caption, int maxSide = 1024);

} // namespace cli
} // namespace unislad

#endif // UNISLAD_SAMPLES_HEATMAP_FIGURE_HPP
