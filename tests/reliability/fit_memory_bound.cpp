// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// Fits Params::defaults() on many small synthetic images with Params::maxFeatureMemoryMiB, to be run
// under an address-space limit (ulimit -v): it must finish, and print its peak memory.
//
//   fit_memory_bound [images = 2000] [maxFeatureMemoryMiB = 256]
#include <opencv2/imgproc.hpp>
#include <opencv2/unislad.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

namespace {

/** A /proc/self/status field in MiB (VmPeak: address space, VmHWM: resident). */
double statusMiB(const std::string& key)
{
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.compare(0, key.size() + 1, key + ":") == 0)
            return std::atof(line.c_str() + key.size() + 1) / 1024.0;
    return -1;
}

} // namespace

int main(int argc, char** argv)
{
    using namespace cv;
    const int n = argc > 1 ? std::atoi(argv[1]) : 2000;
    const int budget = argc > 2 ? std::atoi(argv[2]) : 256;
    try {
        uniSLAD::Params p = uniSLAD::Params::defaults();
        p.maxFeatureMemoryMiB = budget;
        p.numThreads = 2;
        RNG rng(1);
        std::vector<Mat> images;
        for (int i = 0; i < n; ++i) {
            Mat img(48, 48, CV_8UC3);
            rng.fill(img, RNG::UNIFORM, 80, 150);
            GaussianBlur(img, img, Size(), 1.2);
            circle(img, Point(rng.uniform(16, 32), rng.uniform(16, 32)), 9, Scalar(30, 60, 90), -1);
            images.push_back(img);
        }
        const auto t0 = std::chrono::steady_clock::now();
        Ptr<uniSLAD::UniSLAD> d = uniSLAD::UniSLAD::create(p);
        d->fit(images);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        Mat defect = images[0].clone();
        circle(defect, Point(10, 10), 5, Scalar(255, 255, 255), -1);
        const float good = d->predict(images[1]), bad = d->predict(defect);
        std::printf("fit of %d images with maxFeatureMemoryMiB = %d: %.1f s; peak address space %.0f MiB, peak resident "
                    "%.0f MiB; score of a training image %.3f, of one with a defect %.3f (threshold %.3f)\n",
                    n, budget, seconds, statusMiB("VmPeak"), statusMiB("VmHWM"), good, bad, d->getThreshold());
        if (!std::isfinite(good) || !std::isfinite(bad))
            return 1;
    } catch (const std::exception& e) {
        std::printf("fit_memory_bound: failed: %s (peak address space %.0f MiB)\n", e.what(), statusMiB("VmPeak"));
        return 1;
    }
    return 0;
}
