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

    py::class_<UniSLAD, std::shared_ptr<UniSLAD>> cls(m, "UniSLAD",
        "The UniSLAD detector: fit on nominal images, then score new ones (see opencv2/unislad.hpp). Images are "
        "numpy arrays of dtype uint8 or uint16, shape (H, W), (H, W, 1), (H, W, 3) BGR or (H, W, 4) BGRA.");
    cls.def_static("create", [](const Params& params) { return shared(UniSLAD::create(params)); },
                   "params"_a = Params(), nogil, "An unfitted detector (empty() is true until fit() or load()).")
        .def_static("load", [](const std::string& path, int backend) { return shared(UniSLAD::load(path, backend)); },
                    "path"_a, "backend"_a = -1, nogil,
                    "Loads a model file written by save(); backend -1: the one saved in the model.")

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
        .def("getThreshold", &UniSLAD::getThreshold)
        .def("setThreshold", &UniSLAD::setThreshold, "threshold"_a)
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
}

} // namespace unislad_python
