// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// Records what the detector does on the regression cases (modules/unislad/test/regression_cases.hpp)
// into modules/unislad/test/data/regression/: for every case the model file's fingerprint, the
// threshold and every number detect() and predict() give on the test images, plus the "holdout"
// case's model file itself (so that a model written by this version keeps loading). Uses only the
// public API, so it builds against any version of the library since the fixture's:
//
//   g++ -std=c++17 -O2 -I modules/unislad/test -I modules/unislad/include $(pkg-config --cflags opencv4) \
//       tests/regression/record_regression.cpp -L <build>/modules/unislad -lunislad \
//       $(pkg-config --libs opencv4) -o record_regression
//   (cd modules/unislad/test/data && LD_LIBRARY_PATH=<build>/modules/unislad ../../../../record_regression regression)
//
// It runs in the folder that holds tiny_backbone.yml (the cases name the manifest relatively).
#include "regression_cases.hpp"

#include <opencv2/core/utils/filesystem.hpp>

#include <iostream>

using namespace unislad_regression;

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::cerr << "usage: record_regression OUTPUT_DIR (run in the folder of tiny_backbone.yml)\n";
        return 2;
    }
    const std::string out = argv[1];
    cv::utils::fs::createDirectories(out);
    cv::FileStorage fs(out + "/regression.json", cv::FileStorage::WRITE | cv::FileStorage::FORMAT_JSON);
    fs << "version" << cv::uniSLAD::getVersionString() << "cases" << "[";
    const std::vector<cv::Mat> test = testImages();
    for (const Case& c : cases()) {
        cv::Ptr<cv::uniSLAD::UniSLAD> d = cv::uniSLAD::UniSLAD::create(c.params);
        if (c.givenCalibration)
            d->fit(trainImages(), calibrationImages());
        else
            d->fit(trainImages());
        const std::string modelPath = out + "/" + (c.name == "holdout" ? "tiny_holdout.unislad" : "scratch.unislad");
        d->save(modelPath);
        const std::vector<unsigned char> bytes = fileBytes(modelPath);
        if (c.name != "holdout")
            std::remove(modelPath.c_str());
        fs << "{" << "name" << c.name << "model" << fingerprint(bytes.data(), bytes.size())
           << "modelBytes" << (int)bytes.size() << "threshold" << (double)d->getThreshold() << "results" << "[";
        const std::vector<float> predicted = d->predictBatch(test);
        for (size_t i = 0; i < test.size(); ++i) {
            const cv::uniSLAD::Result r = d->detect(test[i]);
            fs << "{" << "values" << resultValues(r) << "predict" << (double)predicted[i]
               << "map" << mapFingerprint(r.anomalyMap) << "}";
        }
        fs << "]" << "}";
        std::cout << c.name << ": " << bytes.size() << " bytes, threshold " << d->getThreshold() << "\n";
    }
    fs << "]";
    return 0;
}
