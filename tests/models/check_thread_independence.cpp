// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// Bit-for-bit independence of the thread count on a real backbone (README, "Threads"): every tap of
// the backbone and the detector's scores and maps at 1, 2, 3, 4, 8 and 16 threads, once the
// library's parallel backend is installed (useThreadCountIndependentBackend). First it reports how
// OpenCV's own backend does on the same taps, which is what the backend is for (OpenCV 4.6 picks a
// convolution kernel by the thread count); that part is information, not a condition.
// Exit code 0 when every comparison with the backend installed is exact.
#include <opencv2/imgproc.hpp>
#include <opencv2/unislad.hpp>

#include <iostream>
#include <string>

namespace {

const int kThreads[] = { 1, 2, 3, 4, 8, 16 };

/** A textured 256 x 256 image with a few parts on it; `k` makes each one different. */
cv::Mat sampleImage(int k)
{
    cv::RNG rng(1000 + k);
    cv::Mat img(256, 256, CV_8UC3);
    rng.fill(img, cv::RNG::UNIFORM, 60, 200);
    cv::GaussianBlur(img, img, cv::Size(), 2.0);
    for (int j = 0; j < 4; ++j)
        cv::circle(img, cv::Point(rng.uniform(30, 226), rng.uniform(30, 226)), rng.uniform(10, 30),
                   cv::Scalar(rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)), -1);
    return img;
}

/** The largest |a - b| over every tap (0: bit for bit, since the taps are finite). */
double tapDifference(const std::vector<cv::Mat>& a, const std::vector<cv::Mat>& b)
{
    double d = 0;
    for (size_t i = 0; i < a.size(); ++i)
        d = std::max(d, cv::norm(a[i].reshape(1, 1), b[i].reshape(1, 1), cv::NORM_INF));
    return d;
}

/** Forward passes at each thread count; returns how many differ from the first. */
int compareTaps(const cv::Ptr<cv::uniSLAD::Backbone>& backbone, const char* label)
{
    const std::vector<cv::Mat> images{ sampleImage(0), sampleImage(1) };
    std::vector<cv::Mat> first;
    int differing = 0;
    for (int t : kThreads) {
        cv::setNumThreads(t);
        std::vector<cv::Mat> taps;
        backbone->forwardImages(images, taps);
        if (first.empty()) {
            first = taps;
            continue;
        }
        const double d = tapDifference(first, taps);
        std::cout << label << ": taps at " << t << " threads vs 1: max |difference| " << d << "\n";
        differing += d != 0;
    }
    return differing;
}

} // namespace

int main(int argc, char** argv)
{
    // --taps-only: the backbone's taps alone (a network that is not a local backbone of the detector,
    // such as ViT-B/16 with its blocked fully connected layers).
    const bool tapsOnly = argc == 3 && std::string(argv[1]) == "--taps-only";
    if (argc != 2 && !tapsOnly) {
        std::cerr << "usage: check_thread_independence [--taps-only] <backbone manifest>\n";
        return 2;
    }
    const char* manifestPath = argv[argc - 1];
    try {
        const cv::uniSLAD::BackboneManifest manifest = cv::uniSLAD::BackboneManifest::read(manifestPath);
        const cv::Ptr<cv::uniSLAD::Backbone> backbone = cv::uniSLAD::Backbone::create(manifest);
        const int opencvDiffering = compareTaps(backbone, "OpenCV's backend");
        std::cout << "OpenCV's backend: " << opencvDiffering << " of 5 thread counts change the taps\n";

        cv::uniSLAD::useThreadCountIndependentBackend();
        int failures = compareTaps(backbone, "fixed partition");
        if (tapsOnly) {
            std::cout << (failures ? "FAILED" : "OK") << ": " << failures << " differences with the fixed partition\n";
            return failures ? 1 : 0;
        }

        cv::uniSLAD::Params p = cv::uniSLAD::Params::defaults();
        p.localManifest = manifestPath;
        std::vector<cv::Mat> train, test;
        for (int i = 0; i < 10; ++i)
            train.push_back(sampleImage(10 + i));
        for (int i = 0; i < 3; ++i)
            test.push_back(sampleImage(100 + i));
        std::vector<cv::uniSLAD::Result> first;
        for (int t : kThreads) {
            cv::setNumThreads(t);
            cv::Ptr<cv::uniSLAD::UniSLAD> detector = cv::uniSLAD::UniSLAD::create(p);
            detector->fit(train);
            const std::vector<cv::uniSLAD::Result> got = detector->detectBatch(test);
            if (first.empty()) {
                first = got;
                continue;
            }
            for (size_t i = 0; i < got.size(); ++i) {
                const double map = cv::norm(first[i].anomalyMap, got[i].anomalyMap, cv::NORM_INF);
                const bool same = got[i].score == first[i].score && got[i].threshold == first[i].threshold &&
                                  got[i].imageClass == first[i].imageClass && map == 0;
                std::cout << "detector at " << t << " threads, image " << i << ": score " << got[i].score << " vs "
                          << first[i].score << ", threshold " << got[i].threshold << " vs " << first[i].threshold
                          << ", map max |difference| " << map << (same ? "" : "  <- differs") << "\n";
                failures += !same;
            }
        }
        std::cout << (failures ? "FAILED" : "OK") << ": " << failures << " differences with the fixed partition\n";
        return failures ? 1 : 0;
    } catch (const cv::Exception& e) {
        std::cerr << "check_thread_independence: " << e.what() << "\n";
        return 1;
    }
}
