// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// Compares DualFeatureExtractor's features on real backbones with the Python reference written by
// features_reference.py (same images, same parameters). Exit code 0 when every feature agrees to
// the tolerance, relative to the largest magnitude of the reference.
#include <opencv2/unislad/feature_extractor.hpp>

#include <iostream>
#include <sstream>

int main(int argc, char** argv)
{
    const cv::String keys =
        "{help h          |      | print this message}"
        "{manifest        |<none>| local backbone manifest}"
        "{global-manifest |      | global backbone manifest (default: the local one)}"
        "{reference       |<none>| features_reference.py output}"
        "{local-taps      |      | comma-separated local taps (default: the manifest's)}"
        "{global-taps     |      | comma-separated global taps (default: the manifest's)}"
        "{class-tap       |      | class tap (default: the manifest's)}"
        "{grid            |0     | local grid K (0: the first tap's)}"
        "{pretrain        |1024  | per-tap dimension}"
        "{target          |1024  | local feature dimension}"
        "{batch           |2     | images per forward pass}"
        "{tol             |1e-4  | largest allowed |C++ - Python| / max |Python|}";
    cv::CommandLineParser parser(argc, argv, keys);
    parser.about("Checks C++ features against the Python reference");
    if (parser.has("help")) {
        parser.printMessage();
        return 0;
    }
    cv::uniSLAD::DualFeatureExtractor::Params p;
    p.localManifest = parser.get<cv::String>("manifest");
    p.globalManifest = parser.get<cv::String>("global-manifest");
    const cv::String reference = parser.get<cv::String>("reference");
    auto split = [](const cv::String& s) {
        std::vector<cv::String> out;
        std::stringstream in(s);
        std::string item;
        while (std::getline(in, item, ','))
            if (!item.empty())
                out.push_back(item);
        return out;
    };
    p.localTaps = split(parser.get<cv::String>("local-taps"));
    p.globalTaps = split(parser.get<cv::String>("global-taps"));
    p.classTap = parser.get<cv::String>("class-tap");
    p.localAggregation.gridSize = parser.get<int>("grid");
    p.localAggregation.pretrainDims = parser.get<int>("pretrain");
    p.localAggregation.targetDims = parser.get<int>("target");
    p.batchSize = parser.get<int>("batch");
    const double tol = parser.get<double>("tol");
    if (!parser.check()) {
        parser.printErrors();
        return 2;
    }

    try {
        cv::FileStorage fs(reference, cv::FileStorage::READ);
        if (!fs.isOpened()) {
            std::cerr << "check_model_features: cannot read " << reference << std::endl;
            return 2;
        }
        std::vector<cv::Mat> images((int)fs["num_images"]);
        for (size_t i = 0; i < images.size(); ++i)
            fs["image" + std::to_string(i)] >> images[i];
        cv::Mat local, global, cls;
        cv::Ptr<cv::uniSLAD::DualFeatureExtractor> ex = cv::uniSLAD::DualFeatureExtractor::create(p);
        ex->extract(images, local, global, cls);
        bool ok = true;
        for (const auto& item : { std::make_pair("local", local), std::make_pair("global", global), std::make_pair("cls", cls) }) {
            cv::Mat expected;
            fs[item.first] >> expected;
            if (expected.size() != item.second.size()) {
                std::cerr << item.first << ": size " << item.second.size() << ", reference " << expected.size() << std::endl;
                ok = false;
                continue;
            }
            const double diff = cv::norm(item.second, expected, cv::NORM_INF);
            const double scale = std::max(cv::norm(expected, cv::NORM_INF), 1e-12);
            const bool pass = diff / scale <= tol;
            std::cout << item.first << ": " << expected.rows << " x " << expected.cols << ", max abs diff " << diff
                      << ", relative " << diff / scale << (pass ? "  ok" : "  TOO LARGE") << std::endl;
            ok = ok && pass;
        }
        return ok ? 0 : 1;
    } catch (const cv::Exception& e) {
        std::cerr << "check_model_features: " << e.what() << std::endl;
        return 2;
    }
}
