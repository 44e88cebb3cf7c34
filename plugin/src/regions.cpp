// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "regions.hpp"

#include <opencv2/imgproc.hpp>


namespace unislad_gst {

double regionDisagreement(const cv::Mat& model, const cv::Mat& given)
{
    CV_CheckTypeEQ(model.type(), CV_8UC1, "regionDisagreement: model: expected CV_8UC1");
    CV_CheckTypeEQ(given.type(), CV_8UC1, "regionDisagreement: given: expected CV_8UC1");
    CV_Assert(!model.empty() && !given.empty());
    cv::Mat g;
    cv::resize(given >= 128, g, model.size(), 0, 0, cv::INTER_NEAREST_EXACT);
    cv::Mat differ;
    cv::compare(g, model != 0, differ, cv::CMP_NE);
    return cv::countNonZero(differ) / (double)model.total();
}

} // namespace unislad_gst
