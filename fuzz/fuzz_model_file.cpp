// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// libFuzzer target: bytes as a model file. The archive reader parses them (every section read back),
// then the detector is restored from the archive as UniSLAD::load does. Any outcome but success or a
// cv::Exception (a crash, a sanitizer report, another exception, a hang) is a bug. The fuzzers' build
// skips the CRC checks (FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION), so mutations reach the content.
#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>

#include "io/model_archive.hpp"
#include "detector/unislad_impl.hpp"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    cv::setNumThreads(1);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace cv::uniSLAD::detail;
    try {
        const ModelArchiveReader r = ModelArchiveReader::parse(data, size, "fuzz");
        size_t total = 0;
        for (const std::string& name : r.names()) {
            switch (r.kind(name)) {
            case ArchiveSectionKind::Text: total += r.text(name).size(); break;
            case ArchiveSectionKind::Tensor: total += r.tensor(name).total(); break;
            case ArchiveSectionKind::Bytes: total += r.bytes(name).size(); break;
            }
        }
        if (total > size * 8 + 64)
            std::abort();   // the reader promises never to allocate more than the input's size
        cv::Ptr<cv::uniSLAD::UniSLAD> model = loadModel(r, "fuzz");
        (void)model->getThreshold();
    } catch (const cv::Exception&) {
    }
    return 0;
}
