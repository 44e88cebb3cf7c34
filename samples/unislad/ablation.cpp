// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "ablation.hpp"

namespace unislad {
namespace cli {

const std::vector<Ablation>& ablations()
{
    using M = cv::uniSLAD::ImageFeatureConverter;
    // The paper's Table III marks its rows with check marks that plain text loses; these rows cover
    // each component's contribution: the single branches, their union, MT, IDM, and each one removed.
    static const std::vector<Ablation> list = {
        { "full", "RFE + VFE + MT + PMB + IDM (UniSLAD)", true, true, true, true, true, M::PMP_LUM },
        { "patchcore", "RFE + PMB: PatchCore (= t3-1)", true, false, false, true, false, M::PMP_LUM },
        { "t3-1", "RFE + PMB", true, false, false, true, false, M::PMP_LUM },
        { "t3-2", "VFE + PMB", false, true, false, true, false, M::PMP_LUM },
        { "t3-3", "RFE + VFE + PMB", true, true, false, true, false, M::PMP_LUM },
        { "t3-4", "RFE + VFE + MT + PMB", true, true, true, true, false, M::PMP_LUM },
        { "t3-5", "RFE + VFE + IDM", true, true, false, false, true, M::PMP_LUM },
        { "t3-6", "RFE + VFE + PMB + IDM (no MT)", true, true, false, true, true, M::PMP_LUM },
        { "t3-7", "RFE + MT + PMB + IDM (no VFE)", true, false, true, true, true, M::PMP_LUM },
        { "t3-8", "VFE + MT + PMB + IDM (no RFE)", false, true, true, true, true, M::PMP_LUM },
        { "t3-9", "RFE + VFE + MT + PMB + IDM (= full)", true, true, true, true, true, M::PMP_LUM },
        { "ifc-mean", "full, image features by mean pooling", true, true, true, true, true, M::MEAN },
        { "ifc-lum", "full, image features by LUM", true, true, true, true, true, M::LUM },
        { "ifc-pmp", "full, image features by PMP", true, true, true, true, true, M::PMP },
        { "ifc-lum-pmp", "full, image features by LUM + PMP (= full)", true, true, true, true, true, M::PMP_LUM },
    };
    return list;
}

void applyAblation(const std::string& name, cv::uniSLAD::Params& p)
{
    if (name == "preset")
        return;
    for (const Ablation& a : ablations()) {
        if (name != a.name)
            continue;
        p.useLocal = a.rfe;
        p.useGlobal = a.vfe;
        p.useMahalanobis = a.mt;
        p.usePatchBank = a.pmb;
        p.useImageDistribution = a.idm;
        p.imageFeatureMode = a.ifc;
        return;
    }
    std::string known = "preset";
    for (const Ablation& a : ablations())
        known += ", " + std::string(a.name);
    CV_Error(cv::Error::StsBadArg, "unknown ablation '" + name + "'; known: " + known);
}

} // namespace cli
} // namespace unislad
