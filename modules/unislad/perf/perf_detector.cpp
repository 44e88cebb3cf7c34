// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifdef UNISLAD_STANDALONE
// The detector on 100 synthetic training images (juice_bottle, 256 px), with Params::defaults()
// (argument 0) and Params::paper() with random weights (argument 1): fit time, detect() end to end,
// and detect's time split by stage (each stage timed alone on the same fitted model and image). Needs
// the backbones in defaultModelDirectory() ($UNISLAD_MODEL_DIR) and the synthetic data library (synth/).
#include <benchmark/benchmark.h>

#include "opencv2/unislad.hpp"
#include "synthetic_data.hpp"
#include "detector/unislad_impl.hpp"
#include "scoring/anomaly_map.hpp"

#include <opencv2/imgproc.hpp>

#include <chrono>
#include <fstream>

namespace {

using namespace cv::uniSLAD;

struct Fitted
{
    cv::Ptr<UniSLAD> detector;
    double fitSeconds = 0;
    cv::Mat image;  // a logical anomaly of the test split
};

Params presetParams(int preset)
{
    return preset == 0 ? Params::defaults() : Params::paper("", "random");
}

const Fitted* fitted(benchmark::State& state)
{
    const int preset = (int)state.range(0);
    static Fitted presets[2];
    static bool tried[2] = { false, false };
    Fitted& f = presets[preset];
    const Params p = presetParams(preset);
    if (!tried[preset]) {
        tried[preset] = true;
        if (!std::ifstream(p.localManifest) || !(p.globalManifest.empty() || std::ifstream(p.globalManifest)))
            return nullptr;
        std::vector<cv::Mat> train;
        for (int i = 0; i < 100; ++i)
            train.push_back(unislad::synth::renderSample("juice_bottle", unislad::synth::Split::Train, i, 0, 256).image);
        f.image = unislad::synth::renderSample("juice_bottle", unislad::synth::Split::TestLogical, 0, 0, 256).image;
        f.detector = UniSLAD::create(p);
        const auto t0 = std::chrono::steady_clock::now();
        f.detector->fit(train);
        f.fitSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    if (f.detector.empty())
        state.SkipWithError(("missing " + p.localManifest + " or its global backbone: generate them with models/").c_str());
    return f.detector.empty() ? nullptr : &f;
}

void BM_Detector_Fit100(benchmark::State& state)
{
    const Fitted* f = fitted(state);
    if (!f)
        return;
    for (auto _ : state)
        state.SetIterationTime(f->fitSeconds);  // fitted once, in fitted()
    state.counters["fit_s"] = f->fitSeconds;
}

void BM_Detector_Detect(benchmark::State& state)
{
    const Fitted* f = fitted(state);
    if (!f)
        return;
    for (auto _ : state)
        benchmark::DoNotOptimize(f->detector->detect(f->image));
}

/** One stage of detect(), timed alone. */
void BM_Detector_Stage(benchmark::State& state)
{
    const Fitted* f = fitted(state);
    if (!f)
        return;
    const auto& impl = dynamic_cast<const detail::UniSLADImpl&>(*f->detector);
    const Params p = impl.getParams();
    const BackboneManifest m = BackboneManifest::read(p.localManifest);
    const Preprocessor pre(m.input);
    DualFeatureExtractor::Params fp = state.range(0) == 0 ? DualFeatureExtractor::Params::defaults()
                                                    : DualFeatureExtractor::Params::paper("", "random");
    cv::Ptr<DualFeatureExtractor> ex = DualFeatureExtractor::create(fp);
    cv::Ptr<Backbone> net = ex->localBackbone(), globalNet = ex->globalBackbone();
    cv::Mat blob, globalBlob;
    pre.apply(f->image, blob);
    Preprocessor(globalNet->manifest().input).apply(f->image, globalBlob);
    std::vector<cv::Mat> taps, globalTaps;
    net->forward(blob, taps);
    const detail::FeatureSet feats = impl.extract({ f->image });
    const detail::FittedModel& model = impl.fittedModel();
    const detail::ComponentScores comps = impl.components(feats, 0);
    detail::FusionWeights w;
    const detail::FusedScores fused = detail::fuseScores(comps, w, &impl.calibrationStats());
    ImageFeatureConverter::Params cp;
    cv::Ptr<ImageFeatureConverter> conv = ImageFeatureConverter::create(cp);
    LocalFeatureAggregator::Params ap;
    ap.gridSize = p.gridSize;
    ap.pretrainDims = p.pretrainDims;
    ap.targetDims = p.localDims;
    const LocalFeatureAggregator agg(ap);
    const std::vector<cv::Mat> localTaps{ taps[0], taps[1] };  // the local backbone outputs its local taps first

    const int stage = (int)state.range(1);
    cv::Mat out, d;
    for (auto _ : state) {
        switch (stage) {
        case 0: pre.apply(f->image, out); break;
        case 1:
            net->forward(blob, taps);
            if (globalNet != net)
                globalNet->forward(globalBlob, globalTaps);
            break;
        case 2: agg.aggregate(localTaps, out); break;
        case 3:
            model.banks.local->nearest(feats.local, d);
            model.banks.global->nearest(feats.global, d);
            model.banks.cls->nearest(feats.cls, d);
            break;
        case 4:
            conv->convert(feats.local, out);
            model.distributions.local->distance(out);
            conv->convert(feats.global, out);
            model.distributions.global->distance(out);
            model.distributions.cls->distance(feats.cls);
            break;
        case 5: benchmark::DoNotOptimize(detail::fuseScores(comps, w, &impl.calibrationStats())); break;
        case 6:
            detail::anomalyMap(fused.patchMap, fused.score, f->image.size(), p.mapSigma, out);
            break;
        }
    }
    static const char* names[] = { "preprocess", "backbone", "aggregation", "bank_search", "image_level", "fusion", "map" };
    state.SetLabel(names[stage]);
    state.counters["local_bank"] = model.banks.local->size();
    state.counters["global_bank"] = model.banks.global->size();
}

BENCHMARK(BM_Detector_Fit100)->DenseRange(0, 1)->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);
BENCHMARK(BM_Detector_Detect)->DenseRange(0, 1)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3);
BENCHMARK(BM_Detector_Stage)->ArgsProduct({ { 0, 1 }, { 0, 1, 2, 3, 4, 5, 6 } })->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace
#endif // UNISLAD_STANDALONE
