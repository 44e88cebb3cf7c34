// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_UNISLAD_IMPL_HPP
#define OPENCV_UNISLAD_UNISLAD_IMPL_HPP

// The detector's implementation, shared by unislad.cpp (fit, scoring) and unislad_model_io.cpp
// (model files).

#include "opencv2/unislad.hpp"
#include "scoring/score_fusion.hpp"

namespace cv {
namespace uniSLAD {
namespace detail {

/** Features of a set of images, rows image-major (see DualFeatureExtractor). local and global hold
    localCells and globalCells rows per image: every cell of the grid, or in a memory-bounded fit a
    seeded random subset of them (then the set is only used to fit banks, never scored). localImage
    and globalImage are the image-level features (Eq. 12-14, one row per image) of all the cells;
    empty when the image-level distributions are off. */
struct FeatureSet
{
    Mat local, global, cls;
    Mat localImage, globalImage;
    int count = 0, localCells = 0, globalCells = 0;
    FeatureSet subset(const std::vector<int>& images) const;
    Mat localOf(int i) const { return local.rowRange(i * localCells, (i + 1) * localCells); }
    Mat globalOf(int i) const { return global.rowRange(i * globalCells, (i + 1) * globalCells); }
};

/** The fitted model without its feature extractor: banks, Gaussians, the image features they were
    fitted on (kept so a loaded model refits the Gaussians exactly), calibration, threshold. */
struct FittedModel
{
    Ptr<MemoryBank> localBank, globalBank, classBank;
    Mat localImageFeatures, globalImageFeatures, classFeatures;   // N x D, nominal training images
    Ptr<GaussianModel> localGaussian, globalGaussian, classGaussian;
};

/** A model's serialisable content: parameters, backbone identities and named tensors. */
struct ModelState
{
    String paramsYaml;
    std::vector<std::pair<String, String>> texts;
    std::vector<std::pair<String, Mat>> tensors;
    std::vector<std::pair<String, std::vector<uchar>>> graphs;   // "<bank>": HnswIndex::writeGraph bytes
    const Mat* tensor(const String& name) const;
    const std::vector<uchar>* graph(const String& name) const;
    const String* text(const String& name) const;
};

// Exported (CV_EXPORTS) so that tests/reference can drive the fitted model's internals.
class CV_EXPORTS UniSLADImpl CV_FINAL : public UniSLAD
{
public:
    explicit UniSLADImpl(const Params& params);

    void fit(InputArrayOfArrays images) CV_OVERRIDE;
    void fit(InputArrayOfArrays images, InputArrayOfArrays calibrationImages) CV_OVERRIDE;
    void fit(InputArrayOfArrays images, InputArrayOfArrays calibrationImages, const ProgressCallback& progress) CV_OVERRIDE;
    float predict(InputArray image) const CV_OVERRIDE;
    std::vector<float> predictBatch(InputArrayOfArrays images) const CV_OVERRIDE;
    Result detect(InputArray image) const CV_OVERRIDE;
    std::vector<Result> detectBatch(InputArrayOfArrays images) const CV_OVERRIDE;
    void save(const String& path) const CV_OVERRIDE;
    float getThreshold() const CV_OVERRIDE { return threshold_; }
    void setThreshold(float threshold) CV_OVERRIDE;
    Params getParams() const CV_OVERRIDE { return params_; }
    bool empty() const CV_OVERRIDE { return !fitted_; }
    String getDefaultName() const CV_OVERRIDE { return "UniSLAD_UniSLAD"; }
    void write(FileStorage& fs) const CV_OVERRIDE;
    void read(const FileNode& node) CV_OVERRIDE;

    ModelState exportState() const;
    /** Replaces the state by a loaded one; backend >= 0 overrides the saved Params::backend. */
    void importState(const ModelState& state, const std::string& source, int backend = -1);

    /** Features of images, extracted in batches (progress per batch when given). keepLocal /
        keepGlobal > 0 keep that many patch rows per image (a subset seeded by params.seed and the
        image's index in `images`); 0 keeps all. */
    FeatureSet extract(const std::vector<Mat>& images, const ProgressCallback* progress, int keepLocal = 0,
                       int keepGlobal = 0) const;
    /** Component scores of image i of a feature set. */
    ComponentScores components(const FeatureSet& f, int i) const;
    /** The model fitted on a feature set (banks and Gaussians as the ablation switches ask). */
    FittedModel fitModel(const FeatureSet& f, const ProgressCallback* progress) const;
    /** The model fitted by fit() or load() (banks, Gaussians), read-only. */
    const FittedModel& fittedModel() const { return model_; }
    /** The calibration statistics estimated by fit() (used by FUSION_CALIBRATED), read-only. */
    const CalibrationStats& calibrationStats() const { return stats_; }

private:
    void fitOrThrow(InputArrayOfArrays images, InputArrayOfArrays calibrationImages, const ProgressCallback& progress);
    Result resultFor(const FeatureSet& f, int i, const Size& imageSize, bool withMap) const;
    void ensureExtractor() const;
    ComponentScores componentsWith(const FittedModel& m, const FeatureSet& f, int i) const;
    /** Scores images against a model, extracting their features one batch at a time. */
    void scoreInBatches(const FittedModel& m, const std::vector<Mat>& images, const ProgressCallback* progress,
                        std::vector<ComponentScores>& out) const;
    ImageFeatureConverter::Params converterParams() const;
    FusionWeights weights() const;

    Params params_;
    mutable Ptr<DualFeatureExtractor> extractor_;
    FittedModel model_;
    CalibrationStats stats_;
    float threshold_ = 0;
    bool fitted_ = false;
    std::vector<std::pair<String, String>> backbones_;  // manifest path, ONNX SHA-256
};

/** Raises the error of a model that cannot be loaded: "UniSLAD model '<source>': <what>". */
[[noreturn]] void stateError(const std::string& source, const std::string& what);

class ModelArchiveReader;
/** The detector stored in a model archive (the body of UniSLAD::load; the fuzzer feeds it bytes). */
CV_EXPORTS Ptr<UniSLAD> loadModel(const ModelArchiveReader& archive, const std::string& source, int backend = -1);

/** Checks every parameter; raises cv::Exception naming the field, the expected and the found value. */
CV_EXPORTS void validateParams(const Params& p);

/** The dual feature extractor's parameters that a detector's Params describe. */
CV_EXPORTS FeatureExtractorParams extractorParams(const Params& p);
/** The memory-bank parameters Params gives the patch banks (coreset ratio, seed and metric aside). */
MemoryBankParams bankParams(const Params& p);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_UNISLAD_IMPL_HPP
