// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_TEST_TINY_DETECTOR_HPP
#define OPENCV_UNISLAD_TEST_TINY_DETECTOR_HPP

// The detector on the tiny fixture backbone (test/data/tiny_backbone.yml), small enough for a unit
// test, and the images it is fitted on. Shared by the unit tests (test_precomp.hpp), the programs
// under tests/ that write fixtures (reference cases, the bad-input corpus), the GStreamer element's
// tests and the fuzzers' seed generator.

#include <opencv2/imgproc.hpp>
#include <opencv2/unislad.hpp>

#include <string>
#include <vector>

/** Both taps local, no grid, 8 dims, no projection; the paper's fusion weight and the Mahalanobis
    transform on (so that every component runs). */
inline cv::uniSLAD::Params tinyDetectorParams(const std::string& manifest)
{
    cv::uniSLAD::Params p;
    p.localManifest = manifest;
    p.w = 0.5;
    p.useMahalanobis = true;
    p.localTaps = { "map", "deep" };
    p.gridSize = 0;
    p.pretrainDims = 8;
    p.localDims = 8;
    p.localCoresetRatio = 0.25;
    p.globalCoresetRatio = 0.5;
    p.projectionDims = 0;
    return p;
}

/** A 48 x 48 textured image with a dark disc; anomalous ones also carry a bright spot. */
inline cv::Mat tinySampleImage(cv::RNG& rng, bool anomalous = false)
{
    cv::Mat img(48, 48, CV_8UC3);
    rng.fill(img, cv::RNG::UNIFORM, 90, 140);
    cv::GaussianBlur(img, img, cv::Size(), 1.5);
    cv::circle(img, cv::Point(rng.uniform(18, 30), rng.uniform(18, 30)), 8, cv::Scalar(40, 60, 80), -1);
    if (anomalous)
        cv::circle(img, cv::Point(rng.uniform(6, 42), rng.uniform(6, 42)), 5, cv::Scalar(255, 255, 255), -1);
    return img;
}

/** n sample images of one seeded generator. */
inline std::vector<cv::Mat> tinySampleImages(int n, bool anomalous, uint64_t seed)
{
    cv::RNG rng(seed);
    std::vector<cv::Mat> v;
    for (int i = 0; i < n; ++i)
        v.push_back(tinySampleImage(rng, anomalous));
    return v;
}

#endif // OPENCV_UNISLAD_TEST_TINY_DETECTOR_HPP
