// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_TEST_TINY_DETECTOR_PARAMS_HPP
#define OPENCV_UNISLAD_TEST_TINY_DETECTOR_PARAMS_HPP

// The detector on the tiny fixture backbone (test/data/tiny_backbone.yml), small enough for a unit
// test: both taps local, no grid, 8 dims, no projection. Shared by the unit tests (test_precomp.hpp)
// and the programs under tests/ that write fixtures (reference cases, the bad-input corpus).

#include <opencv2/unislad.hpp>

#include <string>

inline cv::uniSLAD::Params tinyDetectorParams(const std::string& manifest)
{
    cv::uniSLAD::Params p;
    p.localManifest = manifest;
    p.localTaps = { "map", "deep" };
    p.gridSize = 0;
    p.pretrainDims = 8;
    p.localDims = 8;
    p.localCoresetRatio = 0.25;
    p.globalCoresetRatio = 0.5;
    p.projectionDims = 0;
    return p;
}

#endif // OPENCV_UNISLAD_TEST_TINY_DETECTOR_PARAMS_HPP
