// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_TEST_REGRESSION_CASES_HPP
#define OPENCV_UNISLAD_TEST_REGRESSION_CASES_HPP

// Detectors on the tiny fixture backbone whose model bytes and scores are recorded in
// test/data/regression/ (by tests/regression/record_regression.cpp, built against the code that
// wrote them) and compared bit for bit by test_regression.cpp. A change to the library that is meant
// to change no behaviour must keep every recorded value; one that changes results on purpose
// re-records them and says so in its commit.
//
// Only the public API and tiny_detector.hpp are used, so that the recorder compiles against any
// version of the library since the fixture's. The backbone manifest is named by a relative path
// ("tiny_backbone.yml", resolved in the working directory) because the model file stores it: an
// absolute path would make the bytes depend on where the repository lies.

#include <opencv2/core.hpp>
#include <opencv2/unislad.hpp>

#include "tiny_detector.hpp"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace unislad_regression {

const char* const kManifest = "tiny_backbone.yml";

struct Case
{
    std::string name;
    cv::uniSLAD::Params params;
    bool givenCalibration = false;
    //! false where the model file holds an HNSW graph: it is built by several threads at once, so its
    //! links (not the search results on these cases) depend on their timing.
    bool reproducibleBytes = true;
};

/** The cases: the default fusion with a hold-out, given calibration images, the raw fusion without
    the transform, the HNSW index, each branch alone, the image level alone. */
inline std::vector<Case> cases()
{
    using namespace cv::uniSLAD;
    std::vector<Case> v;
    Params base = tinyDetectorParams(kManifest);
    base.embedBackbones = false;   // the recorded model files reference the backbone (written before embedding)
    v.push_back({ "holdout", base, false });
    v.push_back({ "given_calibration", base, true });
    Params p = base;
    p.fusion = FUSION_RAW;
    p.useMahalanobis = false;
    p.imageFeatureMode = ImageFeatureConverter::MEAN;
    v.push_back({ "raw_no_mt_mean", p, false });
    p = base;
    p.index = INDEX_HNSW;
    p.seed = 7;
    v.push_back({ "hnsw_seed7", p, false, false });
    p = base;
    p.useGlobal = false;
    v.push_back({ "local_only", p, true });
    p = base;
    p.useLocal = false;
    v.push_back({ "global_only", p, false });
    p = base;
    p.usePatchBank = false;
    p.imageFeatureMode = ImageFeatureConverter::LUM;
    v.push_back({ "image_level_only_lum", p, false });
    return v;
}

inline std::vector<cv::Mat> images(int n, bool anomalous, uint64_t seed)
{
    return tinySampleImages(n, anomalous, seed);
}

inline std::vector<cv::Mat> trainImages() { return images(14, false, 11); }
inline std::vector<cv::Mat> calibrationImages() { return images(5, false, 12); }
/** Test images: good ones, anomalous ones, and one of another size and type (16-bit gray, 40 x 56). */
inline std::vector<cv::Mat> testImages()
{
    std::vector<cv::Mat> v = images(3, false, 13);
    for (const cv::Mat& m : images(3, true, 14))
        v.push_back(m);
    cv::Mat gray, wide;
    cv::cvtColor(images(1, true, 15)[0], gray, cv::COLOR_BGR2GRAY);
    cv::resize(gray, wide, cv::Size(56, 40));
    wide.convertTo(wide, CV_16U, 257.0);
    v.push_back(wide);
    return v;
}

/** FNV-1a, 64 bits, of a byte range: a fingerprint of model files and anomaly maps. */
inline std::string fingerprint(const unsigned char* p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; ++i) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    char b[17];
    std::snprintf(b, sizeof(b), "%016llx", (unsigned long long)h);
    return b;
}

inline std::vector<unsigned char> fileBytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::vector<unsigned char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/** Every number of a result, in a fixed order (the fields of cv::uniSLAD::Result). */
inline std::vector<double> resultValues(const cv::uniSLAD::Result& r)
{
    return { r.score, r.isAnomaly ? 1.0 : 0.0, r.threshold, r.patchLocal, r.patchGlobal, r.classWeight,
             r.patchScore, r.imageLocal, r.imageGlobal, r.imageClass, r.imageScore };
}

inline std::string mapFingerprint(const cv::Mat& map)
{
    CV_Assert(map.isContinuous());
    return fingerprint(map.data, map.total() * map.elemSize());
}

} // namespace unislad_regression

#endif // OPENCV_UNISLAD_TEST_REGRESSION_CASES_HPP
