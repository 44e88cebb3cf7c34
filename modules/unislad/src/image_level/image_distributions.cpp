// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "image_level/image_distributions.hpp"
#include "detector/component_params.hpp"

namespace cv {
namespace uniSLAD {
namespace detail {

Ptr<GaussianModel> ImageDistributions::fitGaussian(const Params& p, const Mat& x)
{
    Ptr<GaussianModel> g = GaussianModel::create(gaussianParams(p));
    g->fit(x);
    return g;
}

ImageDistributions ImageDistributions::fit(const Params& p, const FeatureSet& f, const UniSLAD::ProgressCallback* progress)
{
    ImageDistributions d;
    if (!p.useImageDistribution)
        return d;
    if (p.useLocal) {
        CV_Assert(f.localImage.rows == f.count);
        d.localFeatures = f.localImage.clone();
        d.local = fitGaussian(p, d.localFeatures);
    }
    if (p.useGlobal) {
        CV_Assert(f.globalImage.rows == f.count);
        d.globalFeatures = f.globalImage.clone();
        d.global = fitGaussian(p, d.globalFeatures);
        d.classFeatures = f.cls.clone();
        d.cls = fitGaussian(p, d.classFeatures);
    }
    if (progress && *progress)
        (*progress)("distributions", 1, 1);
    return d;
}

ImageDistributions ImageDistributions::extended(const Params& p, const FeatureSet& f) const
{
    ImageDistributions d;
    const auto grow = [&](const Mat& stored, const Mat& added, Mat& all, Ptr<GaussianModel>& g) {
        if (stored.empty())
            return;
        CV_Assert(added.rows == f.count && added.cols == stored.cols);
        vconcat(stored, added, all);
        g = fitGaussian(p, all);
    };
    grow(localFeatures, f.localImage, d.localFeatures, d.local);
    grow(globalFeatures, f.globalImage, d.globalFeatures, d.global);
    grow(classFeatures, f.cls, d.classFeatures, d.cls);
    return d;
}

void ImageDistributions::score(const FeatureSet& f, int i, ComponentScores& c) const
{
    if (local) {
        CV_Assert(f.localImage.rows == f.count);
        c.imageLocal = (float)local->distance(f.localImage.row(i));
    }
    if (global) {
        CV_Assert(f.globalImage.rows == f.count);
        c.imageGlobal = (float)global->distance(f.globalImage.row(i));
        c.imageClass = (float)cls->distance(f.cls.row(i));
    }
}

}}} // namespace cv::uniSLAD::detail
