// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// Runs every case of the bad-input corpus (make_bad_corpus.cpp, make_bad_onnx.py; cases*.tsv) through
// the library as a user meets it: images through cv::imread(IMREAD_UNCHANGED) and UniSLAD::detect,
// model files through UniSLAD::load, manifests through fit(), feature matrices through every
// component that takes features. "error" cases must raise cv::Exception with the case's fragment in
// the message (and the file's name for model files); "ok" cases must give a finite result.
//
//   unislad_bad_inputs_test <corpus dir> [gtest options]
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/unislad.hpp>

#include "tiny_detector.hpp"

#include <fstream>
#include <glob.h>
#include <sstream>

namespace {

using namespace cv;
using namespace cv::uniSLAD;

std::string corpus;

struct Case
{
    std::string id, kind, file, expect, fragment, cli;
    std::string path() const { return corpus + "/" + file; }
};

std::vector<Case> readCases()
{
    std::vector<Case> cases;
    glob_t g;
    if (::glob((corpus + "/cases*.tsv").c_str(), 0, nullptr, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; ++i) {
            std::ifstream in(g.gl_pathv[i]);
            std::string line;
            while (std::getline(in, line)) {
                if (line.empty() || line[0] == '#')
                    continue;
                std::istringstream fields(line);
                Case c;
                std::getline(fields, c.id, '\t');
                std::getline(fields, c.kind, '\t');
                std::getline(fields, c.file, '\t');
                std::getline(fields, c.expect, '\t');
                std::getline(fields, c.fragment, '\t');
                std::getline(fields, c.cli, '\t');
                cases.push_back(c);
            }
        }
    }
    globfree(&g);
    return cases;
}

std::vector<Mat> samples(int n, uint64 seed)
{
    RNG rng(seed);
    std::vector<Mat> v;
    for (int i = 0; i < n; ++i)
        v.push_back(tinySampleImage(rng));
    return v;
}

Params tinyParams(const std::string& manifest)
{
    Params p;
    p.localManifest = manifest;
    p.gridSize = 0;
    p.pretrainDims = 8;
    p.localDims = 8;
    p.localCoresetRatio = 0.25;
    p.globalCoresetRatio = 0.5;
    p.projectionDims = 0;
    return p;
}

/** Runs one case; returns "" when the outcome is the expected one, otherwise what went wrong. */
std::string runCase(const Case& c, const Ptr<UniSLAD>& detector)
{
    const bool wantError = c.expect == "error";
    try {
        if (c.kind == "image") {
            const Mat img = imread(c.path(), IMREAD_UNCHANGED);
            const Result r = detector->detect(img);
            if (!std::isfinite(r.score) || r.anomalyMap.size() != img.size() || r.anomalyMap.type() != CV_32F)
                return "a result without a finite score or a map of the image's size";
        } else if (c.kind == "model") {
            Ptr<UniSLAD> m = UniSLAD::load(c.path());
            if (!std::isfinite(m->predict(samples(1, 3)[0])))
                return "a loaded model gave a non-finite score";
        } else if (c.kind == "manifest") {
            Ptr<UniSLAD> d = UniSLAD::create(tinyParams(c.path()));
            d->fit(samples(4, 2));
            if (!std::isfinite(d->predict(samples(1, 3)[0])))
                return "a non-finite score";
        } else if (c.kind == "features") {
            FileStorage fs(c.path(), FileStorage::READ);
            Mat x;
            fs["features"] >> x;
            if (x.empty())
                return "unreadable features file";
            // Every component that takes features must refuse them; count the refusals.
            int refused = 0, tried = 0;
            std::string first;
            auto expectRefusal = [&](const std::function<void()>& f) {
                ++tried;
                try { f(); } catch (const cv::Exception& e) {
                    if (e.msg.find(c.fragment) != std::string::npos)
                        ++refused;
                    else if (first.empty())
                        first = e.msg;
                }
            };
            Mat clean(x.size(), CV_32F, Scalar(0.5)), out;
            expectRefusal([&] { CoresetSampler::create()->select(x); });
            expectRefusal([&] { MahalanobisTransform::create()->fit(x); });
            expectRefusal([&] { Ptr<MahalanobisTransform> t = MahalanobisTransform::create(); t->fit(clean + Mat::eye(x.size(), CV_32F)); t->apply(x, out); });
            expectRefusal([&] { GaussianModel::create()->fit(x); });
            expectRefusal([&] { ImageFeatureConverter::create()->convert(x, out); });
            expectRefusal([&] { MemoryBank::create()->fit(x); });
            expectRefusal([&] { NearestNeighborIndex::createExact(x.cols)->add(x); });
            expectRefusal([&] {
                Ptr<NearestNeighborIndex> idx = NearestNeighborIndex::createExact(x.cols);
                idx->add(clean);
                Mat d, i;
                idx->search(x, 1, d, i);
            });
            if (refused != tried)
                return format("%d of %d components refused the matrix with '%s'; first other message: %s", refused, tried,
                              c.fragment.c_str(), first.c_str());
            return "";
        } else {
            return "unknown kind '" + c.kind + "'";
        }
    } catch (const cv::Exception& e) {
        if (!wantError)
            return "unexpected cv::Exception: " + e.msg;
        if (c.fragment != "-" && e.msg.find(c.fragment) == std::string::npos)
            return "message \"" + e.msg + "\" lacks \"" + c.fragment + "\"";
        if (c.kind == "model" && e.msg.find(c.file) == std::string::npos)
            return "message \"" + e.msg + "\" does not name the file";
        if (e.msg.find('\n') != std::string::npos && e.msg.find('\n') + 1 < e.msg.size())
            return "message of several lines: \"" + e.msg + "\"";
        return "";
    } catch (const std::exception& e) {
        return std::string("an exception other than cv::Exception: ") + e.what();
    }
    return wantError ? "no exception" : "";
}

TEST(UniSLAD_BadInputs, every_case_of_the_corpus)
{
    const std::vector<Case> cases = readCases();
    ASSERT_GE(cases.size(), 60u) << "corpus '" << corpus << "' incomplete: generate it with make_bad_corpus";
    Ptr<UniSLAD> detector;
    for (const Case& c : cases)
        if (c.id == "manifest_good") {
            detector = UniSLAD::create(tinyParams(c.path()));
            detector->fit(samples(12, 1));
        }
    ASSERT_FALSE(detector.empty()) << "the corpus lacks manifest_good";
    std::map<std::string, int> perKind;
    for (const Case& c : cases) {
        SCOPED_TRACE(c.id + " (" + c.file + ")");
        EXPECT_EQ("", runCase(c, detector));
        ++perKind[c.kind];
    }
    std::cout << "[     INFO ] " << cases.size() << " cases:";
    for (const auto& k : perKind)
        std::cout << " " << k.second << " " << k.first;
    std::cout << std::endl;
}

} // namespace

int main(int argc, char** argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    if (argc < 2) {
        std::cerr << "usage: unislad_bad_inputs_test <corpus dir> [gtest options]\n";
        return 2;
    }
    corpus = argv[1];
    return RUN_ALL_TESTS();
}
