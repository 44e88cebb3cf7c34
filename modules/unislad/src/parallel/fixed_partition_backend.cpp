// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// A cv::parallel_for_ backend whose partition does not depend on the thread count (see
// opencv2/unislad/threads.hpp for why). It tells OpenCV a fixed number of threads (the tasks), so code
// that sizes its partition by cv::getNumThreads() (the dnn module's convolutions) always splits the
// same way, and runs the tasks of each parallel_for_ on a small pool: the caller takes tasks one at a
// time from a shared counter, as do the workers, so any number of workers computes the same tasks.
//
// The tasks default to the machine's CPUs, not to a large constant: the dnn module's kernels are
// tuned for one stripe per thread, and more stripes than cores cost time (Wide-ResNet-50-2 on 2 cores:
// 32 tasks ran about 11 % slower than 2; BENCHMARKS.md, "The backbone").
#include "precomp.hpp"
#include "opencv2/unislad/threads.hpp"

#include <opencv2/core/parallel/parallel_backend.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

namespace cv {
namespace uniSLAD {
namespace detail {

namespace {

using Body = parallel::ParallelForAPI::FN_parallel_for_body_cb_t;

/** The tasks of one parallel_for call, shared by whoever runs them. */
class Job
{
public:
    Job(int tasks, Body body, void* data) : tasks_(tasks), body_(body), data_(data) {}

    /** Runs tasks until none is left to take. */
    void work()
    {
        for (int i; (i = next_.fetch_add(1)) < tasks_;) {
            try {
                body_(i, i + 1, data_);
            } catch (...) {
                std::lock_guard<std::mutex> lock(mutex_);
                if (!error_)
                    error_ = std::current_exception();
            }
            if (finished_.fetch_add(1) + 1 == tasks_) {
                std::lock_guard<std::mutex> lock(mutex_);
                done_.notify_all();
            }
        }
    }

    bool taken() const { return next_.load() >= tasks_; }

    /** Waits until every task has finished, then rethrows the first exception a task threw. */
    void wait()
    {
        std::unique_lock<std::mutex> lock(mutex_);
        done_.wait(lock, [this] { return finished_.load() == tasks_; });
        if (error_)
            std::rethrow_exception(error_);
    }

private:
    const int tasks_;
    const Body body_;
    void* const data_;
    std::atomic<int> next_{ 0 }, finished_{ 0 };
    std::mutex mutex_;
    std::condition_variable done_;
    std::exception_ptr error_;
};

thread_local int tlsWorkerIndex = 0;
const char* const kBackendName = "uniSLAD fixed partition";

class FixedPartitionBackend CV_FINAL : public parallel::ParallelForAPI
{
public:
    FixedPartitionBackend(int threads, int tasks) : tasks_(tasks) { start(threads); }
    ~FixedPartitionBackend() CV_OVERRIDE { stop(); }

    void parallel_for(int tasks, Body body, void* data) CV_OVERRIDE
    {
        if (tasks <= 0)
            return;
        if (tasks == 1 || workers_.empty()) {
            body(0, tasks, data);
            return;
        }
        const std::shared_ptr<Job> job = std::make_shared<Job>(tasks, body, data);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            queue_.push_back(job);
        }
        wake_.notify_all();
        job->work();
        {
            std::lock_guard<std::mutex> lock(mutex_);
            for (auto it = queue_.begin(); it != queue_.end(); ++it)
                if (*it == job) {
                    queue_.erase(it);
                    break;
                }
        }
        job->wait();
    }

    int getThreadNum() const CV_OVERRIDE { return tlsWorkerIndex; }
    int getNumThreads() const CV_OVERRIDE { return tasks_; }
    const char* getName() const CV_OVERRIDE { return kBackendName; }

    int setNumThreads(int threads) CV_OVERRIDE
    {
        const int previous = workerCount();
        if (resolved(threads) != previous) {   // restarting the pool for the same count would only cost time
            stop();
            start(threads);
        }
        return previous;
    }

    /** The workers, the calling thread included. */
    int workerCount() const { return workerCount_.load(); }

private:
    static int resolved(int threads) { return threads > 0 ? threads : std::max(1, getNumberOfCPUs()); }

    void start(int threads)
    {
        const int n = resolved(threads);
        workerCount_ = n;
        stopping_ = false;
        for (int i = 1; i < n; ++i)
            workers_.emplace_back([this, i] { run(i); });
    }

    void stop()
    {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        for (std::thread& t : workers_)
            t.join();
        workers_.clear();
    }

    void run(int index)
    {
        tlsWorkerIndex = index;
        std::unique_lock<std::mutex> lock(mutex_);
        for (;;) {
            while (!queue_.empty() && queue_.front()->taken())
                queue_.pop_front();   // its last tasks are running; its caller waits for them
            if (stopping_)
                return;
            if (queue_.empty()) {
                wake_.wait(lock);
                continue;
            }
            const std::shared_ptr<Job> job = queue_.front();
            lock.unlock();
            job->work();
            lock.lock();
        }
    }

    std::vector<std::thread> workers_;
    std::deque<std::shared_ptr<Job>> queue_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    const int tasks_;
    std::atomic<int> workerCount_{ 1 };
};

/** The backend this library installed last (OpenCV owns it), to tell its workers from its tasks. */
std::weak_ptr<FixedPartitionBackend>& installedBackend()
{
    static std::weak_ptr<FixedPartitionBackend> installed;
    return installed;
}

} // namespace
} // namespace detail

int workerThreads()
{
    // OpenCV holds the installed backend; once another one replaces it, the weak pointer expires.
    const std::shared_ptr<detail::FixedPartitionBackend> b = detail::installedBackend().lock();
    return b ? b->workerCount() : getNumThreads();
}

void useThreadCountIndependentBackend(int threads, int tasks)
{
    if (threads > 1024)
        CV_Error(Error::StsOutOfRange, format("useThreadCountIndependentBackend: threads: expected at most 1024, found %d", threads));
    if (tasks > 1024)
        CV_Error(Error::StsOutOfRange, format("useThreadCountIndependentBackend: tasks: expected at most 1024, found %d", tasks));
    const int workers = threads > 0 ? threads : std::max(1, getNumberOfCPUs());
    const int partition = tasks > 0 ? tasks : std::max(1, getNumberOfCPUs());
    const std::shared_ptr<detail::FixedPartitionBackend> backend = std::make_shared<detail::FixedPartitionBackend>(workers, partition);
    // propagateNumThreads = false: the workers are `threads`, not the number OpenCV was set to before.
    parallel::setParallelForBackend(backend, false);
    detail::installedBackend() = backend;
    // OpenCV runs a parallel_for_ serially, without asking the backend, while its own thread count is
    // 1 (cv::setNumThreads(1) earlier): make it the workers' count.
    setNumThreads(workers);
}

}} // namespace cv::uniSLAD
