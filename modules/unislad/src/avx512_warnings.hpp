// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_AVX512_WARNINGS_HPP
#define OPENCV_UNISLAD_AVX512_WARNINGS_HPP

// GCC 12 reports false "(may be) used uninitialized" warnings inside AVX-512 intrinsics built on
// _mm*_undefined_*() (Eigen's float GEMM kernel inlines some, the coreset's distance kernels and fp16
// conversions others); they are not about this code. The pragmas cover only what follows them, so a
// source includes this header first, before anything that may include <immintrin.h> or Eigen.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#endif // OPENCV_UNISLAD_AVX512_WARNINGS_HPP
