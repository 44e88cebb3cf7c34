// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "opencv2/unislad/preprocessor.hpp"

#include <opencv2/imgproc.hpp>

namespace cv {
namespace uniSLAD {

namespace detail {

void checkImage(const Mat& image, const char* func, const std::string& name)
{
    const int kMinImageSide = 8;
    if (image.empty())
        CV_Error(Error::StsBadArg, format("%s: %s: expected an image, found an empty matrix", func, name.c_str()));
    if (image.dims != 2 || (image.depth() != CV_8U && image.depth() != CV_16U) ||
        (image.channels() != 1 && image.channels() != 3 && image.channels() != 4))
        CV_Error(Error::StsBadArg, format("%s: %s: expected an 8- or 16-bit image with 1, 3 or 4 channels "
                                          "(gray, BGR, BGRA), found %s", func, name.c_str(), describeMat(image).c_str()));
    if (image.rows < kMinImageSide || image.cols < kMinImageSide)
        CV_Error(Error::StsBadSize, format("%s: %s: expected at least %dx%d pixels, found %dx%d",
                                           func, name.c_str(), kMinImageSide, kMinImageSide, image.cols, image.rows));
    if ((uint64)image.rows * (uint64)image.cols > (uint64)Preprocessor::kMaxImagePixels)
        CV_Error(Error::StsBadSize, format("%s: %s: expected at most %d pixels (e.g. 16384x16384; downscale "
                                           "larger images first), found %dx%d", func, name.c_str(),
                                           (int)Preprocessor::kMaxImagePixels, image.cols, image.rows));
}

} // namespace detail

InputNormalization InputNormalization::imagenet()
{
    return InputNormalization();
}

InputNormalization InputNormalization::keras()
{
    InputNormalization n;
    n.scale = 1.0 / 127.5;
    n.mean = Scalar::all(1.0);
    n.std = Scalar::all(1.0);
    return n;
}

void Preprocessor::check(InputArray image, const String& name)
{
    detail::checkImage(image.getMat(), "Preprocessor", name);
}

Preprocessor::Preprocessor(const InputNormalization& normalization) : norm_(normalization)
{
    const char* f = "Preprocessor";
    if (norm_.width < 1 || norm_.height < 1)
        CV_Error(Error::StsOutOfRange, format("%s: input size: expected positive width and height, found %dx%d",
                                              f, norm_.width, norm_.height));
    if (!(norm_.scale > 0) || !std::isfinite(norm_.scale))
        CV_Error(Error::StsOutOfRange, format("%s: scale: expected a positive finite value, found %g", f, norm_.scale));
    for (int c = 0; c < 3; ++c)
        if (!(norm_.std[c] > 0) || !std::isfinite(norm_.std[c]) || !std::isfinite(norm_.mean[c]))
            CV_Error(Error::StsOutOfRange, format("%s: std[%d]: expected a positive finite value (mean finite), found std %g, mean %g",
                                                  f, c, norm_.std[c], norm_.mean[c]));
}

void Preprocessor::toPlanes(const Mat& image, float* dst) const
{
    const Size target(norm_.width, norm_.height);
    Mat resized;
    if (image.size() == target)
        resized = image;
    else {
        const bool shrinking = image.cols > target.width || image.rows > target.height;
        resize(image, resized, target, 0, 0, shrinking ? INTER_AREA : INTER_LINEAR);
    }
    Mat bgr;
    if (resized.channels() == 1)
        cvtColor(resized, bgr, COLOR_GRAY2BGR);
    else if (resized.channels() == 4)
        cvtColor(resized, bgr, COLOR_BGRA2BGR);
    else
        bgr = resized;

    // One affine map per channel: (v * toByte * scale - mean) / std, with v the raw 8/16-bit value.
    const double toByte = image.depth() == CV_16U ? 255.0 / 65535.0 : 1.0;
    const size_t plane = (size_t)target.area();
    std::vector<Mat> bgrPlanes;
    split(bgr, bgrPlanes);
    for (int c = 0; c < 3; ++c) {
        const int source = norm_.rgb ? 2 - c : c;  // network channel c comes from BGR plane `source`
        Mat out(target, CV_32F, dst + c * plane);
        bgrPlanes[source].convertTo(out, CV_32F, toByte * norm_.scale / norm_.std[c], -norm_.mean[c] / norm_.std[c]);
    }
}

void Preprocessor::apply(InputArray image, OutputArray blob) const
{
    applyBatch(std::vector<Mat>{ image.getMat() }, blob);
}

void Preprocessor::applyBatch(InputArrayOfArrays images, OutputArray _blob) const
{
    std::vector<Mat> list;
    if (!images.empty())
        images.getMatVector(list);
    if (list.empty())
        CV_Error(Error::StsBadArg, "Preprocessor: images: expected at least one image, found none");
    const int sz[] = { (int)list.size(), 3, norm_.height, norm_.width };
    _blob.create(4, sz, CV_32F);
    Mat blob = _blob.getMat();
    for (size_t i = 0; i < list.size(); ++i)
        detail::checkImage(list[i], "Preprocessor", format("images[%d]", (int)i));  // before the parallel loop, so the error reaches the caller as is
    const size_t perImage = (size_t)3 * norm_.height * norm_.width;
    parallel_for_(Range(0, (int)list.size()), [&](const Range& r) {
        for (int i = r.start; i < r.end; ++i)
            toPlanes(list[i], blob.ptr<float>() + i * perImage);
    });
}

}} // namespace cv::uniSLAD
