// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "synth_categories.hpp"
namespace unislad { namespace synth { namespace detail {
Sample renderJuiceBottle(Canvas& canvas, const RenderJob&) { fillSurface(canvas, cv::Vec3f(100,100,100), 0.1, 30, 3); return finish(canvas); }
}}}
