// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "opencv2/unislad/memory_bank.hpp"
#include "opencv2/unislad/coreset.hpp"
#include "banks/nearest_neighbor_impl.hpp"

namespace cv {
namespace uniSLAD {

MemoryBank::Params::Params()
    : coresetRatio(0.1), projectionDims(128), seed(0), mahalanobis(true),
      regularization(MahalanobisTransform::RIDGE), epsilon(1e-3), metric(NearestNeighborIndex::L2),
      index(INDEX_EXACT), autoIndexThreshold(50000)
{
    hnsw.seed = 0;
}

namespace {

void checkParams(const MemoryBank::Params& p)
{
    detail::checkValueRange(p.coresetRatio, 0.0, 1.0, "MemoryBank", "coresetRatio", true, false);
    if (p.projectionDims < 0)
        CV_Error(Error::StsOutOfRange, format("MemoryBank: projectionDims: expected >= 0, found %d", p.projectionDims));
    if (p.metric != NearestNeighborIndex::L2 && p.metric != NearestNeighborIndex::L2_SQUARED &&
        p.metric != NearestNeighborIndex::INNER_PRODUCT)
        CV_Error(Error::StsOutOfRange, format("MemoryBank: metric: expected L2 (0), L2_SQUARED (1) or INNER_PRODUCT (2), found %d", p.metric));
    detail::checkIndexType(p.index, "MemoryBank");
    if (p.autoIndexThreshold < 1)
        CV_Error(Error::StsOutOfRange, format("MemoryBank: autoIndexThreshold: expected >= 1, found %d", p.autoIndexThreshold));
    detail::checkHnswParams(p.hnsw, "MemoryBank");
}

MahalanobisTransform::Params transformParams(const MemoryBank::Params& p)
{
    MahalanobisTransform::Params t;
    t.regularization = p.regularization;
    if (p.regularization == MahalanobisTransform::RIDGE)
        t.epsilon = p.epsilon;
    else
        t.shrinkage = p.epsilon;
    return t;
}

class MemoryBankImpl CV_FINAL : public MemoryBank
{
public:
    explicit MemoryBankImpl(const MemoryBank::Params& p) : params_(p) { checkParams(p); }

    void fit(InputArray _features) CV_OVERRIDE
    {
        const Mat features = _features.getMat();
        detail::checkFeatureMatrix(features, "MemoryBank::fit", "features", params_.mahalanobis ? 2 : 1);
        detail::checkFinite(features, "MemoryBank::fit", "features");
        const int keep = params_.coresetRatio < 1.0 ? 0 : features.rows;   // 0: by the ratio
        fitSelection(features, features.rows, keep, "MemoryBank::fit");
    }

    Ptr<MemoryBank> extended(InputArray _features) const CV_OVERRIDE
    {
        const char* const func = "MemoryBank::extended";
        if (!index_)
            CV_Error(Error::StsError, format("%s: the bank is empty: call fit() first", func));
        if (coreset_.empty())
            CV_Error(Error::StsError, format("%s: the bank was restored without its coreset before the transform "
                                             "(a model saved before banks could grow): fit it again", func));
        const Mat features = _features.getMat();
        detail::checkFeatureMatrix(features, func, "features", 1, coreset_.cols);
        detail::checkFinite(features, func, "features");
        Mat pool;
        vconcat(coreset_, features, pool);
        const int64 total = (int64)sourceCount_ + features.rows;
        CV_Assert(total <= INT_MAX);
        // As many as fit() keeps of `total` rows (CoresetSampler::selectionCount), at most the pool.
        const int keep = params_.coresetRatio < 1.0
                       ? std::min(pool.rows, std::max(1, (int)std::floor(params_.coresetRatio * (double)total + 0.5)))
                       : pool.rows;
        Ptr<MemoryBankImpl> grown = makePtr<MemoryBankImpl>(params_);
        grown->fitSelection(pool, (int)total, keep, func);
        return grown;
    }

    void nearest(InputArray queries, OutputArray distances) const CV_OVERRIDE
    {
        if (!index_)
            CV_Error(Error::StsError, "MemoryBank::nearest: the bank is empty: call fit() first");
        Mat q = queries.getMat();
        detail::checkFeatureMatrix(q, "MemoryBank::nearest", "queries", 1, bank_.cols);
        Mat transformed;
        transform(q, transformed);
        Mat idx;
        index_->search(transformed, 1, distances, idx);
    }

