// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_UNISLAD_IMPL_HPP
#define OPENCV_UNISLAD_UNISLAD_IMPL_HPP

// The detector's implementation, shared by unislad.cpp (the orchestration of fit and detect) and
// unislad_model_io.cpp (model files). Each stage lives in its own folder: features/ (FeatureStage),
// banks/ (PatchBanks), image_level/ (ImageDistributions), scoring/ (fusion, calibration, anomaly map).

#include "opencv2/unislad.hpp"
#include "banks/patch_banks.hpp"
#include "features/backbone_source.hpp"
#include "features/feature_set.hpp"
#include "image_level/image_distributions.hpp"
#include "scoring/score_fusion.hpp"

#include <map>

namespace cv {
namespace uniSLAD {
namespace detail {

/** The fitted model without its feature extractor: the memory banks and the image-level Gaussians. */
struct FittedModel
{
    PatchBanks banks;
    ImageDistributions distributions;
};

/** A model's serialisable content: parameters, backbone identities and named tensors. */
struct ModelState
{
    String paramsYaml;
    std::vector<std::pair<String, String>> texts;
    std::vector<std::pair<String, Mat>> tensors;
    std::vector<std::pair<String, std::vector<uchar>>> graphs;   // "<bank>": HnswIndex::writeGraph bytes
    std::map<int, BackboneSource> embedded;   // backbone i's manifest text and ONNX bytes (model_backbones.hpp)
    bool fromModelFile = false;               // a model file (else cv::FileStorage, which never embeds)
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
    void update(InputArrayOfArrays images) CV_OVERRIDE;
    void update(InputArrayOfArrays images, const ProgressCallback& progress) CV_OVERRIDE;
    int getTrainingImageCount() const CV_OVERRIDE;
    float predict(InputArray image) const CV_OVERRIDE;
    std::vector<float> predictBatch(InputArrayOfArrays images) const CV_OVERRIDE;
    Result detect(InputArray image) const CV_OVERRIDE;
    std::vector<Result> detectBatch(InputArrayOfArrays images) const CV_OVERRIDE;
    Result detect(InputArray image, StageTimings& timings) const CV_OVERRIDE;
    Size getBankSize(const String& bank) const CV_OVERRIDE;
    void save(const String& path) const CV_OVERRIDE;
    std::vector<uchar> saveToBuffer() const CV_OVERRIDE;
    float getThreshold() const CV_OVERRIDE { return threshold_; }
    void setThreshold(float threshold) CV_OVERRIDE;
    void setThreshold(float threshold, const ThresholdRule& rule) CV_OVERRIDE;
    ThresholdRule getThresholdRule() const CV_OVERRIDE;
    float normalizeScore(float score, float threshold) const CV_OVERRIDE;
    float getPixelThreshold() const CV_OVERRIDE { return pixelThreshold_; }
    void setPixelThreshold(float threshold) CV_OVERRIDE;
    Params getParams() const CV_OVERRIDE { return params_; }
    bool empty() const CV_OVERRIDE { return !fitted_; }
    String getDefaultName() const CV_OVERRIDE { return "UniSLAD_UniSLAD"; }
    void write(FileStorage& fs) const CV_OVERRIDE;
    void read(const FileNode& node) CV_OVERRIDE;

    /** The state to save; embed: with the backbones' manifests and ONNX bytes (model_backbones.hpp). */
    ModelState exportState(bool embed = false) const;
    /** Replaces the state by a loaded one; backend >= 0 overrides the saved Params::backend. */
    void importState(const ModelState& state, const std::string& source, int backend = -1);

    // Read-only views of the fitted state, for tests and the module's benchmarks.
    /** Features of images as fit() and detect() extract them (all patches). */
    FeatureSet extract(const std::vector<Mat>& images) const;
    /** Component scores of image i of a feature set. */
    ComponentScores components(const FeatureSet& f, int i) const { return scoreComponents(model_, f, i); }
    const FittedModel& fittedModel() const { return model_; }
    const CalibrationStats& calibrationStats() const { return stats_; }
    const std::vector<ComponentScores>& calibrationScores() const { return nominal_; }

private:
    void fitOrThrow(InputArrayOfArrays images, InputArrayOfArrays calibrationImages, const ProgressCallback& progress);
    struct Calibration
    {
        CalibrationStats stats;
        float threshold = 0;
        ScoreStats scores;   // of the fused calibration scores (the normalised score's origin and spread)
        float pixelThreshold = 0;
    };
    /** The calibration statistics and the threshold rule's value of nominal component scores. */
    Calibration calibrationOf(const std::vector<ComponentScores>& nominal, const std::vector<Size>& sizes) const;
    std::vector<Result> score(InputArrayOfArrays images, const char* func, bool withMap, StageTimings* timings) const;
    /** The feature stage (the extractor loaded on first use). */
    const FeatureStage& features() const;
    FittedModel fitModel(const FeatureSet& f, const ProgressCallback* progress) const;
    static ComponentScores scoreComponents(const FittedModel& m, const FeatureSet& f, int i);
    /** Scores images against a model, extracting their features one batch at a time. */
    void scoreInBatches(const FittedModel& m, const std::vector<Mat>& images, const ProgressCallback* progress,
                        std::vector<ComponentScores>& out) const;
    /** Mean and std of the fused scores of calibration images (mean 0, std 1 without them). */
    ScoreStats fusedScoreStats(const std::vector<ComponentScores>& nominal, const CalibrationStats& stats) const;
    /** stats in FUSION_CALIBRATED, nullptr (raw fusion) otherwise. */
    const CalibrationStats* fusionStats(const CalibrationStats& stats) const;

    Params params_;
    mutable Ptr<FeatureStage> features_;
    FittedModel model_;
    CalibrationStats stats_;
    std::vector<ComponentScores> nominal_;   // the calibration images' scores; update() adds to them
    std::vector<Size> nominalSizes_;         // their images' sizes (empty Size: not known), for the pixel threshold
    int trainingImages_ = 0;                 // fit()'s training images plus update()'s
    float threshold_ = 0;
    // Which rule set threshold_: fit() and update() set the automatic one, which the model file leaves out
    // (a file without a rule reads as it, from params_ and the calibration scores).
    ThresholdRule rule_;
    ScoreStats scoreStats_;   // of the fused calibration scores: normalizeScore()'s 0 and spread
    float pixelThreshold_ = 0;               // see UniSLAD, "Pixel threshold"
    bool pixelThresholdDerived_ = false;     // loaded from a file without it, and computed by its rule since:
                                             // not written, so that such a file is saved again as it was
    bool fitted_ = false;
    std::vector<BackboneSource> backbones_;  // what fit() ran (embedded ones keep their bytes for save())
};

/** Raises the error of a model that cannot be loaded: "UniSLAD model '<source>': <what>". */
[[noreturn]] void stateError(const std::string& source, const std::string& what);

class ModelArchiveReader;
/** The detector stored in a model archive (the body of UniSLAD::load; the fuzzer feeds it bytes). */
CV_EXPORTS Ptr<UniSLAD> loadModel(const ModelArchiveReader& archive, const std::string& source, int backend = -1);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_UNISLAD_IMPL_HPP
