// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include <opencv2/unislad.hpp>

#include <iostream>

int main()
{
    // Calls into the installed library, so a missing symbol or header fails the build or the run.
    std::cout << "UniSLAD " << cv::uniSLAD::getVersionString() << std::endl;
    return 0;
}
