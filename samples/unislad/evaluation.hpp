// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef UNISLAD_SAMPLES_EVALUATION_HPP
#define UNISLAD_SAMPLES_EVALUATION_HPP

// Fitting a detector on a data set category and evaluating it the way the paper's tables do:
// image AUROC for logical and structural anomalies and their mean (Table II), pixel AUROC, AUPRO up to
// FPR 0.3, F1-max, and a per-defect-type breakdown.

#include "dataset.hpp"

#include <opencv2/unislad.hpp>

#include <iosfwd>
#include <map>
#include <string>
#include <vector>

namespace unislad {
namespace cli {

/** One scored test image. */
struct ScoredItem
{
    TestItem item;
    cv::uniSLAD::Result result;  //!< anomalyMap released after the pixel metrics unless kept
};

/** I-AUROC of one score component (a column of scores.csv) against the good test images. */
struct ComponentAuroc
{
    std::string name;               //!< "score" (the fused one), "patch_local", ..., "image_score"
    double logical = -1, structural = -1, mean = -1;
    std::map<std::string, double> perDefect;
};

struct Evaluation
{
    std::string category;
    Layout layout = Layout::MVTecAD;
    double aurocLogical = -1, aurocStructural = -1;  //!< -1: no such anomalies in the set
    double aurocMean = -1;          //!< mean of the two above where both exist (Table II), else the one
    double aurocAll = -1;           //!< every anomaly against every good image
    double pixelAUROC = -1, auPRO = -1;
    double f1Max = -1, f1Threshold = 0;
    std::map<std::string, double> aurocPerDefect;   //!< good vs each defect folder
    std::vector<ComponentAuroc> components;        //!< the same per component of scores.csv, to see the weak
                                                   //!< link; constant (switched off) or non-finite ones left out
    double fitSeconds = 0, msPerImage = 0;
    double evalSeconds = 0;         //!< scoring every test image and the metrics, wall time
    int trainImages = 0, calibrationImages = 0;
    std::vector<ScoredItem> items;
};

struct EvalOptions
{
    bool pixelMetrics = true;   //!< pixel AUROC and AUPRO (maps and masks at most 256 px on a side)
    bool keepMaps = false;      //!< keep every item's anomaly map (reports)
    bool quiet = false;         //!< no progress on stderr
};

/** Fits params on train/good (and calibrates on validation/good when the set has it). */
cv::Ptr<cv::uniSLAD::UniSLAD> fitOnDataset(const cv::uniSLAD::Params& params, const Dataset& data,
                                           const EvalOptions& options, Evaluation& eval);

/** Scores every test image with a fitted detector and computes the metrics. */
void evaluateDetector(const cv::Ptr<cv::uniSLAD::UniSLAD>& detector, const Dataset& data, const EvalOptions& options,
                      Evaluation& eval);

/** "91.6/94.4/93.1" (logical/structural/mean, percent; "-" where absent), as in Table II. */
std::string tableCell(const Evaluation& e);

} // namespace cli
} // namespace unislad

#endif // UNISLAD_SAMPLES_EVALUATION_HPP
