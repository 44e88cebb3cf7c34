// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_PREPROCESSOR_HPP
#define OPENCV_UNISLAD_PREPROCESSOR_HPP

#include <opencv2/core.hpp>

namespace cv {
namespace uniSLAD {

//! @addtogroup unislad
//! @{

/** @brief How a backbone wants its input: size, channel order and normalisation.

A pixel value v (in 0..255) of channel c becomes (v · scale − mean[c]) / std[c], channels in the
network's order (RGB for every backbone shipped with the library). Two common settings:
- ImageNet (torchvision): scale = 1/255, mean = (0.485, 0.456, 0.406), std = (0.229, 0.224, 0.225);
- Keras MobileNetV2: x/127.5 − 1, i.e. scale = 1/127.5, mean = (1, 1, 1), std = (1, 1, 1).
*/
struct CV_EXPORTS_W_SIMPLE InputNormalization
{
    CV_WRAP InputNormalization()
        : width(224), height(224), rgb(true), scale(1.0 / 255.0), mean(0.485, 0.456, 0.406),
          std(0.229, 0.224, 0.225)
    {}
    CV_PROP_RW int width;    //!< network input width (default 224)
    CV_PROP_RW int height;   //!< network input height (default 224)
    CV_PROP_RW bool rgb;     //!< the network expects RGB (default) rather than BGR
    CV_PROP_RW double scale; //!< multiplies the 0..255 pixel value first
    CV_PROP_RW Scalar mean;  //!< subtracted per channel, network order
    CV_PROP_RW Scalar std;   //!< divides per channel, network order

    //! torchvision's ImageNet normalisation at 224 × 224 (the defaults above).
    CV_WRAP static InputNormalization imagenet();
    //! Keras MobileNetV2's x/127.5 − 1 at 224 × 224.
    CV_WRAP static InputNormalization keras();
};

/** @brief Turns images into a backbone's input blob (paper: resize to 224 × 224).

Accepts CV_8U (0..255) and CV_16U (scaled to 0..255) images with 1 (gray), 3 (BGR) or 4 (BGRA, alpha
ignored) channels, at least 8 × 8 pixels and at most kMaxImagePixels (2^28, e.g. 16384 × 16384). The
image is resized to the network's input size first, with INTER_AREA when shrinking (it averages, like
an anti-aliased resize) and INTER_LINEAR when enlarging, and only then converted to float, reordered to
the network's channel order and normalised: no full-size copy of the image is made. Anything else
raises cv::Exception naming the image, what was expected and what was found.

The pixel limit bounds what a caller can make the library allocate per image: UniSLAD::detect()
returns an anomaly map of the input's size in CV_32F (4 bytes per pixel, 1 GiB at the limit).
Downscale larger images before passing them.
*/
class CV_EXPORTS_W Preprocessor
{
public:
    //! The largest image accepted, in pixels (rows × cols): 2^28 = 268 435 456.
    static const int kMaxImagePixels = 1 << 28;

    CV_WRAP explicit Preprocessor(const InputNormalization& normalization = InputNormalization());

    /** @brief One image to a 1 × 3 × height × width CV_32F blob. */
    CV_WRAP void apply(InputArray image, OutputArray blob) const;

    /** @brief N images to an N × 3 × height × width CV_32F blob, in order; sizes may differ.
        Pass a std::vector<Mat> (a single Mat would be taken as a list of its rows). */
    CV_WRAP void applyBatch(InputArrayOfArrays images, OutputArray blob) const;

    CV_WRAP InputNormalization getNormalization() const { return norm_; }

    /** @brief Checks an image against the rule above, without preprocessing it.

    The rule apply(), applyBatch(), UniSLAD::fit() and UniSLAD::detect() enforce: CV_8U or CV_16U,
    1, 3 or 4 channels, at least 8 × 8 pixels, at most kMaxImagePixels. Call it where the image is
    obtained (e.g. right after cv::imread) to report a refused image with its origin rather than
    with its position in a later batch.
    @param image the image to check.
    @param name what to call the image in the error message, e.g. its file path.
    @throws cv::Exception (StsBadArg for an empty image or a wrong depth or channel count,
    StsBadSize for a wrong size) with the message
    "Preprocessor: <name>: expected <what>, found <what>".
    */
    CV_WRAP static void check(InputArray image, const String& name);

private:
    void toPlanes(const Mat& image, float* dst) const;
    InputNormalization norm_;
};

//! @}

}} // namespace cv::uniSLAD

#endif // OPENCV_UNISLAD_PREPROCESSOR_HPP
