// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "features/feature_set.hpp"

#include <numeric>

namespace cv {
namespace uniSLAD {
namespace detail {

namespace {

/** Copies `keep` of the rows of one image's patch features, chosen by a seeded partial shuffle and kept
    in their original order, into dst. */
void sampleRows(const Mat& src, int keep, uint64 seed, Mat dst)
{
    std::vector<int> order(src.rows);
    std::iota(order.begin(), order.end(), 0);
    RNG rng(seed);
    for (int i = 0; i < keep; ++i)
        std::swap(order[i], order[i + rng.uniform(0, src.rows - i)]);
    std::sort(order.begin(), order.begin() + keep);
    for (int i = 0; i < keep; ++i)
        src.row(order[i]).copyTo(dst.row(i));
}

/** Image-level features of each image's patches: rows of `patches` image-major, `cells` per image. */
void imageFeaturesOf(const ImageFeatureConverter& converter, const Mat& patches, int n, int cells, Mat& out)
{
    std::vector<Mat> sets;
    for (int i = 0; i < n; ++i)
        sets.push_back(patches.rowRange(i * cells, (i + 1) * cells));
    converter.convertBatch(sets, out);
}

/** The rows of the cells inside a region of each of n images' grids (rows image-major). */
Mat cellsInside(const Mat& all, const std::vector<int>& roi, int n)
{
    const int grid = all.rows / n, inside = (int)roi.size();
    Mat out(n * inside, all.cols, all.type());
    for (int j = 0; j < n; ++j)
        for (int k = 0; k < inside; ++k)
            all.row(j * grid + roi[k]).copyTo(out.row(j * inside + k));
    return out;
}

} // namespace

FeatureSet FeatureSet::subset(const std::vector<int>& images) const
{
    FeatureSet s;
    s.count = (int)images.size();
    s.localGrid = localGrid;
    s.globalGrid = globalGrid;
    s.localCells = localCells;
    s.globalCells = globalCells;
    s.localRoi = localRoi;
    s.globalRoi = globalRoi;
    if (localCells > 0)
        s.local.create(s.count * localCells, local.cols, CV_32F);
    if (globalCells > 0) {
        s.global.create(s.count * globalCells, global.cols, CV_32F);
        s.cls.create(s.count, cls.cols, CV_32F);
    }
    if (!localImage.empty())
        s.localImage.create(s.count, localImage.cols, CV_32F);
    if (!globalImage.empty())
        s.globalImage.create(s.count, globalImage.cols, CV_32F);
    for (int j = 0; j < s.count; ++j) {
        if (localCells > 0)
            localOf(images[j]).copyTo(s.localOf(j));
        if (globalCells > 0) {
            globalOf(images[j]).copyTo(s.globalOf(j));
            cls.row(images[j]).copyTo(s.cls.row(j));
        }
        if (!localImage.empty())
            localImage.row(images[j]).copyTo(s.localImage.row(j));
        if (!globalImage.empty())
            globalImage.row(images[j]).copyTo(s.globalImage.row(j));
    }
    return s;
}

/** The colour a backbone's normalisation maps to zero, v · scale = mean, as a BGR pixel value. */
static Scalar meanColour(const InputNormalization& n)
{
    Scalar c;
    for (int i = 0; i < 3; ++i)
        c[i] = std::min(255.0, std::max(0.0, n.mean[i] / n.scale));
    return n.rgb ? Scalar(c[2], c[1], c[0]) : c;
}

FeatureStage::FeatureStage(const Ptr<DualFeatureExtractor>& extractor, const Ptr<ImageFeatureConverter>& converter,
                           int batchSize, const Mat& roi)
    : extractor_(extractor), converter_(converter), batchSize_(batchSize), roi_(roi)
{
    CV_Assert(extractor_ && batchSize_ >= 1);
    localRoi_ = roi_.cells(extractor_->localGrid());
    globalRoi_ = roi_.cells(extractor_->globalGrid());
    const Ptr<Backbone> b = extractor_->localBackbone() ? extractor_->localBackbone() : extractor_->globalBackbone();
    if (!roi_.whole() && b)
        fill_ = meanColour(b->manifest().input);
}

FeatureSet FeatureStage::extract(const std::vector<Mat>& images, const UniSLAD::ProgressCallback* progress,
                                 const PatchSampling& sampling) const
{
    FeatureSet f;
    f.count = (int)images.size();
    f.localGrid = extractor_->localGrid();
    f.globalGrid = extractor_->globalGrid();
    f.localRoi = localRoi_;
    f.globalRoi = globalRoi_;
    const int cellsL = f.localInside(), cellsG = f.globalInside();
    f.localCells = sampling.keepLocal > 0 ? std::min(sampling.keepLocal, cellsL) : cellsL;
    f.globalCells = sampling.keepGlobal > 0 ? std::min(sampling.keepGlobal, cellsG) : cellsG;
    if (f.localCells > 0)
        f.local.create(f.count * f.localCells, extractor_->localDims(), CV_32F);
    if (f.globalCells > 0) {
        f.global.create(f.count * f.globalCells, extractor_->globalDims(), CV_32F);
        f.cls.create(f.count, extractor_->classDims(), CV_32F);
    }
    // Copies one batch's rows (all, or a per-image subset) and their image-level features into the set.
    auto store = [&](const Mat& all, const std::vector<int>& roi, int cells, int keep, int start, int n, Mat& rows,
                     Mat& image, uint64 salt) {
        if (cells == 0)
            return;
        const Mat batch = roi.empty() ? all : cellsInside(all, roi, n);
        if (converter_) {
            Mat features;
            imageFeaturesOf(*converter_, batch, n, cells, features);
            if (image.empty())
                image.create(f.count, features.cols, CV_32F);
            features.copyTo(image.rowRange(start, start + n));
        }
        if (keep == cells) {
            batch.copyTo(rows.rowRange(start * cells, (start + n) * cells));
            return;
        }
        for (int j = 0; j < n; ++j)
            sampleRows(batch.rowRange(j * cells, (j + 1) * cells), keep,
                       ((uint64)(uint32_t)sampling.seed << 32) ^ (salt * (uint64)(start + j + 1)),
                       rows.rowRange((start + j) * keep, (start + j + 1) * keep));
    };
    // The only batching: the extractor gets one batch (at most batchSize images) per call.
    for (int start = 0; start < f.count; start += batchSize_) {
        const int end = std::min(f.count, start + batchSize_);
        Mat local, global, cls;
        std::vector<Mat> batch(images.begin() + start, images.begin() + end);
        for (Mat& image : batch)   // what lies outside the region of interest reaches no feature
            image = roi_.masked(image, fill_);
        extractor_->extract(batch, local, global, cls);
        store(local, localRoi_, cellsL, f.localCells, start, end - start, f.local, f.localImage, 0x9E3779B97F4A7C15ull);
        store(global, globalRoi_, cellsG, f.globalCells, start, end - start, f.global, f.globalImage, 0xC2B2AE3D27D4EB4Full);
        if (cellsG > 0)
            cls.copyTo(f.cls.rowRange(start, end));
        if (progress && *progress)
            (*progress)("features", end, f.count);
    }
    return f;
}

}}} // namespace cv::uniSLAD::detail
