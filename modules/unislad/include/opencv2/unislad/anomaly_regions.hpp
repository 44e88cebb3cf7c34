// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_ANOMALY_REGIONS_HPP
#define OPENCV_UNISLAD_ANOMALY_REGIONS_HPP

#include <opencv2/core.hpp>

#include <vector>

namespace cv {
namespace uniSLAD {

//! @addtogroup unislad
//! @{

/** @brief One connected region of an anomaly map above a threshold (see findAnomalyRegions()). */
struct CV_EXPORTS_W_SIMPLE AnomalyRegion
{
    CV_WRAP AnomalyRegion() : area(0), peak(0) {}
    CV_PROP_RW Rect box;            //!< the tightest box holding every pixel of the region, map pixels
    CV_PROP_RW int area;            //!< the region's pixels (not the box's)
    CV_PROP_RW float peak;          //!< the largest map value inside the region
    CV_PROP_RW Point peakLocation;  //!< where it is; of several equal peaks, the first in row-major order
};

/** @brief The connected regions (8-connectivity) of the pixels where map > threshold, the binary mask
`map > threshold` (the predicted defect mask) cut into its components.

With the detector's pixel threshold (Result::pixelThreshold) these are the defects it localises; the
areas of the regions add up to the mask's pixel count, and every pixel of the mask lies in exactly one
region's box. A NaN pixel belongs to no region.
@param map CV_32FC1 anomaly map (Result::anomalyMap, the image's size); empty: no region
@param threshold a pixel belongs to a region when its value is strictly greater
@return the regions ordered by the top edge of their box, then its left edge, then by the position of
the region's first pixel in row-major order; empty when no pixel exceeds the threshold
@throws cv::Exception (StsUnmatchedFormats) for a map that is not CV_32FC1, (StsBadArg) for a NaN threshold */
CV_EXPORTS_W std::vector<AnomalyRegion> findAnomalyRegions(InputArray map, float threshold);

//! @}

}} // namespace cv::uniSLAD

#endif // OPENCV_UNISLAD_ANOMALY_REGIONS_HPP
