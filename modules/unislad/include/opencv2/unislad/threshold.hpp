// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_THRESHOLD_HPP
#define OPENCV_UNISLAD_THRESHOLD_HPP

#include <opencv2/core.hpp>

namespace cv {
namespace uniSLAD {

//! @addtogroup unislad
//! @{

/** @brief Which rule set a detector's decision threshold (ThresholdRule::kind). */
enum ThresholdRuleKind
{
    THRESHOLD_CALIBRATION = 0, //!< automatic: quantile(calibration scores, q) + margin · std (fit(), update())
    THRESHOLD_F1 = 1,          //!< chosen by chooseThreshold() for the best F1 on labelled images
    THRESHOLD_FPR = 2,         //!< chosen by chooseThreshold() for a bound on the good images flagged
    THRESHOLD_MANUAL = 3       //!< set by hand (UniSLAD::setThreshold(threshold))
};

/** @brief The fewest images chooseThreshold() accepts: three good ones (a share of good images flagged
needs more than one or two to mean anything) and one anomalous one. */
enum
{
    MIN_THRESHOLD_GOOD_IMAGES = 3,
    MIN_THRESHOLD_ANOMALOUS_IMAGES = 1
};

/** @brief A rule that sets a decision threshold, and what it was applied to; a model keeps the rule of its
threshold (UniSLAD::getThresholdRule()) and says it where the threshold is reported.

An image is anomalous when its score is strictly above the threshold (Result::isAnomaly).
- THRESHOLD_CALIBRATION: `quantile(scores, quantile) + margin · std(scores)` of the fused scores of the
  `goodImages` nominal calibration images (0: a model file that does not record their number).
- THRESHOLD_F1: the threshold of the highest F1 = 2·TP / (2·TP + FP + FN) on `goodImages` good and
  `anomalousImages` anomalous images.
- THRESHOLD_FPR: the lowest threshold that flags at most a share `maxFpr` of the `goodImages` good
  images (the false positive rate), which catches the most of the `anomalousImages` anomalous ones.
- THRESHOLD_MANUAL: a number set by hand.
*/
struct CV_EXPORTS_W_SIMPLE ThresholdRule
{
    /** @brief The automatic rule of Params() (quantile 0.99, margin 0.5), on an unknown number of images. */
    CV_WRAP ThresholdRule();
    CV_PROP_RW int kind;            //!< ThresholdRuleKind (THRESHOLD_CALIBRATION)
    CV_PROP_RW double quantile;     //!< THRESHOLD_CALIBRATION: q, Params::thresholdQuantile (0.99)
    CV_PROP_RW double margin;       //!< THRESHOLD_CALIBRATION: Params::thresholdMargin (0.5)
    CV_PROP_RW double maxFpr;       //!< THRESHOLD_FPR: the largest share of good images flagged, in [0, 1) (0)
    CV_PROP_RW int goodImages;      //!< the good (calibration) images the rule was applied to; 0: unknown (0)
    CV_PROP_RW int anomalousImages; //!< THRESHOLD_F1, THRESHOLD_FPR: the anomalous images (0)

    /** @brief The automatic rule with its parameters and number of calibration images. */
    CV_WRAP static ThresholdRule calibration(double quantile, double margin, int images);
    /** @brief The best F1 (for chooseThreshold(), which fills in the image counts). */
    CV_WRAP static ThresholdRule f1();
    /** @brief At most a share maxFpr, in [0, 1), of the good images flagged (for chooseThreshold()). */
    CV_WRAP static ThresholdRule fpr(double maxFpr);
    /** @brief A threshold set by hand. */
    CV_WRAP static ThresholdRule manual();
    /** @brief A choosing rule from its spelling: "f1", or "fpr=X" with X in [0, 1) (e.g. "fpr=0.01").
        @throws cv::Exception (StsBadArg) naming the text and the spellings expected. */
    CV_WRAP static ThresholdRule parse(const String& text);

