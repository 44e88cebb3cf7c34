// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// The thread-count independent parallel_for_ backend (opencv2/unislad/threads.hpp). Installing it is
// process-wide: under CTest every test runs in its own process; run as one binary, the tests after
// these run on the backend too (which they must survive).
#include "test_precomp.hpp"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>

namespace opencv_test {
namespace {

using namespace cv::uniSLAD;

/** Counts how often each index of a range was visited. */
std::vector<int> visits(int n)
{
    std::vector<std::atomic<int>> hits(n);
    for (auto& h : hits)
        h = 0;
    cv::parallel_for_(cv::Range(0, n), [&](const cv::Range& r) {
        for (int i = r.start; i < r.end; ++i)
            ++hits[i];
    });
    std::vector<int> out;
    for (auto& h : hits)
        out.push_back(h.load());
    return out;
}

/** What cv::setNumThreads(-1) resolves to: OPENCV_FOR_THREADS_NUM where it is set, else the CPUs. */
int openCvDefaultThreads()
{
    const char* configured = std::getenv("OPENCV_FOR_THREADS_NUM");
    const int n = configured ? std::atoi(configured) : 0;
    return n > 0 ? n : std::max(1, cv::getNumberOfCPUs());
}

TEST(UniSLAD_Threads, partition_is_fixed_and_every_task_runs_once)
{
    useThreadCountIndependentBackend(3, 32);
    EXPECT_EQ(3, workerThreads());
    for (int t : { 1, 2, 3, 5, 16 }) {
        SCOPED_TRACE(t);
        cv::setNumThreads(t);
        EXPECT_EQ(32, cv::getNumThreads());
        EXPECT_EQ(t, workerThreads());
        for (int n : { 1, 2, 31, 32, 33, 1000 })
            EXPECT_EQ(std::vector<int>(n, 1), visits(n)) << n;
    }
    cv::setNumThreads(-1);
    EXPECT_EQ(openCvDefaultThreads(), workerThreads());
}

TEST(UniSLAD_Threads, the_partition_defaults_to_the_cpus)
{
    useThreadCountIndependentBackend(5);
    EXPECT_EQ(std::max(1, cv::getNumberOfCPUs()), cv::getNumThreads());
    EXPECT_EQ(5, workerThreads());
    useThreadCountIndependentBackend(0, 7);
    EXPECT_EQ(7, cv::getNumThreads());
    EXPECT_EQ(std::max(1, cv::getNumberOfCPUs()), workerThreads());
    cv::setNumThreads(-1);
}

TEST(UniSLAD_Threads, fit_with_numThreads_restores_the_workers_not_the_partition)
{
    // Restoring cv::getNumThreads() (the partition) after fit() would start that many workers.
    useThreadCountIndependentBackend(2, 24);
    RNG rng(5);
    std::vector<Mat> train;
    for (int i = 0; i < 10; ++i)
        train.push_back(tinySampleImage(rng));
    Params p = tinyDetectorParams();
    p.numThreads = 3;
    Ptr<UniSLAD> d = UniSLAD::create(p);
    d->fit(train);
    EXPECT_EQ(2, workerThreads());
    EXPECT_EQ(24, cv::getNumThreads());
    cv::setNumThreads(-1);
}

TEST(UniSLAD_Threads, work_runs_on_the_workers)
{
    useThreadCountIndependentBackend(4);
    std::mutex m;
    std::set<std::thread::id> ids;
    cv::parallel_for_(cv::Range(0, 64), [&](const cv::Range&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        std::lock_guard<std::mutex> lock(m);
        ids.insert(std::this_thread::get_id());
    });
    EXPECT_GT(ids.size(), 1u);   // 64 tasks of 2 ms: more than the caller takes part
    EXPECT_LE(ids.size(), 4u);
    cv::setNumThreads(1);
    ids.clear();
    cv::parallel_for_(cv::Range(0, 64), [&](const cv::Range&) { ids.insert(std::this_thread::get_id()); });
    EXPECT_EQ(1u, ids.size());
    cv::setNumThreads(-1);
}

TEST(UniSLAD_Threads, an_exception_in_a_task_reaches_the_caller)
{
    useThreadCountIndependentBackend(2);
    EXPECT_THROW(cv::parallel_for_(cv::Range(0, 100), [&](const cv::Range& r) {
        if (r.start <= 57 && 57 < r.end)
            CV_Error(Error::StsError, "task 57 failed");
    }), cv::Exception);
    EXPECT_EQ(std::vector<int>(50, 1), visits(50));   // and the pool still works
}

TEST(UniSLAD_Threads, callers_on_several_threads_all_finish)
{
    useThreadCountIndependentBackend(2);
    std::vector<std::thread> callers;
    std::atomic<int> wrong{ 0 };
    for (int c = 0; c < 4; ++c)
        callers.emplace_back([&] {
            for (int k = 0; k < 50; ++k)
                if (visits(97) != std::vector<int>(97, 1))
                    ++wrong;
        });
    for (std::thread& t : callers)
        t.join();
    EXPECT_EQ(0, wrong.load());
}

TEST(UniSLAD_Threads, threads_out_of_range_is_refused)
{
    UNISLAD_EXPECT_THROW_MSG(useThreadCountIndependentBackend(1025), "threads", "1024", "1025");
    UNISLAD_EXPECT_THROW_MSG(useThreadCountIndependentBackend(2, 1025), "tasks", "1024", "1025");
}

TEST(UniSLAD_Threads, scores_and_maps_are_bitwise_equal_for_any_thread_count)
{
    useThreadCountIndependentBackend(0, 8);   // a partition both above and below the thread counts tried
    RNG rng(11);
    std::vector<Mat> train, test;
    for (int i = 0; i < 16; ++i)
        train.push_back(tinySampleImage(rng));
    for (int i = 0; i < 4; ++i)
        test.push_back(tinySampleImage(rng, i % 2 == 1));
    Ptr<UniSLAD> reference;
    std::vector<Result> expected;
    for (int t : { 1, 2, 3, 4, 8, 16 }) {
        SCOPED_TRACE(t);
        cv::setNumThreads(t);
        Ptr<UniSLAD> d = UniSLAD::create(tinyDetectorParams());
        d->fit(train);
        const std::vector<Result> got = d->detectBatch(test);
        if (expected.empty()) {
            expected = got;
            continue;
        }
        for (size_t i = 0; i < got.size(); ++i) {
            EXPECT_EQ(expected[i].score, got[i].score) << i;
            EXPECT_EQ(expected[i].threshold, got[i].threshold) << i;
            EXPECT_EQ(0, cv::norm(expected[i].anomalyMap, got[i].anomalyMap, NORM_INF)) << i;
        }
    }
    cv::setNumThreads(-1);
}

}} // namespace opencv_test
