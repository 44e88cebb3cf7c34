// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef UNISLAD_PLUGIN_TEST_UTIL_HPP
#define UNISLAD_PLUGIN_TEST_UTIL_HPP

// Shared by the plugin's integration tests: test images, a model fitted on the tiny fixture backbone,
// and a pipeline runner that collects the element's bus messages, errors, and what reaches the sink.

#include <gst/gst.h>
#include <gst/video/video.h>

#include <opencv2/core.hpp>
#include <opencv2/unislad.hpp>

#include <string>
#include <vector>

namespace unislad_gst_test {

/** A 64 x 64 textured BGR image; an anomalous one carries a large bright disc. */
cv::Mat sampleImage(cv::RNG& rng, bool anomalous);

/** Fits a detector on `count` nominal images (tiny fixture backbone) and saves it to `path`. */
cv::Ptr<cv::uniSLAD::UniSLAD> fitAndSave(const std::string& path, int count = 24);

/** Everything a pipeline run produced. */
struct RunResult
{
    std::vector<GstStructure*> messages;           // the "unislad" element messages, in order (owned)
    std::string error;                             // the first error: "<domain>:<code>: <message> | <debug>"
    GQuark errorDomain = 0;
    int errorCode = 0;
    bool eos = false;
    bool timedOut = false;
    bool stoppedCleanly = false;                   // the final state change to NULL succeeded
    std::vector<cv::Mat> frames;                   // BGR/RGB/GRAY frames at the sink named "sink" (when asked)
    std::vector<std::vector<cv::Rect>> regions;    // "anomaly" region metas of each buffer at the sink

    RunResult() = default;
    RunResult(const RunResult&) = delete;
    RunResult& operator=(const RunResult&) = delete;
    ~RunResult();
};

/** Runs gst_parse_launch(description) to EOS, an error or the timeout. A probe on the sink pad of the element
    named "sink" (when there is one) records each buffer's region metas and, with keepFrames, a copy of its
    pixels. */
void runPipeline(const std::string& description, double timeoutSeconds, RunResult& result, bool keepFrames = false);

/** A double field of a message structure; NaN when absent. */
double field(const GstStructure* s, const char* name);

} // namespace unislad_gst_test

#endif // UNISLAD_PLUGIN_TEST_UTIL_HPP
