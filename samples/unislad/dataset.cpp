// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "dataset.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/unislad/preprocessor.hpp>

#include <algorithm>
#include <filesystem>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <ostream>

namespace fs = std::filesystem;

namespace unislad {
namespace cli {

namespace {

bool isImageFile(const fs::path& p)
{
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return (char)std::tolower(c); });
    return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".tif" || ext == ".tiff";
}

bool isDir(const fs::path& p)
{
    std::error_code ec;
    return fs::is_directory(p, ec);
}

/** Masks of test image `stem` of defect folder `defect`, in either layout. */
std::vector<std::string> masksFor(const fs::path& root, Layout layout, const std::string& defect, const std::string& stem)
{
    std::vector<std::string> masks;
    if (layout == Layout::MVTecLOCO) {
        const fs::path dir = root / "ground_truth" / defect / stem;
        if (isDir(dir)) {
            masks = listImages(dir.string());
            if (masks.empty())   // the pixel metrics would count the image as free of anomalous pixels
                std::cerr << "warning: " << dir.string() << " holds no masks: the pixel metrics take image "
                          << stem << " of " << defect << " as having no anomalous pixels\n";
        }
    } else {
        for (const char* ext : { "_mask.png", ".png" }) {
            const fs::path p = root / "ground_truth" / defect / (stem + ext);
            std::error_code ec;
            if (fs::is_regular_file(p, ec)) {
                masks.push_back(p.string());
                break;
            }
        }
    }
    return masks;
}

} // namespace

std::string notRegularFile(const std::string& path)
{
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec && st.type() != fs::file_type::not_found)
        return ec.message();
    switch (st.type()) {
    case fs::file_type::regular: return "";
    case fs::file_type::not_found: return "no such file";
    case fs::file_type::directory: return "a directory";
    case fs::file_type::fifo: return "a named pipe (FIFO)";
    case fs::file_type::character: return "a character device";
    case fs::file_type::block: return "a block device";
    case fs::file_type::socket: return "a socket";
    default: return "neither a file nor a folder";
    }
}

std::vector<std::string> listImages(const std::string& dir)
{
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string path = it->path().string();
        const std::string odd = notRegularFile(path);
        if (odd.empty()) {
            if (isImageFile(it->path()))
                out.push_back(path);
        } else if (odd != "a directory") {
            std::cerr << "skipping " << path << ": " << odd << "\n";
        }
    }
    if (ec)
        CV_Error(cv::Error::StsError, "cannot list '" + dir + "': " + ec.message());
    std::sort(out.begin(), out.end());
    return out;
}

Dataset readDataset(const std::string& categoryDir)
{
    const fs::path root(categoryDir);
    if (!isDir(root / "train" / "good") || !isDir(root / "test"))
        CV_Error(cv::Error::StsError, "'" + categoryDir + "' is not a category folder of the MVTec AD or MVTec LOCO AD "
                 "layout: expected train/good and test/ inside");
    Dataset d;
    d.root = categoryDir;
    d.name = fs::absolute(root).lexically_normal().filename().string();
    if (d.name.empty())
        d.name = fs::absolute(root).lexically_normal().parent_path().filename().string();
    const bool loco = isDir(root / "test" / "logical_anomalies") || isDir(root / "validation" / "good");
    d.layout = loco ? Layout::MVTecLOCO : Layout::MVTecAD;
    d.train = listImages((root / "train" / "good").string());
    if (isDir(root / "validation" / "good"))
        d.validation = listImages((root / "validation" / "good").string());

    std::vector<std::string> defects;
    std::error_code ec;
    for (fs::directory_iterator it(root / "test", ec), end; !ec && it != end; it.increment(ec))
        if (it->is_directory(ec))
            defects.push_back(it->path().filename().string());
    std::sort(defects.begin(), defects.end());
    for (const std::string& defect : defects) {
        for (const std::string& path : listImages((root / "test" / defect).string())) {
            TestItem item;
            item.path = path;
            item.defect = defect;
            if (defect == "good")
                item.kind = "good";
            else if (defect == "logical_anomalies")
                item.kind = "logical";
            else
                item.kind = "structural";
            if (item.anomalous())
                item.masks = masksFor(root, d.layout, defect, fs::path(path).stem().string());
            d.test.push_back(item);
        }
    }
    if (d.train.empty())
        CV_Error(cv::Error::StsError, "'" + (root / "train" / "good").string() + "' holds no images");
    if (d.test.empty())
        CV_Error(cv::Error::StsError, "'" + (root / "test").string() + "' holds no images");
    return d;
}

