// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef UNISLAD_GST_OVERLAY_HPP
#define UNISLAD_GST_OVERLAY_HPP

// What the element's `overlay` property draws on a frame: the heat map where the anomaly map exceeds the
// threshold, and a verdict label in the top-left corner. Plain OpenCV, no GStreamer: unit-tested alone.

#include <opencv2/core.hpp>

namespace unislad_gst {

/** Channel order of a frame in memory. */
enum class PixelOrder
{
    BGR,   //!< 3 channels B, G, R, or 4 channels B, G, R, x (BGRx)
    RGB,   //!< 3 channels R, G, B
    GRAY,  //!< 1 channel
};

/** @brief The rectangle the verdict label covers in a frame of this size: the top-left corner, height
    max(10, min(40, rows / 12)) and width min(cols, 7 × height), clipped to the frame. */
cv::Rect verdictBox(const cv::Size& frame);

/** @brief Draws the overlay in place.

    Where map > threshold the frame is blended with a JET heat map: pixel = (1 − alpha)·pixel + alpha·colour,
    the colour running from yellow at the threshold to red at the map's maximum (for GRAY frames, its luma).
    The verdict ("OK" or "ANOMALY" and the score) is written on a filled box, green or red, at verdictBox().
    No other pixel changes.
    @param frame CV_8UC1 (GRAY), CV_8UC3 (BGR, RGB) or CV_8UC4 (BGRx); may be a view with its own stride
    @param order the frame's channel order
    @param map CV_32FC1 anomaly map of the frame's size
    @param threshold the heat map is drawn where map > threshold
    @param isAnomaly the verdict shown
    @param score the score shown (the element shows the normalised one, 1 at the threshold)
    @param alpha opacity of the heat map in [0, 1]
    Raises cv::Exception when the types or sizes do not fit. */
void drawOverlay(cv::Mat& frame, PixelOrder order, const cv::Mat& map, float threshold, bool isAnomaly, float score,
                 double alpha);

/** @brief Draws the outline of a region of interest in place: a 1-pixel white line (for GRAY frames, 255) along
    the border of the region's mask brought to the frame's size, so that the operator sees where anomalies count.
    @param frame as for drawOverlay
    @param order the frame's channel order
    @param roi CV_8UC1 mask of any size, non-zero inside (the model's Params::roi); resized to the frame's size
    Raises cv::Exception when the types do not fit. */
void drawRegionOutline(cv::Mat& frame, PixelOrder order, const cv::Mat& roi);

} // namespace unislad_gst

#endif // UNISLAD_GST_OVERLAY_HPP
