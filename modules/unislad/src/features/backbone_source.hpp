// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_FEATURES_BACKBONE_SOURCE_HPP
#define OPENCV_UNISLAD_FEATURES_BACKBONE_SOURCE_HPP

// Where a detector's backbone comes from: a manifest file and the ONNX file it names (a referenced
// backbone), or a manifest's text and the ONNX bytes held in memory (a backbone embedded in a model
// file, which then needs neither file).

#include "opencv2/unislad/feature_extractor.hpp"

#include <memory>
#include <vector>

namespace cv {
namespace uniSLAD {
namespace detail {

/** One backbone of a fitted detector. manifestPath is the path fit() read the manifest from (and the
    one Params::localManifest / globalManifest holds): it identifies the backbone even when it is
    embedded. sha256 is the ONNX file's SHA-256 (the manifest's `sha256` key as fit() read it, or the
    hash of the embedded bytes; may be empty for a referenced backbone whose manifest has none). */
struct BackboneSource
{
    String manifestPath;
    String sha256;
    String manifestText;                              //!< embedded: the manifest's YAML/JSON; else empty
    std::shared_ptr<const std::vector<uchar>> onnx;   //!< embedded: the ONNX bytes; else null

    bool embedded() const { return onnx != nullptr; }
};

/** DualFeatureExtractor::create, with the backbones of `embedded` built from their manifest text and
    ONNX bytes instead of files: a manifest path of the parameters that matches an embedded source's
    manifestPath is never opened (nor the ONNX file its manifest names); other paths are read as
    create() reads them. BackboneSource::sha256 is the caller's to check against the bytes; the bytes
    are checked against the manifest's `sha256` (Backbone::createFromBuffer) unless that is the same
    hash. The networks keep no reference to the bytes. */
CV_EXPORTS Ptr<DualFeatureExtractor> createFeatureExtractor(const DualFeatureExtractor::Params& params,
                                                            const std::vector<BackboneSource>& embedded);

/** Whether an ONNX model keeps tensors in external data files (a TensorProto of its main graph's
    initializers with data_location EXTERNAL): those files are not in its bytes, so embedding the bytes
    alone would lose them. False for bytes that do not parse as far as that (the importer says why). */
CV_EXPORTS bool onnxHasExternalData(const std::vector<uchar>& onnx);

/** The text of a manifest file, read with the limits of BackboneManifest::read (a regular file of at
    most 1 MiB); raises cv::Exception naming the path otherwise. */
CV_EXPORTS std::string readManifestText(const std::string& path);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_FEATURES_BACKBONE_SOURCE_HPP