    void transform(InputArray features, OutputArray out) const CV_OVERRIDE
    {
        if (transform_) {
            transform_->apply(features, out);
        } else if (params_.metric == NearestNeighborIndex::INNER_PRODUCT) {
            // Without MT an inner-product bank still compares directions (cosine), as Eq. 17 does on
            // the row-normalised output of MT: raw products would be unbounded.
            Mat m = features.getMat(), n;
            m.copyTo(n);
            for (int i = 0; i < n.rows; ++i) {
                const double len = cv::norm(n.row(i));
                if (len > 0)
                    n.row(i) *= 1.0 / len;
            }
            n.copyTo(out);
        } else {
            features.copyTo(out);
        }
    }

    Mat getBank() const CV_OVERRIDE { return bank_; }
    Ptr<MahalanobisTransform> getTransform() const CV_OVERRIDE { return transform_; }
    std::vector<int> getCoresetIndices() const CV_OVERRIDE { return coresetIndices_; }
    Mat getCoreset() const CV_OVERRIDE { return coreset_; }
    int getSourceCount() const CV_OVERRIDE { return sourceCount_; }
    MemoryBank::Params getParams() const CV_OVERRIDE { return params_; }
    int size() const CV_OVERRIDE { return bank_.rows; }
    int dims() const CV_OVERRIDE { return bank_.cols; }
    bool empty() const CV_OVERRIDE { return bank_.empty(); }
    String getDefaultName() const CV_OVERRIDE { return "UniSLAD_MemoryBank"; }

    Ptr<NearestNeighborIndex> getIndex() const CV_OVERRIDE { return index_; }

    void restore(InputArray bank, const Ptr<MahalanobisTransform>& transform, const std::vector<uchar>& graph,
                 InputArray coreset, int sourceCount)
    {
        const Mat b = bank.getMat();
        detail::checkFeatureMatrix(b, "MemoryBank::create", "bank");
        const Mat c = coreset.getMat();
        if (!c.empty()) {
            detail::checkFeatureMatrix(c, "MemoryBank::create", "coreset", b.rows, b.cols);
            if (c.rows != b.rows)
                CV_Error(Error::StsBadSize, format("MemoryBank::create: coreset: expected %d rows (one per bank "
                                                   "vector), found %d", b.rows, c.rows));
        }
        if (sourceCount < 0 || (sourceCount > 0 && sourceCount < b.rows))
            CV_Error(Error::StsOutOfRange, format("MemoryBank::create: sourceCount: expected 0 (unknown) or at least "
                                                  "the bank's %d vectors, found %d", b.rows, sourceCount));
        if (params_.mahalanobis && (!transform || transform->empty() || transform->dims() != b.cols))
            CV_Error(Error::StsBadArg, format("MemoryBank::create: transform: expected a fitted transform of %d dims "
                                              "(params.mahalanobis is set), found %s", b.cols,
                                              !transform || transform->empty() ? "none" : format("%d dims", transform->dims()).c_str()));
        bank_ = b.clone();
        transform_ = params_.mahalanobis ? transform : Ptr<MahalanobisTransform>();
        coreset_ = !c.empty() ? c.clone() : bankIsCoreset() ? bank_ : Mat();
        sourceCount_ = sourceCount > 0 ? sourceCount
                     : (int)std::min<double>(INT_MAX, std::floor(b.rows / params_.coresetRatio + 0.5));
        if (graph.empty()) {
            buildIndex();
            return;
        }
        if (detail::resolveIndexType(params_.index, bank_.rows, params_.autoIndexThreshold) != INDEX_HNSW)
            CV_Error(Error::StsBadArg, format("MemoryBank::create: graph: expected none (the parameters choose the exact "
                                              "index for %d vectors), found %zu bytes", bank_.rows, graph.size()));
        index_ = HnswIndex::readGraph(graph, bank_, bank_.cols, params_.metric, params_.hnsw);
    }

private:
    //! Without the transform an L2 bank indexes its coreset as it is (transform() copies).
    bool bankIsCoreset() const { return !params_.mahalanobis && params_.metric != NearestNeighborIndex::INNER_PRODUCT; }

