// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "scoring/anomaly_map.hpp"

#include <opencv2/imgproc.hpp>

namespace cv {
namespace uniSLAD {
namespace detail {

void anomalyMap(const Mat& patchMap, double imageScore, const Size& size, double sigma, Mat& map)
{
    CV_Assert(size.width > 0 && size.height > 0 && sigma >= 0);
    if (patchMap.empty()) {
        map = Mat(size, CV_32F, Scalar(imageScore));
        return;
    }
    CV_CheckTypeEQ(patchMap.type(), CV_32FC1, "anomalyMap: patchMap");
    resize(patchMap, map, size, 0, 0, INTER_LINEAR);
    if (sigma > 0)
        GaussianBlur(map, map, Size(), sigma, sigma, BORDER_REFLECT);
}

}}} // namespace cv::uniSLAD::detail
