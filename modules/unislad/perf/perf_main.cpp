// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// The component benchmarks use Google Benchmark. Inside an OpenCV source build, OpenCV compiles
// perf/*.cpp into its own perf-test runner; the benchmarks are then left out (every perf file is
// guarded by UNISLAD_STANDALONE) and this file supplies an empty runner.
#ifdef UNISLAD_STANDALONE
#include <benchmark/benchmark.h>
BENCHMARK_MAIN();
#else
#include "opencv2/ts.hpp"
CV_PERF_TEST_MAIN(unislad)
#endif
