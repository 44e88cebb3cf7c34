// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.

// Exports one end-to-end UniSLAD case for the independent numpy reference (unislad_reference.py):
// fits a detector on a small synthetic LOCO-style set with explicit calibration images, and writes
// the parameters, the extracted features of every image, the coreset indices of the patch banks and
// the C++ outputs (component maps, Result fields, fused patch maps, calibration statistics and
// threshold), once per fusion mode.
//
// Usage: export_reference_case --out=FILE.yml.gz (--tiny=tiny_backbone.yml | --manifest=backbone.yml)
//          [--category=pin_grid] [--size=128] [--seed=0] [--train=12] [--calibration=4] [--test=8]
//          [--fusion=both|raw|calibrated]

#include "opencv2/unislad.hpp"
#include "detector/unislad_impl.hpp"
#include "synthetic_data.hpp"
#include "tiny_detector.hpp"

#include <cstdlib>
#include <iostream>
#include <map>
#include <string>

using namespace cv;
using namespace cv::uniSLAD;
namespace synth = unislad::synth;
namespace impl = cv::uniSLAD::detail;

namespace {

const char* const kUsage =
    "usage: export_reference_case --out=FILE.yml.gz (--tiny=tiny_backbone.yml | --manifest=backbone.yml)\n"
    "         [--category=pin_grid] [--size=128] [--seed=0] [--train=12] [--calibration=4] [--test=8]\n"
    "         [--fusion=both|raw|calibrated]\n";

std::map<std::string, std::string> parseArgs(int argc, char** argv)
{
    std::map<std::string, std::string> a;
    for (int i = 1; i < argc; ++i) {
        const std::string s = argv[i];
        const size_t eq = s.find('=');
        if (s.compare(0, 2, "--") != 0 || eq == std::string::npos)
            CV_Error(Error::StsBadArg, "export_reference_case: argument '" + s + "': expected --name=value");
        a[s.substr(2, eq - 2)] = s.substr(eq + 1);
    }
    return a;
}

std::string arg(const std::map<std::string, std::string>& a, const std::string& key, const std::string& dflt)
{
    const auto it = a.find(key);
    return it == a.end() ? dflt : it->second;
}

/** The offline default (MobileNetV2) for a given manifest. */
Params manifestParams(const std::string& manifest)
{
    Params p = Params::defaults();
    p.localManifest = manifest;
    p.globalManifest = String();
    return p;
}

std::vector<Mat> render(const std::string& category, synth::Split split, int count, uint64_t seed, int size,
                        int first = 0)
{
    std::vector<Mat> v;
    for (int i = 0; i < count; ++i)
        v.push_back(synth::renderSample(category, split, first + i, seed, size).image);
    return v;
}

void writeFeatures(FileStorage& fs, const std::string& name, const impl::FeatureSet& f)
{
    fs << name << "{"
       << "count" << f.count << "localCells" << f.localCells << "globalCells" << f.globalCells
       << "local" << f.local << "global" << f.global << "cls" << f.cls << "}";
}

Mat row(const std::vector<int>& v)
{
    return Mat(v, true).reshape(1, 1);
}

bool sameFeatures(const impl::FeatureSet& a, const impl::FeatureSet& b)
{
    return a.count == b.count && norm(a.local, b.local, NORM_INF) == 0 && norm(a.global, b.global, NORM_INF) == 0 &&
           norm(a.cls, b.cls, NORM_INF) == 0;
}

} // namespace

