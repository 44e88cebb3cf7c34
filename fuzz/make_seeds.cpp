// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// Writes the fuzzers' seed corpora: model files (a detector fitted on the tiny fixture backbone, with
// and without the Mahalanobis transform and with one branch switched off; small archives of every
// section kind), manifests (the fixture's, in YAML and JSON) and argument vectors of every subcommand
// (fuzz_cli's encoding, cli_vocabulary.hpp).
//
//   make_seeds <out dir> <tiny_backbone.yml>
#include <opencv2/imgproc.hpp>
#include <opencv2/unislad.hpp>

#include "cli_vocabulary.hpp"
#include "io/model_archive.hpp"
#include "tiny_detector.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

namespace fs = std::filesystem;
using namespace cv;
namespace arc = cv::uniSLAD::detail;

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::cerr << "usage: make_seeds <out dir> <tiny_backbone.yml>\n";
        return 2;
    }
    const std::string out = argv[1], manifest = fs::absolute(argv[2]).string();
    fs::create_directories(out + "/model_file");
    fs::create_directories(out + "/manifest");
    RNG rng(1);
    std::vector<Mat> train;
    for (int i = 0; i < 6; ++i) {
        Mat img(24, 24, CV_8UC3);
        rng.fill(img, RNG::UNIFORM, 60, 200);
        train.push_back(img);
    }
    int k = 0;
    for (int variant = 0; variant < 3; ++variant) {
        uniSLAD::Params p = tinyDetectorParams(manifest);   // smaller still: seeds should be short
        p.pretrainDims = 4;
        p.localDims = 4;
        p.localCoresetRatio = 0.1;
        p.globalCoresetRatio = 0.2;
        p.useMahalanobis = variant == 1;
        p.useGlobal = variant != 2;
        Ptr<uniSLAD::UniSLAD> d = uniSLAD::UniSLAD::create(p);
        d->fit(train);
        d->save(out + format("/model_file/model_%d.unislad", k++));
    }
    arc::ModelArchiveWriter w;
    w.addText("params", "x");
    w.addTensor("tensor/t", Mat(2, 3, CV_32F, Scalar(1)));
    w.addBytes("bytes", std::vector<uchar>{ 1, 2, 3 });
    w.save(out + format("/model_file/archive_%d.bin", k++));

    std::ifstream in(manifest);
    std::string yaml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(out + "/manifest/tiny.yml") << yaml;
    FileStorage fs(manifest, FileStorage::READ);
    FileStorage js(".json", FileStorage::WRITE | FileStorage::MEMORY);
    js << "model" << (std::string)fs["model"] << "sha256" << (std::string)fs["sha256"];
    js << "input" << "{" << "width" << 16 << "height" << 16 << "channel_order" << "BGR" << "scale" << 1.0
       << "mean" << "[" << 1 << 2 << 3 << "]" << "std" << "[" << 1 << 2 << 3 << "]" << "}";
    js << "taps" << "[" << "{" << "name" << "map" << "shape" << "[" << 4 << 16 << 16 << "]" << "role" << "local"
       << "default" << 1 << "}" << "{" << "name" << "t" << "tensor" << "[" << 196 << 768 << "]" << "shape" << "["
       << 768 << 14 << 14 << "]" << "role" << "global" << "imagenet" << 0 << "}" << "]";
    std::ofstream(out + "/manifest/tiny.json") << js.releaseAndGetString();
    // Argument vectors: a word of the vocabulary (the fixture paths above all) is its one-byte token;
    // anything else is passed as it is.
    const std::vector<std::vector<std::string>> vectors = {
        {"--help"},
        {"fit", "--help"},
        {"fit", "--train", "@train", "--model", "@out-model", "--manifest", "@manifest", "--quiet"},
        {"fit", "--train", "@category-loco", "--model", "@out-model", "--manifest", "@manifest"},
        {"fit", "-t", "@images", "--calib", "@images", "-m", "@out-model", "--manifest", "@manifest", "--grid", "2",
         "--mt", "ledoit-wolf", "--index", "hnsw"},
        {"fit", "--train", "@train", "--model", "@out-model"},
        {"fit", "--train", "@train", "--model", "@out-model", "--manifest", "@manifest", "--preset", "paper",
         "--ablation", "t3-1", "--fusion", "raw"},
        {"detect", "--model", "@model", "--input", "@images", "--out", "@out", "--heatmaps"},
        {"detect", "-m", "@model", "-i", "@image", "-o", "@out", "--threads", "1", "-q"},
        {"detect", "--model", "@broken-model", "--input", "@images", "--out", "@out"},
        {"detect", "--model", "@model", "--input", "@image", "--out", "@out", "--threshold", "0.5"},
        {"threshold", "--model", "@out-model", "--good", "@images", "--bad", "@images", "--rule", "fpr=0.05"},
        {"threshold", "-m", "@model", "--good", "@images", "--bad", "@empty", "--dry-run"},
        {"eval", "--data", "@category-loco", "--manifest", "@manifest", "--quiet"},
        {"eval", "--data", "@data", "--categories", "all", "--manifest", "@manifest", "--report", "@report"},
        {"eval", "-d", "@category-ad", "--model", "@model", "--no-pixel"},
        {"synth", "--out", "@out", "--categories", "juice_bottle", "--train", "1"},
        {"synth", "--list"},
        {"synth", "-o", "@scratch", "-c", "woven_texture,kit_tray", "--size", "48", "--seed", "3"},
        {"bench", "--manifest", "@manifest", "--category", "woven_texture", "--quiet"},
        {"bench", "--manifest", "@manifest", "--train", "4", "--runs", "2"},
    };
    int v = 0;
    fs::create_directories(out + "/cli");
    for (const std::vector<std::string>& args : vectors) {
        std::string bytes;
        for (const std::string& a : args) {
            const char b = unislad::fuzzcli::vocabularyByte(a);
            bytes += (bytes.empty() ? "" : "\n") + (b ? std::string(1, b) : a);
        }
        std::ofstream(out + format("/cli/args_%02d", v++), std::ios::binary) << bytes;
    }
    std::cout << "make_seeds: wrote " << k << " model files, 2 manifests and " << v << " argument vectors to " << out
              << "\n";
    return 0;
}
