// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// libFuzzer target: bytes as a backbone manifest (YAML or JSON text), parsed as BackboneManifest::read
// does, then queried. Any outcome but success or a cv::Exception is a bug.
#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>

#include "features/backbone_manifest.hpp"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace cv::uniSLAD;
    try {
        const BackboneManifest m = detail::parseManifest(std::string(reinterpret_cast<const char*>(data), size),
                                                         "/fuzz/manifest.yml");
        for (const char* role : { "local", "global", "class" })
            (void)m.tapsFor(role, false);
        for (const BackboneTap& t : m.taps)
            (void)m.tap(t.name);
        Preprocessor pre(m.input);
        (void)pre.getNormalization();
    } catch (const cv::Exception&) {
    }
    return 0;
}
