// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_IMAGE_FEATURE_HPP
#define OPENCV_UNISLAD_IMAGE_FEATURE_HPP

#include <opencv2/core.hpp>

namespace cv {
namespace uniSLAD {

//! @addtogroup unislad
//! @{

/** @brief Converts the patch features of one image into one image-level feature (paper section
III-C, Eq. 12-14).

The input is the set of patch features of ONE image: a K² × C matrix (CV_32FC1, one patch a row,
one channel a column; any number of rows, K² need not be a square). The output is a 1 × D CV_32FC1
row, computed channel by channel with double accumulators:

- **MEAN**: the plain average over patches (D = C), the baseline of the paper's Table IV.
- **PMP** (power mean pooling, Eq. 12): \f$ f_{pmp} = \big(\frac{1}{K^2}\sum x^q\big)^{1/q} \f$ per
  channel (D = C), q = 3 by default. Transformer tokens can be negative, where \f$x^q\f$ and the
  1/q-th root are undefined for non-integer q, so the *signed power mean* is used:
  \f[ m = \frac{1}{K^2}\sum \mathrm{sign}(x)\,|x|^q, \qquad f_{pmp} = \mathrm{sign}(m)\,|m|^{1/q}. \f]
  For non-negative inputs (CNN features after ReLU) it equals Eq. 12 exactly. With q = 1 it is the
  mean. If \f$|x|^q\f$ would overflow or underflow a double, the channel is recomputed on
  \f$x / \max|x|\f$ and rescaled (same value, no Inf).
- **LUM** (lower-upper mean, Eq. 13): per channel, the values are ordered, the t smallest and the t
  largest are dropped, with \f$ t = \lfloor \alpha K^2 \rfloor \f$ (α = 0.05 by default), and the
  remaining \f$K^2 - 2t\f$ are averaged (D = C). α = 0 gives the mean. Each channel is trimmed on its
  own (partial selection with std::nth_element, O(K²) per channel).
- **PMP_LUM** (Eq. 14, the default): concat(f_pmp, f_lum), PMP first (D = 2C).

The result does not depend on the number of threads (cv::setNumThreads).

Example:
@code
    Ptr<uniSLAD::ImageFeatureConverter> ifc = uniSLAD::ImageFeatureConverter::create();  // PMP_LUM, q = 3, α = 0.05
    Mat feature;               // 1 × 2C
    ifc->convert(patches, feature);  // patches: K² × C, CV_32F
@endcode
*/
class CV_EXPORTS_W ImageFeatureConverter : public Algorithm
{
public:
    /** @brief How patch features are pooled (the ablation of the paper's Table IV). */
    enum Mode
    {
        MEAN = 0,    //!< plain average, 1 × C
        PMP = 1,     //!< power mean pooling (Eq. 12, signed for negative inputs), 1 × C
        LUM = 2,     //!< lower-upper (trimmed) mean (Eq. 13), 1 × C
        PMP_LUM = 3  //!< concat(PMP, LUM) (Eq. 14), 1 × 2C
    };

    /** @brief Parameters of the conversion. */
    struct CV_EXPORTS_W_SIMPLE Params
    {
        CV_WRAP Params();

        /** Pooling, one of ImageFeatureConverter::Mode. Default: PMP_LUM (3). */
        CV_PROP_RW int mode;
        /** Power q of PMP (Eq. 12), q > 0 and finite; q > 1 stresses high responses. Default: 3. */
        CV_PROP_RW double q;
        /** Trimming proportion α of LUM (Eq. 13), in [0, 0.5); t = floor(α·K²) values are dropped at
            each end of every channel. Default: 0.05. */
        CV_PROP_RW double alpha;

        /** @brief Reads the fields present in a FileNode (missing ones keep their value). */
        void read(const FileNode& fn);
        /** @brief Writes the fields (mode, q, alpha). */
        void write(FileStorage& fs) const;
    };

    /** @brief Creates a converter.
    @param params conversion parameters; checked here (mode known, q in (0, ∞), α in [0, 0.5)).
    */
    CV_WRAP static Ptr<ImageFeatureConverter> create(const ImageFeatureConverter::Params& params =
                                                         ImageFeatureConverter::Params());

    /** @brief Converts the patch features of one image into its image feature.
    @param patches K² × C, CV_32FC1, finite, one patch a row. For LUM and PMP_LUM, K² > 2·floor(α·K²).
    @param feature output, 1 × featureDim(C), CV_32FC1.
    */
    CV_WRAP virtual void convert(InputArray patches, OutputArray feature) const = 0;

    /** @brief Converts several images at once, in parallel over the images.
    @param patchSets one K_i² × C matrix per image (as for convert(); the patch counts may differ,
           the channel count C must be the same). A single Mat is taken as one image.
    @param features output, N × featureDim(C), CV_32FC1: row i is convert(patchSets[i]).
    */
    CV_WRAP virtual void convertBatch(InputArrayOfArrays patchSets, OutputArray features) const = 0;

    /** @brief Output dimension D for C input channels: C, or 2C for PMP_LUM. */
    CV_WRAP virtual int featureDim(int channels) const = 0;

    /** @brief The current parameters. */
    CV_WRAP virtual ImageFeatureConverter::Params getParams() const = 0;
    /** @brief Replaces the parameters (checked as in create()). */
    CV_WRAP virtual void setParams(const ImageFeatureConverter::Params& params) = 0;
};

//! @}

}} // namespace cv::uniSLAD

#endif // OPENCV_UNISLAD_IMAGE_FEATURE_HPP