int main(int argc, char** argv)
{
    try {
        const std::map<std::string, std::string> a = parseArgs(argc, argv);
        const std::string out = arg(a, "out", ""), tiny = arg(a, "tiny", ""), manifest = arg(a, "manifest", "");
        if (out.empty() || tiny.empty() == manifest.empty()) {
            std::cerr << kUsage;
            return 2;
        }
        const std::string category = arg(a, "category", "pin_grid"), fusion = arg(a, "fusion", "both");
        const int size = std::stoi(arg(a, "size", "128"));
        const uint64_t seed = std::stoull(arg(a, "seed", "0"));
        const int nTrain = std::stoi(arg(a, "train", "12")), nCal = std::stoi(arg(a, "calibration", "4"));
        const int nTest = std::stoi(arg(a, "test", "8"));
        if (fusion != "both" && fusion != "raw" && fusion != "calibrated") {
            std::cerr << "export_reference_case: --fusion: expected both, raw or calibrated, found '" << fusion << "'\n";
            return 2;
        }

        // Test images: good, logical and structural anomalies in turn (a third each, the rest good).
        const std::vector<Mat> train = render(category, synth::Split::Train, nTrain, seed, size);
        const std::vector<Mat> calibration = render(category, synth::Split::Validation, nCal, seed, size);
        std::vector<Mat> test;
        std::vector<int> labels;  // 0 good, 1 logical, 2 structural
        const synth::Split kinds[] = { synth::Split::TestGood, synth::Split::TestLogical, synth::Split::TestStructural };
        for (int i = 0; i < nTest; ++i) {
            test.push_back(synth::renderSample(category, kinds[i % 3], i / 3, seed, size).image);
            labels.push_back(i % 3);
        }

        FileStorage fs(out, FileStorage::WRITE);
        if (!fs.isOpened())
            CV_Error(Error::StsError, "export_reference_case: --out: cannot write '" + out + "'");
        fs << "category" << category << "imageSize" << size << "seed" << (int)seed;
        fs << "testLabels" << row(labels);

        std::vector<int> modes;
        if (fusion != "calibrated") modes.push_back(FUSION_RAW);
        if (fusion != "raw") modes.push_back(FUSION_CALIBRATED);
        fs << "modes" << "[";
        for (int m : modes)
            fs << (m == FUSION_RAW ? "raw" : "calibrated");
        fs << "]";

        impl::FeatureSet first[3];
        for (size_t k = 0; k < modes.size(); ++k) {
            Params p = tiny.empty() ? manifestParams(manifest) : tinyDetectorParams(tiny);
            p.fusion = modes[k];
            Ptr<impl::UniSLADImpl> detector = makePtr<impl::UniSLADImpl>(p);
            detector->fit(train, calibration);

            // The features, extracted as fit() and detect() extract them.
            const impl::FeatureSet sets[3] = { detector->extract(train), detector->extract(calibration),
                                                 detector->extract(test) };
            const char* names[3] = { "train", "calibration", "test" };
            if (k == 0) {
                fs << "params" << "{";
                p.write(fs);
                fs << "}";
                for (int s = 0; s < 3; ++s) {
                    writeFeatures(fs, names[s], sets[s]);
                    first[s] = sets[s];
                }
                const impl::FittedModel& model = detector->fittedModel();
                CV_Assert(model.banks.local && model.banks.global && model.banks.cls);
                fs << "coreset" << "{"
                   << "local" << row(model.banks.local->getCoresetIndices())
                   << "global" << row(model.banks.global->getCoresetIndices())
                   << "cls" << row(model.banks.cls->getCoresetIndices()) << "}";
            } else {
                for (int s = 0; s < 3; ++s)
                    if (!sameFeatures(sets[s], first[s]))
                        CV_Error(Error::StsError, std::string("export_reference_case: the ") + names[s] +
                                                      " features differ between the two fits");
            }

            // The outputs: the public API (detectBatch), and the component maps and fused patch maps of
            // the same images.
            const std::vector<Result> results = detector->detectBatch(test);
            const impl::FeatureSet& tf = sets[2];
            const int n = tf.count;
            Mat fields(n, 9, CV_64F), anomaly(n, 1, CV_32S);
            Mat patchLocal(n, tf.localCells, CV_32F), patchGlobal(n, tf.globalCells, CV_32F), patchMap;
            impl::FusionWeights w;
            w.w = p.w;
            w.wI = p.wI;
            w.wIG = p.wIG;
            const impl::CalibrationStats& stats = detector->calibrationStats();
            for (int i = 0; i < n; ++i) {
                const Result& r = results[i];
                const double v[9] = { r.score, r.patchLocal, r.patchGlobal, r.classWeight, r.patchScore,
                                      r.imageLocal, r.imageGlobal, r.imageClass, r.imageScore };
                for (int j = 0; j < 9; ++j)
                    fields.at<double>(i, j) = v[j];
                anomaly.at<int>(i) = r.isAnomaly ? 1 : 0;
                const impl::ComponentScores c = detector->components(tf, i);
                c.patchLocal.reshape(1, 1).copyTo(patchLocal.row(i));
                c.patchGlobal.reshape(1, 1).copyTo(patchGlobal.row(i));
                const impl::FusedScores f =
                    impl::fuseScores(c, w, p.fusion == FUSION_CALIBRATED ? &stats : nullptr);
                if (patchMap.empty())
                    patchMap.create(n, (int)f.patchMap.total(), CV_32F);
                f.patchMap.reshape(1, 1).copyTo(patchMap.row(i));
                if (std::abs(f.score - r.score) > 1e-6 * std::max(1.0, std::abs(f.score)))
                    CV_Error(Error::StsError, "export_reference_case: fuseScores disagrees with detect()");
            }
            fs << (p.fusion == FUSION_RAW ? "raw" : "calibrated") << "{"
               << "resultFields" << "[:" << "score" << "patchLocal" << "patchGlobal" << "classWeight" << "patchScore"
               << "imageLocal" << "imageGlobal" << "imageClass" << "imageScore" << "]"
               << "results" << fields << "isAnomaly" << anomaly
               << "patchLocalMaps" << patchLocal << "patchGlobalMaps" << patchGlobal << "patchMaps" << patchMap
               << "calibrationStats" << stats.toMat() << "threshold" << (double)detector->getThreshold() << "}";
            std::cout << "export_reference_case: " << (p.fusion == FUSION_RAW ? "raw" : "calibrated")
                      << ": threshold " << detector->getThreshold() << ", scores";
            for (const Result& r : results)
                std::cout << ' ' << r.score;
            std::cout << '\n';
        }
        fs.release();
        std::cout << "export_reference_case: wrote " << out << '\n';
        return 0;
    } catch (const cv::Exception& e) {
        std::cerr << "export_reference_case: error: " << e.what() << '\n';
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "export_reference_case: error: " << e.what() << '\n';
        return 1;
    }
}
