// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_EIGEN_HPP
#define OPENCV_UNISLAD_EIGEN_HPP

// Eigen for the sources that use it (never a public header). GCC 12 reports false
// -W(maybe-)uninitialized warnings inside Eigen's AVX-512 intrinsics (the _mm256_undefined_pd /
// _mm512_undefined_* placeholders of predux, _mm512_broadcastss_ps in the float GEMM kernel). They are
// emitted where the templates are instantiated, in the file that includes this header, so they are
// switched off for the rest of that file: a push/pop here would restore them before any instantiation.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <Eigen/Core>

#endif // OPENCV_UNISLAD_EIGEN_HPP