    /** @brief The rule in words, e.g. "automatic: quantile 0.99 + 0.5 std of 16 calibration scores",
        "f1 on 20 good and 40 anomalous images", "fpr <= 0.05 on 20 good and 40 anomalous images",
        "set by hand". */
    CV_WRAP String describe() const;
    /** @brief The rule's short name: "automatic", "f1", "fpr=X" or "manual". */
    CV_WRAP String name() const;
    /** @brief Checks the fields (a known kind, quantile in [0, 1], finite margin, maxFpr in [0, 1), counts
        >= 0); raises cv::Exception (StsBadArg) naming the field otherwise. */
    CV_WRAP void check() const;
};

/** @brief A threshold and what it gives on labelled scores (chooseThreshold(), evaluateThreshold()). */
struct CV_EXPORTS_W_SIMPLE ThresholdChoice
{
    CV_WRAP ThresholdChoice() : threshold(0), goodFlagged(0), anomaliesCaught(0), f1(0) {}
    CV_PROP_RW float threshold;     //!< anomalous: score > threshold
    CV_PROP_RW ThresholdRule rule;  //!< the rule, with goodImages and anomalousImages filled in
    CV_PROP_RW int goodFlagged;     //!< good images above the threshold (false positives)
    CV_PROP_RW int anomaliesCaught; //!< anomalous images above the threshold (true positives)
    CV_PROP_RW double f1;           //!< 2·TP / (2·TP + FP + FN), 0 when nothing is caught
};

/** @brief Chooses a decision threshold from the scores of labelled good and anomalous images.

Scores are compared as CV_32F values, as UniSLAD::detect() compares Result::score with the threshold,
and an image counts as flagged when its score is strictly above the threshold. Every distinct outcome is
a candidate: with u_0 < u_1 < ... the distinct scores of both sets, the thresholds halfway between u_{i-1}
and u_i (in float: the lower of the two when the halfway value rounds up to u_i), one below u_0 by half
the lowest gap (by 1 when there is one distinct score), which flags every image, and u_max, which flags
none. The halfway points leave room on both sides for images not seen here.
- THRESHOLD_F1: the candidate with the highest F1 (compared exactly, in integers); among equal ones the
  highest threshold (fewest images flagged), as metrics::f1Max chooses.
- THRESHOLD_FPR: the lowest candidate that flags at most maxFpr · (good images) of the good images,
  which catches the most anomalous images allowed. With n good images, the share moves in steps of 1/n:
  maxFpr below 1/n allows none.
@param goodScores scores of good images (1 × N or N × 1, CV_32F or CV_64F, finite), at least
       MIN_THRESHOLD_GOOD_IMAGES
@param anomalousScores scores of anomalous images, at least MIN_THRESHOLD_ANOMALOUS_IMAGES
@param rule THRESHOLD_F1 or THRESHOLD_FPR (ThresholdRule::f1(), ThresholdRule::fpr(x))
@return the threshold, the rule with the image counts, and what the threshold gives on these scores.
@throws cv::Exception (StsBadArg) for a NaN or infinite score (naming its set and index), too few scores
or another kind of rule; (StsError) when the rule cannot be met: THRESHOLD_FPR where every threshold that
flags few enough good images catches no anomalous image.
*/
CV_EXPORTS_W ThresholdChoice chooseThreshold(InputArray goodScores, InputArray anomalousScores, const ThresholdRule& rule);

/** @brief What a threshold gives on labelled scores: good images flagged, anomalous images caught, F1.
The scores are checked and compared as by chooseThreshold(); the returned rule is THRESHOLD_MANUAL with
the image counts. Either set may be empty (not both). */
CV_EXPORTS_W ThresholdChoice evaluateThreshold(InputArray goodScores, InputArray anomalousScores, float threshold);

//! @}

}} // namespace cv::uniSLAD

#endif // OPENCV_UNISLAD_THRESHOLD_HPP
