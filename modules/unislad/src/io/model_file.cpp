// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// The public file helpers of opencv2/unislad.hpp: isModelFile and writeFileAtomically, thin
// wrappers of io/atomic_file.hpp and the format's magic (io/model_archive_format.hpp).
#include "precomp.hpp"
#include "io/atomic_file.hpp"
#include "io/model_archive_format.hpp"

#include <opencv2/unislad.hpp>

#include <cstring>

namespace cv {
namespace uniSLAD {

bool isModelFile(const String& path)
{
    try {
        detail::InputFile file(path, "file");
        if (file.size() < sizeof(detail::kMagic))
            return false;
        uchar head[sizeof(detail::kMagic)];
        file.read(head, sizeof(head));
        return std::memcmp(head, detail::kMagic, sizeof(head)) == 0;
    } catch (const cv::Exception&) {
        return false;   // missing, not a regular file, unreadable: not a model file either way
    }
}

void writeFileAtomically(const String& path, const std::vector<uchar>& bytes, const String& who)
{
    detail::writeFileAtomically(path, who, [&bytes](detail::ByteSink& sink) {
        if (!bytes.empty())
            sink.write(bytes.data(), bytes.size());
    });
}

}} // namespace cv::uniSLAD
