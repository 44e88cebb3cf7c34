// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_FEATURES_REGION_OF_INTEREST_HPP
#define OPENCV_UNISLAD_FEATURES_REGION_OF_INTEREST_HPP

// Params::roi on the detector's grids and images. The mask is resized to every image, and every image
// is resized to the backbones' square input as a whole, so a grid cell's place in the mask does not
// depend on the image: the cells inside are computed once per grid.

#include <opencv2/core.hpp>

#include <vector>

namespace cv {
namespace uniSLAD {
namespace detail {

class CV_EXPORTS RegionOfInterest
{
public:
    /** The whole image. */
    RegionOfInterest() = default;
    /** A mask as Params::roi holds it (CV_8UC1, non-zero inside; checked by validateParams). Empty: the
        whole image. */
    explicit RegionOfInterest(const Mat& mask);

    bool whole() const { return mask_.empty(); }

    /** The cells of a grid × grid grid inside the region, row-major indices in ascending order: those
        at least half covered by the mask, or, for a region smaller than half a cell, the most covered
        ones. Empty for the whole image (every cell). */
    std::vector<int> cells(int grid) const;

    /** The mask at an image's size (nearest neighbour), 255 inside and 0 outside. */
    Mat maskAt(const Size& size) const;

    /** image with the pixels outside the region set to fill (a colour in 0..255, BGR); image itself
        for the whole image. 16-bit images get fill scaled to 0..65535. */
    Mat masked(const Mat& image, const Scalar& fill) const;

    /** Refuses an image whose aspect ratio differs from the mask's (of size mask; empty: none) by more
        than 2 %: the mask is stretched to every image, and on such an image it would cover another part
        of the scene. */
    static void checkImage(const Size& mask, const Size& image, const char* func, const String& name);

private:
    Mat mask_;   // CV_8UC1, 255 inside
};

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_FEATURES_REGION_OF_INTEREST_HPP