namespace {

/** The first and the last bytes of a file (at most 4 KiB of each). */
bool headAndTail(const std::string& path, std::vector<unsigned char>& head, std::vector<unsigned char>& tail)
{
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    const std::streamoff size = in.tellg();
    if (!in || size < 0)
        return false;
    const std::streamoff n = std::min<std::streamoff>(size, 4096);
    head.resize((size_t)n);
    tail.resize((size_t)n);
    in.seekg(0);
    in.read(reinterpret_cast<char*>(head.data()), n);
    in.seekg(size - n);
    in.read(reinterpret_cast<char*>(tail.data()), n);
    return (bool)in;
}

/** Why a decoded file is incomplete, by its content: a JPEG (starts FF D8 FF) whose last 4 KiB lack the
    end-of-image marker FF D9 (padding after it is allowed; a file cut inside its entropy-coded data has
    none there, as FF is stuffed as FF 00 in that data), or a PNG (its 8-byte signature) whose last 4 KiB
    lack the IEND chunk. Empty when complete or of another format. */
std::string truncation(const std::string& path)
{
    std::vector<unsigned char> head, tail;
    if (!headAndTail(path, head, tail))
        return "";
    const auto contains = [&](const std::vector<unsigned char>& pattern) {
        return std::search(tail.begin(), tail.end(), pattern.begin(), pattern.end()) != tail.end();
    };
    if (head.size() >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF && !contains({ 0xFF, 0xD9 }))
        return "truncated JPEG: no end-of-image marker (FF D9) at its end";
    static const unsigned char png[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };
    if (head.size() >= 8 && std::equal(png, png + 8, head.begin()) && !contains({ 'I', 'E', 'N', 'D' }))
        return "truncated PNG: no IEND chunk at its end";
    return "";
}

/** The library's own rule for images (depth, channels, size; Preprocessor::check), checked here so that
    a refused image is reported with its file before fit or detect see it. The caller adds the path, so
    the message's "Preprocessor: <path>: " prefix is cut. */
bool acceptedByLibrary(const cv::Mat& image, const std::string& path, std::string& why)
{
    const std::string prefix = "Preprocessor: " + path + ": ";
    try {
        cv::uniSLAD::Preprocessor::check(image, path);
        return true;
    } catch (const cv::Exception& e) {
        why = e.err.compare(0, prefix.size(), prefix) == 0 ? e.err.substr(prefix.size()) : e.err;
        return false;
    }
}

} // namespace

bool readImage(const std::string& path, cv::Mat& image, std::string& why)
{
    image.release();
    why = notRegularFile(path);   // before imread: opening a named pipe would block
    if (!why.empty())
        return false;
    try {
        image = cv::imread(path, cv::IMREAD_ANYDEPTH | cv::IMREAD_COLOR);
    } catch (const cv::Exception& e) {
        why = e.err;
        image.release();
        return false;
    }
    if (image.empty()) {
        why = "not a readable image (empty, truncated or not an image file)";
    } else if (acceptedByLibrary(image, path, why)) {
        why = truncation(path);
        if (why.empty())
            return true;
    }
    image.release();
    return false;
}

cv::Mat readImage(const std::string& path)
{
    cv::Mat image;
    std::string why;
    if (!readImage(path, image, why))
        CV_Error(cv::Error::StsError, "cannot read image '" + path + "': " + why);
    return image;
}

std::vector<cv::Mat> loadImages(const std::vector<std::string>& paths)
{
    std::vector<cv::Mat> images;
    for (const std::string& p : paths)
        images.push_back(readImage(p));
    return images;
}

cv::Mat readRegionOfInterest(const std::string& path)
{
    cv::Mat image;
    std::string why;
    if (!readImage(path, image, why))
        CV_Error(cv::Error::StsError, "--roi: cannot read '" + path + "': " + why);
    cv::Mat gray, inside;
    if (image.channels() == 1)
        gray = image;
    else
        cv::cvtColor(image, gray, cv::COLOR_BGR2GRAY);
    cv::compare(gray, image.depth() == CV_16U ? 32768 : 128, inside, cv::CMP_GE);
    if (cv::countNonZero(inside) == 0)
        CV_Error(cv::Error::StsError, "--roi: '" + path + "' has no bright pixel (gray >= 50 %): draw the region of "
                 "interest white on black");
    return inside;
}

cv::Mat loadMask(const TestItem& item, const cv::Size& size)
{
    cv::Mat mask(size, CV_8U, cv::Scalar(0));
    for (const std::string& p : item.masks) {
        cv::Mat m = cv::imread(p, cv::IMREAD_GRAYSCALE);
        if (m.empty())
            CV_Error(cv::Error::StsError, "cannot read mask '" + p + "'");
        if (m.size() != size)
            cv::resize(m, m, size, 0, 0, cv::INTER_NEAREST);
        mask |= (m > 0);
    }
    return mask;
}

} // namespace cli
} // namespace unislad
