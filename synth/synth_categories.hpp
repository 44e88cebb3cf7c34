// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef UNISLAD_SYNTH_CATEGORIES_HPP
#define UNISLAD_SYNTH_CATEGORIES_HPP

// The renderers of the categories, one source file each. A renderer draws the scene of `job` on the
// canvas (nominal, or with job.defect), marks the defect in canvas.mask and returns finish(canvas).

#include "synth_draw.hpp"

namespace unislad {
namespace synth {
namespace detail {

Sample renderKitTray(Canvas& canvas, const RenderJob& job);
Sample renderPinGrid(Canvas& canvas, const RenderJob& job);
Sample renderScrewBag(Canvas& canvas, const RenderJob& job);
Sample renderJuiceBottle(Canvas& canvas, const RenderJob& job);
Sample renderCableConnectors(Canvas& canvas, const RenderJob& job);
Sample renderWovenTexture(Canvas& canvas, const RenderJob& job);
Sample renderMetalNut(Canvas& canvas, const RenderJob& job);

} // namespace detail
} // namespace synth
} // namespace unislad

#endif // UNISLAD_SYNTH_CATEGORIES_HPP
