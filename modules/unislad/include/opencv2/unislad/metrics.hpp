// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_METRICS_HPP
#define OPENCV_UNISLAD_METRICS_HPP

#include <opencv2/core.hpp>

namespace cv {
namespace uniSLAD {

/** @brief Evaluation metrics of anomaly detection: image AUROC, ROC curve, pixel AUROC, AUPRO and
F1-max, as reported on MVTec AD and MVTec LOCO AD (paper section IV).

Conventions shared by every function:
- A higher score means "more anomalous"; a sample is predicted anomalous when its score is
  >= the threshold.
- Image-level scores: a vector (1 × N or N × 1 Mat, std::vector<float> or std::vector<double>) of
  CV_32F or CV_64F finite values; labels: a vector of N values, of any depth, each exactly 0
  (nominal) or 1 (anomalous). Both classes must be present.
- Pixel-level inputs: a list of anomaly maps (CV_32FC1, finite) and a list of ground-truth masks of
  the same length, mask i the size of map i (CV_8UC1, nonzero = anomalous); images may differ in
  size from one another. A single Mat is taken as a list of one. The masks together must hold at
  least one anomalous and one nominal pixel.
- All results are exact (no score binning) and do not depend on the number of threads. Pixel
  metrics sort all scores once: about 4 bytes per nominal pixel and 4 (pixelAUROC) or 8 (AUPRO)
  bytes per anomalous pixel, plus up to half of that again while merging the sorted chunks.
- Curves are returned as N × 1 CV_64F column vectors, ordered from the highest threshold down.
*/
namespace metrics {

//! @addtogroup unislad
//! @{

/** @brief Area under the ROC curve of image-level scores.

Equal to the Mann-Whitney statistic U / (n_pos · n_neg) with ties given average ranks, i.e. each
(anomalous, nominal) pair counts 1 when the anomalous score is higher and 1/2 when they are equal;
this is also the trapezoidal area under rocCurve().
@param scores N anomaly scores (CV_32F or CV_64F), finite.
@param labels N labels, 0 = nominal, 1 = anomalous; both classes present.
@return AUROC in [0, 1]; 0.5 for uninformative scores.
*/
CV_EXPORTS_W double imageAUROC(InputArray scores, InputArray labels);

/** @brief ROC curve points of image-level scores, for plotting.

One point per distinct score, thresholds decreasing: point i has
FPR = #{nominal: score >= thresholds[i]} / n_neg and TPR = #{anomalous: score >= thresholds[i]} / n_pos.
The first point is (0, 0) with threshold +Inf, the last is (1, 1) at the lowest score. No point is
dropped (not even collinear ones).
@param scores N anomaly scores (CV_32F or CV_64F), finite.
@param labels N labels, 0 or 1; both classes present.
@param fpr output, M × 1 CV_64F, non-decreasing false positive rates (M = distinct scores + 1).
@param tpr output, M × 1 CV_64F, true positive rates.
@param thresholds optional output, M × 1 CV_64F, decreasing thresholds.
*/
CV_EXPORTS_W void rocCurve(InputArray scores, InputArray labels, OutputArray fpr, OutputArray tpr,
                           OutputArray thresholds = noArray());

/** @brief Best F1 score over all thresholds, and the threshold that reaches it.

For each distinct score s as threshold (predict anomalous when score >= s):
F1 = 2·TP / (2·TP + FP + FN) = 2·precision·recall / (precision + recall). When several thresholds
reach the maximum, the highest of them is returned.
@param scores N anomaly scores (CV_32F or CV_64F), finite.
@param labels N labels, 0 or 1; both classes present.
@param threshold optional output: the score used as threshold at the maximum.
@return the maximal F1 score, in (0, 1].
*/
CV_EXPORTS_W double f1Max(InputArray scores, InputArray labels, CV_OUT double* threshold = 0);

/** @brief Pixel-level AUROC over a set of anomaly maps and ground-truth masks.

Exact: all pixels of all images are ranked together (ties count 1/2, as in imageAUROC()).
@param anomalyMaps list of CV_32FC1 maps, finite.
@param groundTruth list of CV_8UC1 masks, one per map and of its size; nonzero = anomalous.
@return AUROC in [0, 1].
*/
CV_EXPORTS_W double pixelAUROC(InputArrayOfArrays anomalyMaps, InputArrayOfArrays groundTruth);

/** @brief Per-region overlap (PRO) curve, as defined by the MVTec AD evaluation code
(`compute_pro` in `pro_curve_util.py`).

Ground-truth regions are the 8-connected components of each mask (scipy.ndimage.label with a 3×3
structure of ones). Thresholds sweep every distinct anomaly score, from the highest down; at each,
FPR = (nominal pixels >= threshold, over all images) / (all nominal pixels) and
PRO = mean over all regions of (region pixels >= threshold) / (region size). Points that share a
threshold are merged into one; the curve starts at (0, 0) and ends at (1, 1), as MVTec's does.
@param anomalyMaps list of CV_32FC1 maps, finite.
@param groundTruth list of CV_8UC1 masks, one per map and of its size; nonzero = anomalous.
@param fpr output, M × 1 CV_64F, non-decreasing.
@param pro output, M × 1 CV_64F.
@param thresholds optional output, M × 1 CV_64F: +Inf for the first point, -Inf for the last,
       the score for each point between.
*/
CV_EXPORTS_W void proCurve(InputArrayOfArrays anomalyMaps, InputArrayOfArrays groundTruth,
                           OutputArray fpr, OutputArray pro, OutputArray thresholds = noArray());

/** @brief Normalised area under the PRO curve up to a false positive rate (AUPRO), as the MVTec AD
evaluation code computes it (`trapezoid(fprs, pros, x_max=limit) / limit` in `generic_util.py`).

The PRO curve of proCurve() is integrated with the trapezoidal rule over the points with
FPR <= fprLimit; when no point lies exactly at fprLimit, the PRO value there is interpolated
linearly between the two neighbouring points and the last partial trapezoid is added. The area is
divided by fprLimit, so a perfect detector scores 1. (MVTec's code rounds the FPRs to float32;
here they stay double, which changes results by about 1e-7 at most.)
@param anomalyMaps list of CV_32FC1 maps, finite.
@param groundTruth list of CV_8UC1 masks, one per map and of its size; nonzero = anomalous.
@param fprLimit integration limit, in (0, 1]. Default: 0.3, the usual AUPRO@30%.
@return AUPRO in [0, 1].
*/
CV_EXPORTS_W double auPRO(InputArrayOfArrays anomalyMaps, InputArrayOfArrays groundTruth, double fprLimit = 0.3);

//! @}

} // namespace metrics
}} // namespace cv::uniSLAD

#endif // OPENCV_UNISLAD_METRICS_HPP
