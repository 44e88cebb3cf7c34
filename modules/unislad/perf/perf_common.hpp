// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_PERF_COMMON_HPP
#define OPENCV_UNISLAD_PERF_COMMON_HPP

// Shared by the benchmarks: feature generators and a peak-memory probe.

#include <opencv2/core.hpp>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

namespace unislad_perf {

/** N × d standard-normal features (seeded). */
inline cv::Mat randomFeatures(int n, int d, uint64_t seed = 1)
{
    cv::Mat x(n, d, CV_32F);
    cv::RNG rng(seed);
    rng.fill(x, cv::RNG::NORMAL, 0.0, 1.0);
    return x;
}

/** N × d features shaped like CNN patch features: non-negative, drawn around `clusters` centres
    with per-cluster spread, so that a few directions dominate (as after ReLU and pooling). */
inline cv::Mat clusteredFeatures(int n, int d, int clusters = 64, uint64_t seed = 1)
{
    cv::RNG rng(seed);
    cv::Mat centres(clusters, d, CV_32F);
    rng.fill(centres, cv::RNG::UNIFORM, 0.0, 2.0);
    cv::Mat spread(clusters, 1, CV_32F);
    rng.fill(spread, cv::RNG::UNIFORM, 0.05, 0.5);
    cv::Mat x(n, d, CV_32F);
    cv::Mat noise(1, d, CV_32F);
    for (int i = 0; i < n; ++i) {
        const int c = rng.uniform(0, clusters);
        rng.fill(noise, cv::RNG::NORMAL, 0.0, spread.at<float>(c));
        cv::Mat row = x.row(i);
        cv::max(centres.row(c) + noise, 0.0, row);
    }
    return x;
}

/** Resets the kernel's peak-RSS counter of this process (Linux; no-op elsewhere). */
inline void resetPeakMemory()
{
    std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
    if (f) { std::fputs("5", f); std::fclose(f); }
}

/** Peak resident set size of this process since the last reset, in MiB (Linux; 0 elsewhere). */
inline double peakMemoryMiB()
{
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0)
            return std::stod(line.substr(6)) / 1024.0;  // kB
    return 0.0;
}

} // namespace unislad_perf

#endif // OPENCV_UNISLAD_PERF_COMMON_HPP
