// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// Model-file write and read throughput on a 200 MB archive (a local bank of 50000 x 1024 CV_32F,
// a few small tensors, a 4 MB graph blob, the YAML parameters).
//   unislad_perf --benchmark_filter=ModelArchive
#ifdef UNISLAD_STANDALONE
#include <benchmark/benchmark.h>

#include "io/model_archive.hpp"
#include "perf_common.hpp"

#include <cstdio>

namespace {

using cv::uniSLAD::detail::ModelArchiveReader;
using cv::uniSLAD::detail::ModelArchiveWriter;

ModelArchiveWriter makeArchive(const cv::Mat& bank)
{
    ModelArchiveWriter w;
    w.addText("params", "%YAML:1.0\n---\nbackbone: mobilenet_v2\nk: 3\ncoreset_ratio: 0.2\n");
    w.addTensor("local_bank", bank);
    w.addTensor("local_transform", unislad_perf::randomFeatures(1024, 1024, 2));
    w.addTensor("threshold", cv::Mat(1, 1, CV_64F, cv::Scalar(0.5)));
    std::vector<uchar> graph(4 << 20);
    for (size_t i = 0; i < graph.size(); ++i)
        graph[i] = (uchar)(i * 2654435761u >> 24);
    w.addBytes("local_graph", std::move(graph));
    return w;
}

const cv::Mat& bank()
{
    static const cv::Mat b = unislad_perf::randomFeatures(50000, 1024, 1);   // 204.8 MB
    return b;
}

std::string archivePath() { return cv::tempfile(".unislad"); }

// save(): temporary file, CRC, fsync, rename, directory fsync.
void BM_ModelArchiveSave(benchmark::State& state)
{
    const ModelArchiveWriter w = makeArchive(bank());
    const std::string path = archivePath();
    unislad_perf::resetPeakMemory();
    for (auto _ : state)
        w.save(path);
    state.SetBytesProcessed((int64_t)state.iterations() * (int64_t)w.archiveSize());
    state.counters["MB"] = (double)w.archiveSize() / 1e6;
    state.counters["peak_MiB"] = unislad_perf::peakMemoryMiB();
    std::remove(path.c_str());
}
BENCHMARK(BM_ModelArchiveSave)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// load(): read, validate every CRC, build the tensors (the file is in the page cache).
void BM_ModelArchiveLoad(benchmark::State& state)
{
    const ModelArchiveWriter w = makeArchive(bank());
    const std::string path = archivePath();
    w.save(path);
    unislad_perf::resetPeakMemory();
    for (auto _ : state) {
        const ModelArchiveReader r = ModelArchiveReader::load(path);
        benchmark::DoNotOptimize(r.tensor("local_bank").data);
    }
    state.SetBytesProcessed((int64_t)state.iterations() * (int64_t)w.archiveSize());
    state.counters["MB"] = (double)w.archiveSize() / 1e6;
    state.counters["peak_MiB"] = unislad_perf::peakMemoryMiB();
    std::remove(path.c_str());
}
BENCHMARK(BM_ModelArchiveLoad)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// serialize() / parse(): the same work in memory, without the file system.
void BM_ModelArchiveSerializeParse(benchmark::State& state)
{
    const ModelArchiveWriter w = makeArchive(bank());
    for (auto _ : state) {
        const std::vector<uchar> bytes = w.serialize();
        const ModelArchiveReader r = ModelArchiveReader::parse(bytes, "memory");
        benchmark::DoNotOptimize(r.tensor("local_bank").data);
    }
    state.SetBytesProcessed((int64_t)state.iterations() * 2 * (int64_t)w.archiveSize());
    state.SetLabel("bytes/s counts the archive twice (write + read)");
}
BENCHMARK(BM_ModelArchiveSerializeParse)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

} // namespace
#endif // UNISLAD_STANDALONE
