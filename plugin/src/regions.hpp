// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef UNISLAD_GST_REGIONS_HPP
#define UNISLAD_GST_REGIONS_HPP

// The element's check of a region-of-interest mask against the model's. (The anomalous regions of a
// map are the library's: cv::uniSLAD::findAnomalyRegions.) Plain OpenCV, no GStreamer: unit-tested alone.

#include <opencv2/core.hpp>

#include <vector>

namespace unislad_gst {

/** @brief The share of pixels where two region-of-interest masks disagree: `given` (a mask image as read, 8-bit
    gray, inside where >= 128) brought to the size of `model` (the model's Params::roi, non-zero inside) by
    nearest neighbour, compared pixel by pixel. 0 for the same region at any scale; 1 for opposite ones.
    Raises cv::Exception for masks that are not CV_8UC1 or are empty. */
double regionDisagreement(const cv::Mat& model, const cv::Mat& given);

} // namespace unislad_gst

#endif // UNISLAD_GST_REGIONS_HPP
