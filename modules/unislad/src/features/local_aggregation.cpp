// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "opencv2/unislad/local_aggregation.hpp"

namespace cv {
namespace uniSLAD {

namespace {

//! Input range [begin, end) of each output of an adaptive average pooling from n to m.
struct PoolBin { int begin, end; };

std::vector<PoolBin> adaptiveBins(int n, int m)
{
    std::vector<PoolBin> bins(m);
    for (int i = 0; i < m; ++i) {
        bins[i].begin = static_cast<int>((int64_t)i * n / m);
        bins[i].end = static_cast<int>(((int64_t)(i + 1) * n + m - 1) / m);
    }
    return bins;
}

//! One source sample of a bilinear resize along one axis, torch semantics (align_corners=False).
struct LinearTap { int i0, i1; float w0, w1; };

std::vector<LinearTap> linearTaps(int inSize, int outSize)
{
    std::vector<LinearTap> taps(outSize);
    const double scale = (double)inSize / outSize;
    for (int o = 0; o < outSize; ++o) {
        const double src = std::max(0.0, (o + 0.5) * scale - 0.5);
        const int i0 = std::min((int)src, inSize - 1);
        const int i1 = std::min(i0 + 1, inSize - 1);
        const float lambda = (float)(src - i0);
        taps[o] = { i0, i1, 1.f - lambda, lambda };
    }
    return taps;
}

//! A tap as a view on one image: C × H × W floats.
struct TapView { const float* data; int channels, height, width; };

std::vector<Mat> blobsOf(InputArrayOfArrays taps, const char* func)
{
    if (taps.empty() || taps.kind() == _InputArray::NONE)
        CV_Error(Error::StsBadArg, format("%s: taps: expected at least one feature map, found none", func));
    std::vector<Mat> blobs;
    taps.getMatVector(blobs);
    if (blobs.empty())
        CV_Error(Error::StsBadArg, format("%s: taps: expected at least one feature map, found none", func));
    int batch = -1;
    for (size_t t = 0; t < blobs.size(); ++t) {
        Mat& b = blobs[t];
        if (b.empty() || b.type() != CV_32FC1 || (b.dims != 3 && b.dims != 4))
            CV_Error(Error::StsBadArg, format("%s: taps[%d]: expected a 4-D (N x C x H x W) or 3-D CV_32FC1 blob, found %s",
                                              func, (int)t, detail::describeMat(b).c_str()));
        if (b.dims == 3) {
            const int sz[] = { 1, b.size[0], b.size[1], b.size[2] };
            b = b.reshape(1, 4, sz);
        }
        if (!b.isContinuous())
            b = b.clone();
        if (batch >= 0 && b.size[0] != batch)
            CV_Error(Error::StsBadSize, format("%s: taps[%d]: expected batch size %d like taps[0], found %d",
                                               func, (int)t, batch, b.size[0]));
        batch = b.size[0];
        detail::checkFinite(b.reshape(1, (int)(b.total() / b.size[3])), func, format("taps[%d]", (int)t).c_str());
    }
    return blobs;
}

/** Unfolds p × p neighbourhoods of one tap and pools each C·p·p vector to `dims` values.
    Output: (H·W) × dims, row-major locations. */
Mat unfoldAndPool(const TapView& tap, int patchSize, int dims)
{
    const int pad = patchSize / 2;
    const int window = patchSize * patchSize;
    const int flat = tap.channels * window;
    const std::vector<PoolBin> bins = adaptiveBins(flat, dims);
    const int plane = tap.height * tap.width;
    // Element f of the unfolded vector is channel f / p², window offset (dy, dx) = (f % p² / p, f % p² % p)
    // - pad: its offset from the window's centre in the tap is the same at every location, so it is
    // computed once here instead of by four integer divisions per element and location.
    struct Element { ptrdiff_t offset; int dy, dx; };
    std::vector<Element> elements(flat);
    for (int f = 0; f < flat; ++f) {
        const int c = f / window, k = f % window;
        const int dy = k / patchSize - pad, dx = k % patchSize - pad;
        elements[f] = { ((ptrdiff_t)c * tap.height + dy) * tap.width + dx, dy, dx };
    }
    Mat out(plane, dims, CV_32F);
    parallel_for_(Range(0, plane), [&](const Range& r) {
        for (int loc = r.start; loc < r.end; ++loc) {
            const int h = loc / tap.width, w = loc % tap.width;
            const float* centre = tap.data + loc;
            float* dst = out.ptr<float>(loc);
            // The same sums in the same order either way; only the bounds test is left out inside.
            const bool inside = h >= pad && h < tap.height - pad && w >= pad && w < tap.width - pad;
            for (int b = 0; b < dims; ++b) {
                double sum = 0;
                if (inside) {
                    for (int f = bins[b].begin; f < bins[b].end; ++f)
                        sum += centre[elements[f].offset];
                } else {
                    for (int f = bins[b].begin; f < bins[b].end; ++f) {
                        const Element& e = elements[f];
                        const int y = h + e.dy, x = w + e.dx;
                        if (y >= 0 && y < tap.height && x >= 0 && x < tap.width)  // zero padding outside
                            sum += centre[e.offset];
                    }
                }
                dst[b] = (float)(sum / (bins[b].end - bins[b].begin));
            }
        }
    });
    return out;
}

/** Bilinear resize of an (H·W) × D grid of vectors to (K·K) × D, written into columns
    [col0, col0 + D) of `dst`. */
void resizeGridInto(const Mat& src, int height, int width, int grid, Mat& dst, int col0)
{
    const int dims = src.cols;
    const std::vector<LinearTap> ty = linearTaps(height, grid), tx = linearTaps(width, grid);
    parallel_for_(Range(0, grid * grid), [&](const Range& r) {
        for (int loc = r.start; loc < r.end; ++loc) {
            const LinearTap& a = ty[loc / grid];
            const LinearTap& b = tx[loc % grid];
            const float* p00 = src.ptr<float>(a.i0 * width + b.i0);
            const float* p01 = src.ptr<float>(a.i0 * width + b.i1);
            const float* p10 = src.ptr<float>(a.i1 * width + b.i0);
            const float* p11 = src.ptr<float>(a.i1 * width + b.i1);
            float* out = dst.ptr<float>(loc) + col0;
            for (int d = 0; d < dims; ++d)
                out[d] = a.w0 * (b.w0 * p00[d] + b.w1 * p01[d]) + a.w1 * (b.w0 * p10[d] + b.w1 * p11[d]);
        }
    });
}

} // namespace

void adaptiveAveragePool1D(InputArray _src, int outLength, OutputArray _dst)
{
    const Mat src = _src.getMat();
    detail::checkFeatureMatrix(src, "adaptiveAveragePool1D", "src");
    if (outLength < 1)
        CV_Error(Error::StsOutOfRange, format("adaptiveAveragePool1D: outLength: expected >= 1, found %d", outLength));
    const std::vector<PoolBin> bins = adaptiveBins(src.cols, outLength);
    _dst.create(src.rows, outLength, CV_32F);
    Mat dst = _dst.getMat();
    for (int i = 0; i < src.rows; ++i) {
        const float* s = src.ptr<float>(i);
        float* d = dst.ptr<float>(i);
        for (int b = 0; b < outLength; ++b) {
            double sum = 0;
            for (int f = bins[b].begin; f < bins[b].end; ++f)
                sum += s[f];
            d[b] = (float)(sum / (bins[b].end - bins[b].begin));
        }
    }
}

LocalFeatureAggregator::LocalFeatureAggregator(const LocalFeatureAggregator::Params& params) : params_(params)
{
    const char* f = "LocalFeatureAggregator";
    if (params.patchSize < 1 || params.patchSize % 2 == 0)
        CV_Error(Error::StsOutOfRange, format("%s: patchSize: expected an odd value >= 1, found %d", f, params.patchSize));
    if (params.gridSize < 0)
        CV_Error(Error::StsOutOfRange, format("%s: gridSize: expected >= 0 (0: first tap's grid), found %d", f, params.gridSize));
    if (params.pretrainDims < 1)
        CV_Error(Error::StsOutOfRange, format("%s: pretrainDims: expected >= 1, found %d", f, params.pretrainDims));
    if (params.targetDims < 1)
        CV_Error(Error::StsOutOfRange, format("%s: targetDims: expected >= 1, found %d", f, params.targetDims));
}

int LocalFeatureAggregator::gridFor(InputArrayOfArrays taps) const
{
    const std::vector<Mat> blobs = blobsOf(taps, "LocalFeatureAggregator::gridFor");
    if (params_.gridSize > 0)
        return params_.gridSize;
    const Mat& first = blobs[0];
    if (first.size[2] != first.size[3])
        CV_Error(Error::StsBadSize, format("LocalFeatureAggregator: taps[0]: expected a square grid when gridSize is 0, found %dx%d",
                                           first.size[2], first.size[3]));
    return first.size[2];
}

void LocalFeatureAggregator::aggregate(InputArrayOfArrays taps, OutputArray _features) const
{
    const std::vector<Mat> blobs = blobsOf(taps, "LocalFeatureAggregator::aggregate");
    const int grid = gridFor(taps);
    const int batch = blobs[0].size[0];
    const int numTaps = (int)blobs.size();
    const int locations = grid * grid;

    _features.create(batch * locations, params_.targetDims, CV_32F);
    Mat features = _features.getMat();
    Mat concatenated(locations, numTaps * params_.pretrainDims, CV_32F);
    for (int n = 0; n < batch; ++n) {
        for (int t = 0; t < numTaps; ++t) {
            const Mat& b = blobs[t];
            const TapView view{ b.ptr<float>(n), b.size[1], b.size[2], b.size[3] };
            const Mat pooled = unfoldAndPool(view, params_.patchSize, params_.pretrainDims);
            resizeGridInto(pooled, view.height, view.width, grid, concatenated, t * params_.pretrainDims);
        }
        Mat out = features.rowRange(n * locations, (n + 1) * locations);
        if (concatenated.cols == params_.targetDims)
            concatenated.copyTo(out);
        else
            adaptiveAveragePool1D(concatenated, params_.targetDims, out);
    }
}

}} // namespace cv::uniSLAD
