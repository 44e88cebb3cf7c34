// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef UNISLAD_SAMPLES_ABLATION_HPP
#define UNISLAD_SAMPLES_ABLATION_HPP

// Named ablations of the paper's Tables III (components) and IV (image feature converters).

#include <opencv2/unislad.hpp>

#include <string>
#include <vector>

namespace unislad {
namespace cli {

struct Ablation
{
    const char* name;
    const char* description;
    bool rfe, vfe, mt, pmb, idm;  //!< Table III switches
    int ifc;                      //!< ImageFeatureConverter::Mode (Table IV)
};

/** Every ablation: "full", the Table III rows "t3-1".."t3-9" and "patchcore", the Table IV rows "ifc-...". */
const std::vector<Ablation>& ablations();

/** Applies the named ablation to params ("preset": none, the preset as it is); raises cv::Exception
    listing the names when unknown. */
void applyAblation(const std::string& name, cv::uniSLAD::Params& params);

} // namespace cli
} // namespace unislad

#endif // UNISLAD_SAMPLES_ABLATION_HPP
