// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_TEST_PRECOMP_HPP
#define OPENCV_UNISLAD_TEST_PRECOMP_HPP

// The tests are written against OpenCV's test conventions (namespace opencv_test, GoogleTest
// macros). Inside an OpenCV source build they use opencv_ts; standalone (Debian's OpenCV ships no
// opencv2/ts.hpp) they use plain GoogleTest through this small shim.
#ifdef UNISLAD_STANDALONE
#include <gtest/gtest.h>
#include <opencv2/core.hpp>
namespace opencv_test {
using namespace cv;
using namespace testing;
// opencv2/ts.hpp hides these names inside opencv_test so that tests write cv::norm etc.; doing the
// same here makes the standalone build reject what the OpenCV build would reject.
#define UNISLAD_TEST_GUARD_SYMBOL(name)                                     \
    class required_namespace_specification_here_for_symbol_##name {};      \
    using name = required_namespace_specification_here_for_symbol_##name;
UNISLAD_TEST_GUARD_SYMBOL(norm)
UNISLAD_TEST_GUARD_SYMBOL(add)
UNISLAD_TEST_GUARD_SYMBOL(multiply)
UNISLAD_TEST_GUARD_SYMBOL(divide)
UNISLAD_TEST_GUARD_SYMBOL(transpose)
UNISLAD_TEST_GUARD_SYMBOL(copyMakeBorder)
UNISLAD_TEST_GUARD_SYMBOL(filter2D)
UNISLAD_TEST_GUARD_SYMBOL(compare)
UNISLAD_TEST_GUARD_SYMBOL(minMaxIdx)
UNISLAD_TEST_GUARD_SYMBOL(threshold)
#undef UNISLAD_TEST_GUARD_SYMBOL
} // namespace opencv_test
#else
#include "opencv2/ts.hpp"
#endif

#include "opencv2/unislad.hpp"
#include "tiny_detector.hpp"

#include <string>

namespace opencv_test {

/** Path of a committed test fixture under modules/unislad/test/data. */
inline std::string unisladFixturePath(const std::string& name)
{
#ifdef UNISLAD_TEST_DATA_DIR
    const std::string dir = UNISLAD_TEST_DATA_DIR;
#else
    std::string dir = __FILE__;
    dir = dir.substr(0, dir.find_last_of("/\\")) + "/data";
#endif
    return dir + "/" + name;
}

/** A fixture matrix; an empty result (missing node) fails the calling test. */
inline Mat readFixtureMat(const FileStorage& fs, const std::string& name)
{
    Mat m;
    fs[name] >> m;
    EXPECT_FALSE(m.empty()) << "fixture node " << name;
    return m;
}

/** max |a - b| / max |b|, both converted to double. */
inline double relDiff(const Mat& a, const Mat& b)
{
    Mat a64, b64;
    a.convertTo(a64, CV_64F);
    b.convertTo(b64, CV_64F);
    return cv::norm(a64, b64, NORM_INF) / std::max(cv::norm(b64, NORM_INF), 1e-300);
}

/** Detector parameters on the tiny fixture backbone (tiny_backbone.yml): fast fits for the tests. */
inline cv::uniSLAD::Params tinyDetectorParams()
{
    return ::tinyDetectorParams(unisladFixturePath("tiny_backbone.yml"));
}

/** Coverage radius by brute force (cv::batchDistance, independent of coresetCoverageRadius): the
    largest distance from a row of x to its nearest row of centres. */
inline double bruteForceCoverage(const Mat& x, const Mat& centres)
{
    Mat d, idx;
    cv::batchDistance(x, centres, d, CV_32F, idx, NORM_L2, 1);
    double r = 0;
    cv::minMaxLoc(d, nullptr, &r);
    return r;
}

/** Runs `stmt` and expects a cv::Exception whose message contains every one of `fragments`. */
#define UNISLAD_EXPECT_THROW_MSG(stmt, ...)                                                  \
    do {                                                                                     \
        bool thrown_ = false;                                                                \
        try { stmt; } catch (const cv::Exception& e_) {                                      \
            thrown_ = true;                                                                  \
            for (const char* f_ : {__VA_ARGS__})                                             \
                EXPECT_NE(e_.msg.find(f_), std::string::npos)                                \
                    << "message \"" << e_.msg << "\" lacks \"" << f_ << "\"";               \
        }                                                                                    \
        EXPECT_TRUE(thrown_) << "expected cv::Exception from: " #stmt;                       \
    } while (0)

} // namespace opencv_test

#endif // OPENCV_UNISLAD_TEST_PRECOMP_HPP
