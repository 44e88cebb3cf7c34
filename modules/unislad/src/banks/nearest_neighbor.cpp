// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "banks/nearest_neighbor_impl.hpp"

namespace cv {
namespace uniSLAD {
namespace detail {

const char* metricName(int metric)
{
    switch (metric) {
    case NearestNeighborIndex::L2: return "L2";
    case NearestNeighborIndex::L2_SQUARED: return "L2_SQUARED";
    case NearestNeighborIndex::INNER_PRODUCT: return "INNER_PRODUCT";
    default: return "unknown";
    }
}

void checkMetric(int metric, const char* func)
{
    if (metric == NearestNeighborIndex::L2 || metric == NearestNeighborIndex::L2_SQUARED ||
        metric == NearestNeighborIndex::INNER_PRODUCT)
        return;
    CV_Error(Error::StsOutOfRange,
             format("%s: metric: expected one of L2 (0), L2_SQUARED (1), INNER_PRODUCT (2), found %d", func, metric));
}

void checkSearch(const Mat& queries, int dims, int count, int k, const char* func)
{
    checkVectors(queries, dims, func, "queries");
    if (count == 0)
        CV_Error(Error::StsBadArg, format("%s: index: expected a non-empty index (call add() first), found 0 vectors",
                                          func));
    if (k < 1 || k > count)
        CV_Error(Error::StsOutOfRange, format("%s: k: expected a value in [1, %d] (the index size), found %d",
                                              func, count, k));
}

SearchOutputs::SearchOutputs(int nq, int k, int metric_, OutputArray distances, OutputArray indices)
    : metric(metric_)
{
    if (distances.needed()) {
        distances.create(nq, k, CV_32F);
        dist = distances.getMat();
    }
    if (indices.needed()) {
        indices.create(nq, k, CV_32S);
        idx = indices.getMat();
    }
}

void SearchOutputs::set(int i, int r, double key, int id)
{
    if (!dist.empty())
        dist.at<float>(i, r) = float(metric == NearestNeighborIndex::L2 ? std::sqrt(key)
                                     : metric == NearestNeighborIndex::L2_SQUARED ? key : -key);
    if (!idx.empty())
        idx.at<int>(i, r) = id;
}

void checkVectors(const Mat& vectors, int dims, const char* func, const char* arg, std::vector<double>* squaredNorms)
{
    checkFeatureMatrix(vectors, func, arg, 1, dims);
    checkFinite(vectors, func, arg);
    if (squaredNorms)
        squaredNorms->resize(vectors.rows);
    for (int i = 0; i < vectors.rows; ++i) {
        const float* v = vectors.ptr<float>(i);
        double s = 0.0;
        for (int j = 0; j < vectors.cols; ++j)
            s += double(v[j]) * v[j];
        if (!(s <= kMaxSquaredNorm))
            CV_Error(Error::StsBadArg, format("%s: %s: expected squared norms of at most %g, found %g at row %d",
                                              func, arg, kMaxSquaredNorm, s, i));
        if (squaredNorms)
            (*squaredNorms)[i] = s;
    }
}

}}} // namespace cv::uniSLAD::detail
