// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_LOCAL_AGGREGATION_HPP
#define OPENCV_UNISLAD_LOCAL_AGGREGATION_HPP

#include <opencv2/core.hpp>

namespace cv {
namespace uniSLAD {

//! @addtogroup unislad
//! @{

/** @brief Locally aware patch features of a CNN's feature maps (paper Eq. 1-2).

For every tap (a feature map C × H × W) and every location (h, w), the p × p neighbourhood is unfolded
into a C·p·p vector (zero padding at the border, channel-major order (c, i, j) as torch.nn.Unfold) and
reduced to `pretrainDims` values by adaptive average pooling over that vector. Maps whose grid is not
K × K are resized to K × K bilinearly (half-pixel centres, as torch's `interpolate(...,
align_corners=False)`). Finally the per-tap vectors of a location are concatenated, in tap order, and
reduced to `targetDims` by a second adaptive average pooling. This is PatchCore's `patchify`,
`MeanMapper` and `Aggregator` in one pass.

Pooling and resizing are both linear and act on different axes, so the resize is applied after the
first pooling (on `pretrainDims` planes rather than C·p·p): the same result with far less work.

Adaptive average pooling from length n to m averages, for output i, the inputs
[floor(i·n/m), ceil((i+1)·n/m)), as torch.nn.functional.adaptive_avg_pool1d.
*/
class CV_EXPORTS_W LocalFeatureAggregator
{
public:
    /** @brief Parameters of the locally aware patch features (paper Eq. 1-2, PatchCore's aggregation). */
    struct CV_EXPORTS_W_SIMPLE Params
    {
        CV_WRAP Params() : patchSize(3), gridSize(0), pretrainDims(1024), targetDims(1024) {}
        //! Neighbourhood size p of Eq. 1 (odd; zero padding of p/2 keeps the grid). Default 3.
        CV_PROP_RW int patchSize;
        //! Local grid K: every tap is brought to K × K. 0 (default): the grid of the first tap.
        CV_PROP_RW int gridSize;
        //! Per-tap dimension after the first adaptive average pooling ("pretrain" dimension). Default 1024.
        CV_PROP_RW int pretrainDims;
        //! Dimension of the final local feature after pooling the concatenated taps. Default 1024.
        CV_PROP_RW int targetDims;
    };

    CV_WRAP explicit LocalFeatureAggregator(const Params& params = Params());

    /** @brief Aggregates the taps of a batch of images.
    @param taps one 4-D CV_32F blob per tap, N × C_t × H_t × W_t, as cv::dnn::Net::forward returns them;
           every tap has the same N. 3-D blobs (C × H × W) are taken as N = 1.
    @param features output, (N·K²) × targetDims CV_32F: image-major, then row-major locations
           (row n·K² + h·K + w is location (h, w) of image n).
    */
    CV_WRAP void aggregate(InputArrayOfArrays taps, OutputArray features) const;

    /** @brief The grid K that aggregate() produces for taps of these sizes (gridSize, or the first
        tap's height when gridSize is 0; the first tap must then be square). */
    CV_WRAP int gridFor(InputArrayOfArrays taps) const;

    CV_WRAP Params getParams() const { return params_; }

private:
    Params params_;
};

//! The former name of LocalFeatureAggregator::Params.
typedef LocalFeatureAggregator::Params LocalAggregationParams;

/** @brief torch.nn.functional.adaptive_avg_pool1d of each row of a CV_32F matrix to `outLength` columns.
    Exposed for tests and for users who aggregate their own features. */
CV_EXPORTS_W void adaptiveAveragePool1D(InputArray src, int outLength, OutputArray dst);

//! @}

}} // namespace cv::uniSLAD

#endif // OPENCV_UNISLAD_LOCAL_AGGREGATION_HPP
