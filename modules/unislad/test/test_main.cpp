// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "test_precomp.hpp"

#ifdef UNISLAD_STANDALONE
#include <cstdlib>

int main(int argc, char** argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    // UNISLAD_TEST_OPENCV_THREADS=n: cv::setNumThreads(n) first. scripts/sanitize.sh sets 1 under
    // ThreadSanitizer: Debian's OpenCV runs parallel_for_ on an uninstrumented TBB whose hand-over TSan
    // cannot see (OPENCV_FOR_THREADS_NUM only sizes that pool); the tests' own threads still run at once.
    if (const char* n = std::getenv("UNISLAD_TEST_OPENCV_THREADS"))
        cv::setNumThreads(std::atoi(n));
    return RUN_ALL_TESTS();
}
#else
CV_TEST_MAIN("")
#endif