    /** Selects `keep` rows of features (0: by coresetRatio) as the coreset, fits the transform on it
        and indexes it; `source` is the number of features the selection stands for. */
    void fitSelection(const Mat& features, int source, int keep, const char* func)
    {
        Mat coreset;
        if (keep != features.rows) {
            CoresetSampler::Params cp;
            cp.ratio = params_.coresetRatio;
            cp.count = keep;
            cp.projectionDims = params_.projectionDims;
            cp.seed = params_.seed;
            coresetIndices_ = CoresetSampler::create(cp)->select(features);
            std::sort(coresetIndices_.begin(), coresetIndices_.end());  // bank order independent of selection order
            coreset.create((int)coresetIndices_.size(), features.cols, CV_32F);
            for (size_t i = 0; i < coresetIndices_.size(); ++i)
                features.row(coresetIndices_[i]).copyTo(coreset.row((int)i));
        } else {
            coresetIndices_.resize(features.rows);
            for (int i = 0; i < features.rows; ++i)
                coresetIndices_[i] = i;
            coreset = features;
        }
        transform_.release();
        if (params_.mahalanobis) {
            if (coreset.rows < 2)
                CV_Error(Error::StsBadSize, format("%s: features: the coreset keeps %d row(s) of %d; the Mahalanobis "
                                                   "transform needs at least 2 (raise coresetRatio)",
                                                   func, coreset.rows, features.rows));
            transform_ = MahalanobisTransform::create(transformParams(params_));
            transform_->fit(coreset);
            transform_->apply(coreset, bank_);
        } else {
            transform(coreset, bank_);
        }
        // The kept coreset owns its rows: fit()'s input belongs to the caller.
        coreset_ = bankIsCoreset() ? bank_ : coreset.data == features.data ? coreset.clone() : coreset;
        sourceCount_ = source;
        buildIndex();
    }

    void buildIndex()
    {
        if (detail::resolveIndexType(params_.index, bank_.rows, params_.autoIndexThreshold) == INDEX_HNSW)
            index_ = HnswIndex::create(bank_.cols, params_.metric, params_.hnsw);
        else
            index_ = NearestNeighborIndex::createExact(bank_.cols, params_.metric);
        index_->add(bank_);
    }

    MemoryBank::Params params_;
    Mat bank_;
    std::vector<int> coresetIndices_;
    Mat coreset_;           // before the transform; shares bank_'s data where bankIsCoreset()
    int sourceCount_ = 0;   // features the coreset stands for (fit's rows + extended()'s)
    Ptr<MahalanobisTransform> transform_;
    Ptr<NearestNeighborIndex> index_;
};

} // namespace

Ptr<MemoryBank> MemoryBank::create(const MemoryBank::Params& params)
{
    return makePtr<MemoryBankImpl>(params);
}

Ptr<MemoryBank> MemoryBank::create(const MemoryBank::Params& params, InputArray bank, const Ptr<MahalanobisTransform>& transform)
{
    Ptr<MemoryBankImpl> b = makePtr<MemoryBankImpl>(params);
    b->restore(bank, transform, std::vector<uchar>(), noArray(), 0);
    return b;
}

Ptr<MemoryBank> MemoryBank::create(const MemoryBank::Params& params, InputArray bank, const Ptr<MahalanobisTransform>& transform,
                                   const std::vector<uchar>& graph)
{
    Ptr<MemoryBankImpl> b = makePtr<MemoryBankImpl>(params);
    b->restore(bank, transform, graph, noArray(), 0);
    return b;
}

Ptr<MemoryBank> MemoryBank::create(const MemoryBank::Params& params, InputArray bank, const Ptr<MahalanobisTransform>& transform,
                                   const std::vector<uchar>& graph, InputArray coreset, int sourceCount)
{
    Ptr<MemoryBankImpl> b = makePtr<MemoryBankImpl>(params);
    b->restore(bank, transform, graph, coreset, sourceCount);
    return b;
}

}} // namespace cv::uniSLAD
