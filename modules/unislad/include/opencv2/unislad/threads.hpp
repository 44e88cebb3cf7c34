// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_THREADS_HPP
#define OPENCV_UNISLAD_THREADS_HPP

#include <opencv2/core.hpp>

namespace cv {
namespace uniSLAD {

//! @addtogroup unislad
//! @{

/** @brief Makes every result independent of the number of threads, the backbone's included.

The library's own stages split their work by the data's size only, so their results do not depend on
cv::setNumThreads. OpenCV's dnn module does not promise that: OpenCV 4.6 partitions a convolution by
cv::getNumThreads() and picks a different kernel for small feature maps when there are more tasks
(MobileNetV2 at 224 px: the same features for 1 and 2 threads, features that differ in the 7th
significant digit from 3 threads on). This function installs a cv::parallel_for_ backend
(cv::parallel::setParallelForBackend) that reports `tasks` threads to OpenCV (cv::getNumThreads()
returns it), so that every OpenCV function partitions its work the same way, and runs those tasks on
`threads` worker threads (the calling thread among them). cv::setNumThreads(n) then changes the number
of workers, not the partition; workerThreads() tells how many there are. Scores and maps are then
bit-identical for any thread count on a given machine.

The partition defaults to the machine's CPUs: the dnn module's kernels are tuned for one stripe per
thread, and a larger partition costs time (Wide-ResNet-50-2 on 2 cores: about 11 % slower with 32
tasks than with 2). A fixed `tasks` makes results comparable across machines with different numbers
of CPUs (the same instruction set assumed).

The `unislad` command line calls it at start. The GStreamer element does not (a plugin must not
replace its host program's parallel backend): a host that wants the same guarantee calls it in its
own main().
@param threads worker threads; <= 0: cv::getNumberOfCPUs()
@param tasks the partition of every parallel loop, 1 to 1024; <= 0: cv::getNumberOfCPUs()
@note Process-wide and, like cv::parallel::setParallelForBackend, not thread-safe: call it in main()
before any other OpenCV processing, while no other thread runs OpenCV code.
*/
CV_EXPORTS_W void useThreadCountIndependentBackend(int threads = 0, int tasks = 0);

/** @brief The threads that run parallel loops: the workers of useThreadCountIndependentBackend() while
it is in use (cv::getNumThreads() then returns its partition instead), cv::getNumThreads() otherwise. */
CV_EXPORTS_W int workerThreads();

//! @}

}} // namespace cv::uniSLAD

#endif
