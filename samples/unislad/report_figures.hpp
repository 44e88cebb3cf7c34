// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef UNISLAD_SAMPLES_REPORT_FIGURES_HPP
#define UNISLAD_SAMPLES_REPORT_FIGURES_HPP

// The figures of an evaluation as the summary tables show them (the columns, their average over categories)
// and the ones a reader should not take at face value: an AUROC below chance, or one resting on so few
// images that a single image moves it by several points. The HTML report, metrics.json and eval's
// printed summary all take them from here, so that they agree.

#include "evaluation.hpp"

#include <string>
#include <vector>

namespace unislad {
namespace cli {

/** A column of the summary tables: a rate in [0, 1], -1 where it does not apply. */
struct Figure
{
    const char* key;                 //!< metrics.json's name, e.g. "pixel_auroc"
    const char* label;               //!< the table's heading, e.g. "P-AUROC"
    double Evaluation::*field;
    bool rankAgainstGood;            //!< an AUROC: 50 % is what a random score gets
};

/** The summary tables' columns, in their order: I-AUROC logical, structural, mean, all, P-AUROC, AUPRO (0.3), F1-max. */
const std::vector<Figure>& summaryFigures();

/** Every figure of summaryFigures() averaged over the evaluations that have it (-1 where none has it);
    `items` is left empty. */
Evaluation averageOf(const std::vector<const Evaluation*>& rows);

/** One figure to read with care, and why. */
struct Caveat
{
    std::string key;     //!< Figure::key, or "image_auroc_per_defect/<defect>"
    std::string label;   //!< e.g. "P-AUROC", or "I-AUROC of scratch"
    double value = 0;    //!< the figure, in [0, 1]
    std::string why;     //!< a sentence for the reader
};

/** The caveats of one evaluation: each AUROC (image, per defect type, pixel) below 50 %, and each image AUROC
    computed from fewer than 10 images on a side (one image then moves it by 100 / n points or more). */
std::vector<Caveat> caveatsOf(const Evaluation& e);

/** The caveat about `key` in `caveats`, or nullptr. */
const Caveat* caveatFor(const std::vector<Caveat>& caveats, const std::string& key);

} // namespace cli
} // namespace unislad

#endif // UNISLAD_SAMPLES_REPORT_FIGURES_HPP
