// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef UNISLAD_SYNTHETIC_DATA_HPP
#define UNISLAD_SYNTHETIC_DATA_HPP

// Synthetic anomaly detection data sets in the folder layout of MVTec LOCO AD and MVTec AD.
//
// The real data sets cannot be downloaded everywhere, so the command line, the tests and the
// benchmarks generate look-alikes: five LOCO-style categories with logical and structural anomalies,
// one MVTec AD style texture and one MVTec AD style object with structural defects. Every image is a
// pure function of (category, split, index, seed, size): generating a subset gives the same files, and
// the same seed gives byte-identical PNGs.
//
// MVTec LOCO AD layout (kind Loco):
//   CAT/train/good/NNN.png, CAT/validation/good/NNN.png,
//   CAT/test/{good,logical_anomalies,structural_anomalies}/NNN.png,
//   CAT/ground_truth/{logical_anomalies,structural_anomalies}/NNN/000.png
// MVTec AD layout (kinds Texture and Object; no validation folder):
//   CAT/train/good/NNN.png, CAT/test/{good,<defect>}/NNN.png, CAT/ground_truth/<defect>/NNN_mask.png
// Images are 8-bit BGR PNGs, masks 8-bit single-channel PNGs of the image's size (255 = anomalous).

#include <opencv2/core.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace unislad {
namespace synth {

/** Which benchmark a category imitates. */
enum class Kind
{
    Loco,    //!< MVTec LOCO AD: logical and structural anomalies, validation split
    Texture, //!< MVTec AD texture: structural defects only
    Object   //!< MVTec AD object: structural defects only
};

/** The splits of a data set. TestLogical exists only for Kind::Loco, Validation only for Kind::Loco. */
enum class Split
{
    Train,
    Validation,
    TestGood,
    TestLogical,
    TestStructural
};

/** Number of images per split. Splits a category's kind lacks are ignored. */
struct SplitCounts
{
    int train = 60;          //!< train/good
    int validation = 20;     //!< validation/good (LOCO only)
    int testGood = 20;       //!< test/good
    int testLogical = 20;    //!< test/logical_anomalies (LOCO only)
    int testStructural = 20; //!< test/structural_anomalies (LOCO) or spread over test/<defect> (MVTec AD)
};

/** One category of the registry. */
struct CategoryInfo
{
    std::string name;                           //!< folder name, e.g. "kit_tray"
    Kind kind;                                  //!< layout and anomaly kinds
    std::string summary;                        //!< one line: what the image shows and its rules
    std::vector<std::string> logicalDefects;    //!< logical anomaly types, cycled by test index
    std::vector<std::string> structuralDefects; //!< structural defect types, cycled by test index
};

/** One rendered image with its ground truth. */
struct Sample
{
    cv::Mat image;      //!< CV_8UC3 BGR, size × size
    cv::Mat mask;       //!< CV_8UC1, 255 = anomalous; all zero for nominal images
    std::string defect; //!< defect type, empty for nominal images
};

/** Files written by generateCategory(). */
struct GenerateStats
{
    int images = 0; //!< PNG images written
    int masks = 0;  //!< ground-truth masks written
};

/** Called after each written image with (done, total); may be called from worker threads, serialised. */
using ProgressFn = std::function<void(int done, int total)>;

/** @brief The registered categories, in a fixed order. */
const std::vector<CategoryInfo>& categoryRegistry();

/** @brief The names of the registered categories, in registry order. */
std::vector<std::string> categoryNames();

/** @brief A category by name.
@param name category name.
@throws cv::Exception naming the known categories when the name is unknown. */
const CategoryInfo& findCategory(const std::string& name);

/** @brief The folder name of a split (e.g. "train/good", "test/logical_anomalies").
For MVTec AD kinds, TestStructural maps to "test/<defect>" through defectIndex. */
std::string splitFolder(const CategoryInfo& info, Split split, int index);

/** @brief Paths, relative to the category folder, of sample `index` of `split`.
@param info the category.
@param split the split.
@param index 0-based index inside the split (for MVTec AD structural defects: the index over all defect
       types; the defect type is index % types and the file number index / types).
@param maskPath output: the mask's relative path, empty for nominal splits.
@return the image's relative path. */
std::string samplePath(const CategoryInfo& info, Split split, int index, std::string* maskPath = nullptr);

/** @brief Renders one sample. Pure function of its arguments.
@param category category name (see categoryRegistry()).
@param split the split; TestLogical for a category without logical anomalies throws.
@param index 0-based index inside the split; the defect type is index % (number of types).
@param seed data set seed (default 0 in the CLI).
@param size output width and height in pixels, 32 to 4096 (default 256 in the CLI). */
Sample renderSample(const std::string& category, Split split, int index, uint64_t seed, int size);

/** @brief Writes one category into root/<category>/ in its benchmark's layout.
Existing files are overwritten (each one atomically: temporary name, then rename); other files are left.
Rendering runs in parallel with cv::parallel_for_; the files do not depend on the thread count.
@param root output folder (created when missing).
@param category category name.
@param counts images per split; every count must be >= 0 and < 1000.
@param seed data set seed.
@param size image size in pixels (32 to 4096).
@param progress optional progress callback.
@throws cv::Exception naming the path when a folder or file cannot be written. */
GenerateStats generateCategory(const std::string& root, const std::string& category, const SplitCounts& counts,
                               uint64_t seed, int size, const ProgressFn& progress = ProgressFn());

/** @brief Encodes `image` as PNG and writes it to `path` atomically (temporary file, then rename).
@throws cv::Exception naming the path on failure. */
void writePngAtomic(const std::string& path, const cv::Mat& image);

} // namespace synth
} // namespace unislad

#endif // UNISLAD_SYNTHETIC_DATA_HPP
