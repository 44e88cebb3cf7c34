// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_EVALUATION_THRESHOLD_TEXT_HPP
#define OPENCV_UNISLAD_EVALUATION_THRESHOLD_TEXT_HPP

// A ThresholdRule as the model file's text section "threshold_rule": one line of key=value fields,
// "kind=f1 quantile=0.99 margin=0.5 max_fpr=0 good=20 anomalous=40", every field present, numbers
// written with 17 significant digits so that they read back exactly.

#include "opencv2/unislad/threshold.hpp"

namespace cv {
namespace uniSLAD {
namespace detail {

CV_EXPORTS String thresholdRuleToText(const ThresholdRule& rule);
/** Parses thresholdRuleToText()'s line strictly; raises cv::Exception (StsParseError) saying what is wrong. */
CV_EXPORTS ThresholdRule thresholdRuleFromText(const String& text);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_EVALUATION_THRESHOLD_TEXT_HPP
