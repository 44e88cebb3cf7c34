// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// Result, StageTimings and UniSLAD. Every call that runs the backbones or touches a file (create, load,
// fit, predict, detect and their batch versions, save) releases the GIL once its arguments are
// converted (casters.hpp); fit's progress callback is called with the GIL re-acquired
// (pybind11/functional.h), and an exception it raises ends fit, which leaves the detector as it was.
#include "bindings.hpp"
#include "casters.hpp"

#include <opencv2/unislad.hpp>
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <memory>
#include <utility>

namespace unislad_python {

namespace py = pybind11;
using namespace pybind11::literals;
using cv::uniSLAD::Params;
using cv::uniSLAD::Result;
using cv::uniSLAD::StageTimings;
using cv::uniSLAD::UniSLAD;
using ProgressCallback = UniSLAD::ProgressCallback;

namespace {

const py::call_guard<py::gil_scoped_release> nogil;

std::shared_ptr<UniSLAD> shared(const cv::Ptr<UniSLAD>& detector)
{
    return detector;  // cv::Ptr is a std::shared_ptr
}

void bindResult(py::module_& m)
{
    py::class_<Result>(m, "Result", "Everything detect() knows about one image (see opencv2/unislad.hpp).")
        .def(py::init<>())
        .def_readwrite("score", &Result::score)
        .def_readwrite("isAnomaly", &Result::isAnomaly)
        .def_readwrite("threshold", &Result::threshold)
        .def_readwrite("normalizedScore", &Result::normalizedScore)
        .def_property(
            "anomalyMap", [](const Result& r) { return arrayFromFloatMap(r.anomalyMap); },
            [](Result& r, const py::object& map) { r.anomalyMap = floatMapFromArray(map, "anomalyMap"); },
            "float32 array of the input's height and width (a copy: changing it leaves the Result as it is)")
        .def_readwrite("patchLocal", &Result::patchLocal)
        .def_readwrite("patchGlobal", &Result::patchGlobal)
        .def_readwrite("classWeight", &Result::classWeight)
        .def_readwrite("patchScore", &Result::patchScore)
        .def_readwrite("imageLocal", &Result::imageLocal)
        .def_readwrite("imageGlobal", &Result::imageGlobal)
        .def_readwrite("imageClass", &Result::imageClass)
        .def_readwrite("imageScore", &Result::imageScore)
        .def_readwrite("pixelThreshold", &Result::pixelThreshold);

    py::class_<StageTimings>(m, "StageTimings", "Where the time of one detect() call went, milliseconds.")
        .def(py::init<>())
        .def_readwrite("features", &StageTimings::features)
        .def_readwrite("bankSearch", &StageTimings::bankSearch)
        .def_readwrite("imageLevel", &StageTimings::imageLevel)
        .def_readwrite("fusion", &StageTimings::fusion)
        .def_readwrite("anomalyMap", &StageTimings::anomalyMap)
        .def_readwrite("total", &StageTimings::total);
}

} // namespace

void bindDetector(py::module_& m)
{
    bindResult(m);

    using cv::uniSLAD::ThresholdRule;
    m.attr("THRESHOLD_CALIBRATION") = (int)cv::uniSLAD::THRESHOLD_CALIBRATION;
    m.attr("THRESHOLD_F1") = (int)cv::uniSLAD::THRESHOLD_F1;
    m.attr("THRESHOLD_FPR") = (int)cv::uniSLAD::THRESHOLD_FPR;
    m.attr("THRESHOLD_MANUAL") = (int)cv::uniSLAD::THRESHOLD_MANUAL;
    py::class_<ThresholdRule>(m, "ThresholdRule", "Which rule set a decision threshold (see opencv2/unislad/threshold.hpp).")
        .def(py::init<>())
        .def_readwrite("kind", &ThresholdRule::kind)
        .def_readwrite("quantile", &ThresholdRule::quantile)
        .def_readwrite("margin", &ThresholdRule::margin)
        .def_readwrite("maxFpr", &ThresholdRule::maxFpr)
        .def_readwrite("goodImages", &ThresholdRule::goodImages)
        .def_readwrite("anomalousImages", &ThresholdRule::anomalousImages)
        .def_static("f1", &ThresholdRule::f1)
        .def_static("fpr", &ThresholdRule::fpr, "maxFpr"_a)
        .def_static("manual", &ThresholdRule::manual)
        .def_static("parse", &ThresholdRule::parse, "text"_a)
        .def("describe", &ThresholdRule::describe)
        .def("name", &ThresholdRule::name);
    using cv::uniSLAD::ThresholdChoice;
    py::class_<ThresholdChoice>(m, "ThresholdChoice", "A threshold and what it gives on labelled scores.")
        .def(py::init<>())
        .def_readwrite("threshold", &ThresholdChoice::threshold)
        .def_readwrite("rule", &ThresholdChoice::rule)
        .def_readwrite("goodFlagged", &ThresholdChoice::goodFlagged)
        .def_readwrite("anomaliesCaught", &ThresholdChoice::anomaliesCaught)
        .def_readwrite("f1", &ThresholdChoice::f1);
    m.def("chooseThreshold",
          [](const std::vector<float>& good, const std::vector<float>& bad, const ThresholdRule& rule) {
              return cv::uniSLAD::chooseThreshold(good, bad, rule);
          },
          "goodScores"_a, "anomalousScores"_a, "rule"_a,
          "The threshold a rule (ThresholdRule.f1(), ThresholdRule.fpr(x)) chooses from labelled scores.");
    m.def("evaluateThreshold",
          [](const std::vector<float>& good, const std::vector<float>& bad, float threshold) {
              return cv::uniSLAD::evaluateThreshold(good, bad, threshold);
          },
          "goodScores"_a, "anomalousScores"_a, "threshold"_a, "What a threshold gives on labelled scores.");

    py::class_<UniSLAD, std::shared_ptr<UniSLAD>> cls(m, "UniSLAD",
        "The UniSLAD detector: fit on nominal images, then score new ones (see opencv2/unislad.hpp). Images are "
        "numpy arrays of dtype uint8 or uint16, shape (H, W), (H, W, 1), (H, W, 3) BGR or (H, W, 4) BGRA.");
    cls.def_static("create", [](const Params& params) { return shared(UniSLAD::create(params)); },
                   "params"_a = Params(), nogil, "An unfitted detector (empty() is true until fit() or load()).")
        .def_static("load", [](const std::string& path, int backend) { return shared(UniSLAD::load(path, backend)); },
                    "path"_a, "backend"_a = -1, nogil,
                    "Loads a model file written by save(); backend -1: the one saved in the model.")
        .def_static("loadFromBuffer",
                    [](const py::bytes& data, int backend) {
                        // Copied with the GIL held (the bytes object is Python's), then loaded without it.
                        const std::string view = data;
                        const std::vector<uchar> bytes(view.begin(), view.end());
                        py::gil_scoped_release release;
                        return shared(UniSLAD::loadFromBuffer(bytes, backend));
                    },
                    "data"_a, "backend"_a = -1,
                    "load() of a model file's bytes (a bytes object, e.g. from saveToBuffer()).")

        // Training calls: images converted with the GIL held, the call run without it, progress(stage,
        // done, total) called with it.
        .def("fit", [](UniSLAD& d, const Images& images, const CalibrationImages& calibrationImages,
                       const ProgressCallback& progress) { d.fit(images.mats, calibrationImages.mats, progress); },
             "images"_a, "calibrationImages"_a = py::none(), "progress"_a = py::none(), nogil,
             "Fits on nominal images, calibrating on calibrationImages when given (else on held-out training "
             "images); progress(stage, done, total) is called as it goes.")
        .def("update", [](UniSLAD& d, const Images& images, const ProgressCallback& progress) { d.update(images.mats, progress); },
             "images"_a, "progress"_a = py::none(), nogil,
             "Adds nominal images to a fitted or loaded detector (its banks, Gaussians, calibration and threshold); "
             "progress(stage, done, total) is called as it goes.")
        .def("getTrainingImageCount", &UniSLAD::getTrainingImageCount,
             "The nominal images the detector rests on: fit()'s plus every update()'s.")

        .def("predict", [](const UniSLAD& d, const Image& image) { return d.predict(image.mat); }, "image"_a, nogil,
             "The anomaly score S of one image.")
        .def("predictBatch", [](const UniSLAD& d, const Images& images) { return d.predictBatch(images.mats); },
             "images"_a, nogil, "Scores of several images, a list of floats.")
        .def("detect", [](const UniSLAD& d, const Image& image) { return d.detect(image.mat); }, "image"_a, nogil,
             "Score, verdict, anomaly map and every component of one image: a Result.")
        .def("detectBatch", [](const UniSLAD& d, const Images& images) { return d.detectBatch(images.mats); },
             "images"_a, nogil, "detect() for several images, a list of Result.")
        .def("detectWithTimings",
             [](const UniSLAD& d, const Image& image) {
                 StageTimings timings;
                 Result r = d.detect(image.mat, timings);
                 return std::make_pair(std::move(r), timings);
             },
             "image"_a, nogil, "detect() that also reports the time of each stage: (Result, StageTimings).")
        .def("save", [](const UniSLAD& d, const std::string& path) { d.save(path); }, "path"_a, nogil,
             "Writes the model file (atomically).")
        .def("saveToBuffer",
             [](const UniSLAD& d) {
                 std::vector<uchar> bytes;
                 {
                     py::gil_scoped_release release;
                     bytes = d.saveToBuffer();
                 }
                 return py::bytes(reinterpret_cast<const char*>(bytes.data()), bytes.size());
             },
             "The bytes save() writes, as a bytes object.")
        .def("getThreshold", &UniSLAD::getThreshold)
        .def("setThreshold", py::overload_cast<float>(&UniSLAD::setThreshold), "threshold"_a,
             "Sets the threshold by hand (the rule becomes THRESHOLD_MANUAL).")
        .def("setThreshold", py::overload_cast<float, const ThresholdRule&>(&UniSLAD::setThreshold), "threshold"_a,
             "rule"_a, "Sets the threshold with the rule that chose it.")
        .def("getThresholdRule", &UniSLAD::getThresholdRule, "Which rule set the threshold: a ThresholdRule.")
        .def("normalizeScore", &UniSLAD::normalizeScore, "score"_a, "threshold"_a,
             "The score on the fixed scale: 0 a typical good image, 1 the threshold.")
        .def("getPixelThreshold", &UniSLAD::getPixelThreshold, "The anomaly-map value above which a pixel is predicted "
             "defective (the mask is anomalyMap > getPixelThreshold()).")
        .def("setPixelThreshold", &UniSLAD::setPixelThreshold, "threshold"_a)
        .def("getParams", &UniSLAD::getParams)
        .def("getBankSize", [](const UniSLAD& d, const std::string& bank) {
                 const cv::Size s = d.getBankSize(bank);
                 return std::make_pair(s.width, s.height);
             },
             "bank"_a, "(dimensions, vectors) of the \"local\", \"global\" or \"class\" bank; (0, 0) when absent.")
        .def("empty", &UniSLAD::empty, "True until fit() or load().")
        .def("getDefaultName", &UniSLAD::getDefaultName);

    // Static methods also as module functions, as OpenCV's generator names them.
    m.attr("UniSLAD_create") = cls.attr("create");
    m.attr("UniSLAD_load") = cls.attr("load");
    m.attr("UniSLAD_loadFromBuffer") = cls.attr("loadFromBuffer");
}

} // namespace unislad_python
