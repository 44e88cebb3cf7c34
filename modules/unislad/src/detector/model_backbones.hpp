// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_DETECTOR_MODEL_BACKBONES_HPP
#define OPENCV_UNISLAD_DETECTOR_MODEL_BACKBONES_HPP

// The backbones' part of a model file. Every model records, for backbone i (0: the local branch's,
// 1: the global branch's when it has its own), the texts
//   backbone<i>_manifest   the manifest's path as fit() read it (Params::localManifest / globalManifest)
//   backbone<i>_sha256     the ONNX file's SHA-256 (may be empty in a referencing model)
// A model that embeds its backbones (Params::embedBackbones, the default) also holds the sections
//   backbone/<i>/manifest  text: the manifest file's YAML/JSON as it was
//   backbone/<i>/onnx      bytes: the ONNX file, whose SHA-256 is backbone<i>_sha256
// and is loaded from them alone: neither the manifest nor the ONNX file is looked for. A referencing
// model (written before embedding existed, or with embedBackbones = false) finds the manifest at the
// recorded path or, by file name, in defaultModelDirectory(), and checks the ONNX file's SHA-256.

#include "detector/unislad_impl.hpp"

namespace cv {
namespace uniSLAD {
namespace detail {

class ModelArchiveReader;
class ModelArchiveWriter;

/** Adds the backbones of a fitted detector to s: the texts, and with embed the manifest text and
    ONNX bytes of each, taken from the sources that hold them or read again from the files fit() used
    (refused, naming the file, when a file is gone or its SHA-256 is no longer the one fit() saw). */
void exportBackbones(const std::vector<BackboneSource>& backbones, bool embed, ModelState& s);

/** The backbones a state records, each embedded one checked (both sections present, the bytes'
    SHA-256 equal to the recorded one, the manifest readable), each referenced one found on disk and
    checked; the manifest paths of p are changed to where a referenced manifest was found. Raises
    stateError(source, ...) otherwise. */
std::vector<BackboneSource> importBackbones(const ModelState& s, Params& p, const std::string& source);

/** Reads the archive section `name` (it starts with "backbone/") into s.embedded; an unknown name or
    kind raises stateError(source, ...). */
void readEmbeddedSection(const ModelArchiveReader& r, const std::string& name, ModelState& s, const std::string& source);

/** Adds s.embedded to an archive, after the other sections. */
void writeEmbeddedSections(const ModelState& s, ModelArchiveWriter& w);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_DETECTOR_MODEL_BACKBONES_HPP
