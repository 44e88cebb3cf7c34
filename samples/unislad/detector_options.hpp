// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef UNISLAD_SAMPLES_DETECTOR_OPTIONS_HPP
#define UNISLAD_SAMPLES_DETECTOR_OPTIONS_HPP

// The options that choose a detector's parameters, shared by `fit`, `eval` and `bench`.

#include "cli_common.hpp"

#include <opencv2/unislad.hpp>

#include <string>

namespace unislad {
namespace cli {

/** CommandLineParser keys of the detector options, to append to a subcommand's own keys. */
extern const char* const kDetectorKeys;

/** Builds Params from the detector options; on a bad value returns false with a message. */
bool detectorParams(Options& options, cv::uniSLAD::Params& params, std::string& error);

} // namespace cli
} // namespace unislad

#endif // UNISLAD_SAMPLES_DETECTOR_OPTIONS_HPP
