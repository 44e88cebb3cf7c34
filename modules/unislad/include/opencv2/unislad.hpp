// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_HPP
#define OPENCV_UNISLAD_HPP

#include <opencv2/core.hpp>

/**
@defgroup unislad UniSLAD: training-free structural and logical anomaly detection

An implementation of UniSLAD (unified structural and logical anomaly detection): memory banks of local
(CNN) and global (transformer) patch features, Mahalanobis-transformed and searched by nearest
neighbour for structural anomalies, and image-level distribution maps for logical ones. It is fitted
from a few dozen nominal images, with no training of the backbones.

The numerical building blocks are public, each in its own header, and usable alone:
- coreset selection (paper Eq. 5): cv::uniSLAD::CoresetSampler
- the Mahalanobis feature transform (Eq. 6-11): cv::uniSLAD::MahalanobisTransform
- nearest-neighbour search over a memory bank (Eq. 16-17): cv::uniSLAD::NearestNeighborIndex
- image-level feature conversion (Eq. 12-14): cv::uniSLAD::ImageFeatureConverter
- the per-representation Gaussian (Eq. 15, 19): cv::uniSLAD::GaussianModel
- evaluation metrics (image and pixel AUROC, AUPRO, F1-max): cv::uniSLAD::metrics

Conventions: a set of feature vectors is a 2-D, single-channel CV_32F cv::Mat with one vector per row
(N × d, row-major). Every function checks its input and raises cv::Exception with a message that names
the argument, what was expected and what was found.
*/

namespace cv {
namespace uniSLAD {

//! @addtogroup unislad
//! @{

/** @brief The library's version, "major.minor.patch". */
CV_EXPORTS_W String getVersionString();

//! @}

}} // namespace cv::uniSLAD

// COMPONENT HEADERS

#endif // OPENCV_UNISLAD_HPP
