// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef UNISLAD_SAMPLES_DATASET_HPP
#define UNISLAD_SAMPLES_DATASET_HPP

// A category of an anomaly detection data set in the MVTec AD or MVTec LOCO AD folder layout, as the
// real downloads and `unislad synth` write them:
//   MVTec LOCO AD: train/good, validation/good, test/{good,logical_anomalies,structural_anomalies},
//                  ground_truth/<type>/NNN/*.png (one folder per image, one or more masks in it)
//   MVTec AD:      train/good, test/{good,<defect>...}, ground_truth/<defect>/NNN_mask.png

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace unislad {
namespace cli {

enum class Layout { MVTecAD, MVTecLOCO };

/** One test image and what is known about it. */
struct TestItem
{
    std::string path;
    std::string defect;            //!< folder under test/: "good", "logical_anomalies", "scratch", ...
    std::string kind;              //!< "good", "logical" or "structural" (every MVTec AD defect is structural)
    std::vector<std::string> masks; //!< ground-truth mask files (their union); empty for good images
    bool anomalous() const { return kind != "good"; }
};

struct Dataset
{
    std::string root, name;
    Layout layout = Layout::MVTecAD;
    std::vector<std::string> train, validation;  //!< image paths, sorted
    std::vector<TestItem> test;
};

/** Reads a category folder; raises cv::Exception naming the folder when it is not one of the layouts. */
Dataset readDataset(const std::string& categoryDir);

/** What a path names when it is not a regular file (symbolic links followed), found without opening
    it: "" for a regular file, else "a named pipe (FIFO)", "a directory", "a character device", "a block
    device", "a socket", or the system's reason it cannot be examined ("no such file", "Too many levels of
    symbolic links", "Permission denied"). Opening a named pipe would block until a writer comes. */
std::string notRegularFile(const std::string& path);

/** The images of a folder (png, jpg, jpeg, bmp, tif, tiff; sorted by name). Entries that are neither
    regular files nor folders (named pipes, devices, sockets, broken links) are skipped with a line
    "skipping <path>: <what it is>" on stderr. */
std::vector<std::string> listImages(const std::string& dir);

/** Reads one image as 8-bit BGR, or 16-bit when the file is; false with the reason in `why` (without
    the path) when the file is missing or not a regular file (notRegularFile), cannot be decoded (empty,
    truncated, not an image), breaks the library's rule for images (Preprocessor::check: 8/16-bit, at
    least 8x8, at most Preprocessor::kMaxImagePixels), or is cut short: a JPEG without its end-of-image
    marker, a PNG without its IEND chunk (their decoders return the part they read, padded, and only
    warn). The format is told by the file's first bytes, not its name. */
bool readImage(const std::string& path, cv::Mat& image, std::string& why);

/** readImage() that raises cv::Exception naming the file instead of returning false. */
cv::Mat readImage(const std::string& path);

/** readImage() of every path, in order: the first bad file raises its error (a model fitted or
    evaluated on a silently shortened set would mislead). */
std::vector<cv::Mat> loadImages(const std::vector<std::string>& paths);

/** A region-of-interest mask file (`fit --roi`) as Params::roi: CV_8U, 255 where the file is at least
    half-bright (gray value >= 128, of 255 or 65535), so that JPEG noise around a black background does
    not count; raises cv::Exception "--roi: ..." naming the file when it cannot be read (readImage()) or
    has no such pixel. */
cv::Mat readRegionOfInterest(const std::string& path);

/** The union of a test item's masks at the image's size (CV_8U, 255 = anomalous); zeros without masks. */
cv::Mat loadMask(const TestItem& item, const cv::Size& size);

} // namespace cli
} // namespace unislad

#endif // UNISLAD_SAMPLES_DATASET_HPP
