// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_PRECOMP_HPP
#define OPENCV_UNISLAD_PRECOMP_HPP

// Third-party headers (Eigen, hnswlib, Boost) are included here and in src/ only, never from a
// public header.
#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "checks.hpp"

#endif // OPENCV_UNISLAD_PRECOMP_HPP
