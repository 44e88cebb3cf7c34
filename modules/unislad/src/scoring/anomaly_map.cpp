// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "scoring/anomaly_map.hpp"
#include "scoring/component_scores.hpp"

#include <opencv2/imgproc.hpp>

namespace cv {
namespace uniSLAD {
namespace detail {

void anomalyMap(const Mat& patchMap, double imageScore, const Size& size, double sigma, Mat& map, const Mat& inside)
{
    CV_Assert(size.width > 0 && size.height > 0 && sigma >= 0);
    CV_Assert(inside.empty() || (inside.size() == size && inside.type() == CV_8UC1));
    if (patchMap.empty()) {
        map = Mat(size, CV_32F, Scalar(imageScore));
    } else {
        CV_CheckTypeEQ(patchMap.type(), CV_32FC1, "anomalyMap: patchMap");
        resize(filledOutside(patchMap), map, size, 0, 0, INTER_LINEAR);
        if (sigma > 0)
            GaussianBlur(map, map, Size(), sigma, sigma, BORDER_REFLECT);
    }
    if (!inside.empty()) {
        Mat outside;
        compare(inside, 0, outside, CMP_EQ);
        map.setTo(Scalar(0), outside);
    }
}

}}} // namespace cv::uniSLAD::detail
