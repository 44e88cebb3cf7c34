// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// Constants, free functions and Params, under the names OpenCV's generator gives them in cv2.uniSLAD.
#include "bindings.hpp"
#include "numpy_mat.hpp"

#include <opencv2/unislad.hpp>
#include <pybind11/stl.h>

namespace unislad_python {

namespace py = pybind11;
using namespace pybind11::literals;
using cv::uniSLAD::Params;

void bindParams(py::module_& m)
{
    // Integers, as in cv2: Params fields are plain ints (ComputeBackend, IndexType, ...).
    m.attr("MIN_TRAINING_IMAGES") = (int)cv::uniSLAD::MIN_TRAINING_IMAGES;
    m.attr("MIN_CALIBRATION_IMAGES") = (int)cv::uniSLAD::MIN_CALIBRATION_IMAGES;
    m.attr("FUSION_RAW") = (int)cv::uniSLAD::FUSION_RAW;
    m.attr("FUSION_CALIBRATED") = (int)cv::uniSLAD::FUSION_CALIBRATED;
    m.attr("COMPUTE_CPU") = (int)cv::uniSLAD::COMPUTE_CPU;
    m.attr("COMPUTE_CUDA") = (int)cv::uniSLAD::COMPUTE_CUDA;
    m.attr("INDEX_EXACT") = (int)cv::uniSLAD::INDEX_EXACT;
    m.attr("INDEX_HNSW") = (int)cv::uniSLAD::INDEX_HNSW;
    m.attr("INDEX_AUTO") = (int)cv::uniSLAD::INDEX_AUTO;
    // Nested enums, named Class_VALUE as cv2 names them at module level.
    m.attr("MahalanobisTransform_RIDGE") = (int)cv::uniSLAD::MahalanobisTransform::RIDGE;
    m.attr("MahalanobisTransform_LEDOIT_WOLF") = (int)cv::uniSLAD::MahalanobisTransform::LEDOIT_WOLF;
    m.attr("ImageFeatureConverter_MEAN") = (int)cv::uniSLAD::ImageFeatureConverter::MEAN;
    m.attr("ImageFeatureConverter_PMP") = (int)cv::uniSLAD::ImageFeatureConverter::PMP;
    m.attr("ImageFeatureConverter_LUM") = (int)cv::uniSLAD::ImageFeatureConverter::LUM;
    m.attr("ImageFeatureConverter_PMP_LUM") = (int)cv::uniSLAD::ImageFeatureConverter::PMP_LUM;

    m.def("getVersionString", &cv::uniSLAD::getVersionString, "The library's version, \"major.minor.patch\".");
    m.def("isModelFile", &cv::uniSLAD::isModelFile, "path"_a,
          "Whether path is a UniSLAD model file, by its first 8 bytes.");
    m.def(
        "checkRegionOfInterest",
        [](const py::object& roi, const std::pair<int, int>& imageSize, const std::string& name) {
            cv::uniSLAD::checkRegionOfInterest(maskFromArray(roi, "roi"), cv::Size(imageSize.first, imageSize.second), name);
        },
        "roi"_a, "imageSize"_a, "name"_a,
        "Raises unislad.error naming the image when its size (width, height) has another aspect ratio than the "
        "mask's (Params.roi).");
    m.def("defaultModelDirectory", &cv::uniSLAD::defaultModelDirectory,
          "The folder where generated backbones are looked for ($UNISLAD_MODEL_DIR, ...).");
    m.def("useThreadCountIndependentBackend", &cv::uniSLAD::useThreadCountIndependentBackend, "threads"_a = 0,
          "tasks"_a = 0, "Makes every result independent of the number of threads (process-wide; call it first); "
          "tasks: the partition of every parallel loop (0: the machine's CPUs).");
    m.def("workerThreads", &cv::uniSLAD::workerThreads, "The threads that run parallel loops.");

    py::class_<Params> params(m, "Params", "All settings of a UniSLAD detector (see opencv2/unislad.hpp); "
                                           "Params() is the offline default.");
    params.def(py::init<>())
        .def_static("defaults", &Params::defaults, "modelDir"_a = "",
                    "The offline default, with the backbone's manifest looked up now.")
        .def_static("paper", &Params::paper, "modelDir"_a = "", "weights"_a = "imagenet", "The paper's settings.")
        .def_readwrite("localManifest", &Params::localManifest)
        .def_readwrite("globalManifest", &Params::globalManifest)
        .def_readwrite("localTaps", &Params::localTaps)
        .def_readwrite("globalTaps", &Params::globalTaps)
        .def_readwrite("classTap", &Params::classTap)
        .def_readwrite("gridSize", &Params::gridSize)
        .def_readwrite("patchSize", &Params::patchSize)
        .def_readwrite("pretrainDims", &Params::pretrainDims)
        .def_readwrite("localDims", &Params::localDims)
        .def_readwrite("backend", &Params::backend)
        .def_readwrite("batchSize", &Params::batchSize)
        .def_readwrite("localCoresetRatio", &Params::localCoresetRatio)
        .def_readwrite("globalCoresetRatio", &Params::globalCoresetRatio)
        .def_readwrite("projectionDims", &Params::projectionDims)
        .def_readwrite("regularization", &Params::regularization)
        .def_readwrite("regularizationEpsilon", &Params::regularizationEpsilon)
        .def_readwrite("classRegularization", &Params::classRegularization)
        .def_readwrite("index", &Params::index)
        .def_readwrite("autoIndexThreshold", &Params::autoIndexThreshold)
        .def_readwrite("hnswM", &Params::hnswM)
        .def_readwrite("hnswEfConstruction", &Params::hnswEfConstruction)
        .def_readwrite("hnswEfSearch", &Params::hnswEfSearch)
        .def_readwrite("imageFeatureMode", &Params::imageFeatureMode)
        .def_readwrite("q", &Params::q)
        .def_readwrite("alpha", &Params::alpha)
        .def_readwrite("gaussianShrinkage", &Params::gaussianShrinkage)
        .def_readwrite("w", &Params::w)
        .def_readwrite("wI", &Params::wI)
        .def_readwrite("wIG", &Params::wIG)
        .def_readwrite("fusion", &Params::fusion)
        .def_readwrite("calibrationFraction", &Params::calibrationFraction)
        .def_readwrite("thresholdQuantile", &Params::thresholdQuantile)
        .def_readwrite("thresholdMargin", &Params::thresholdMargin)
        .def_readwrite("mapSigma", &Params::mapSigma)
        .def_readwrite("useLocal", &Params::useLocal)
        .def_readwrite("useGlobal", &Params::useGlobal)
        .def_readwrite("useMahalanobis", &Params::useMahalanobis)
        .def_readwrite("usePatchBank", &Params::usePatchBank)
        .def_readwrite("useImageDistribution", &Params::useImageDistribution)
        .def_readwrite("seed", &Params::seed)
        .def_readwrite("numThreads", &Params::numThreads)
        .def_readwrite("maxFeatureMemoryMiB", &Params::maxFeatureMemoryMiB)
        .def_readwrite("embedBackbones", &Params::embedBackbones)
        .def_property(
            "roi", [](const Params& p) { return arrayFromMask(p.roi); },
            [](Params& p, const py::object& mask) { p.roi = maskFromArray(mask, "Params.roi"); },
            "region of interest: a uint8 (non-zero inside) or bool mask of the images' shape; None or an empty "
            "array: the whole image");
    m.attr("Params_defaults") = params.attr("defaults");
    m.attr("Params_paper") = params.attr("paper");
}

} // namespace unislad_python
