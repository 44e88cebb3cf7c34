// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_EIGEN_HPP
#define OPENCV_UNISLAD_EIGEN_HPP

// Eigen for the sources that use it (never a public header), after the switches for GCC's false
// warnings inside the AVX-512 intrinsics that Eigen's kernels inline (see avx512_warnings.hpp). They are
// reported where the templates are instantiated, in the file that includes this header.
#include "avx512_warnings.hpp"
#include <Eigen/Core>

namespace cv {
namespace uniSLAD {
namespace detail {

// Row-major like cv::Mat, so that Eigen::Map views a Mat's rows without a copy.
using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowMatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_EIGEN_HPP
