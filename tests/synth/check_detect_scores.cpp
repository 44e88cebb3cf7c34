// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// check_detect_scores MODEL SCORES_CSV: the scores `unislad detect` wrote against the library's own
// UniSLAD::predict() of the same images with the same model file; also the threshold column and the
// verdict (anomaly exactly when score > threshold). Exit code 0 when every row agrees.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/unislad.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

/** One CSV line split at commas, with RFC 4180 quoting. */
std::vector<std::string> fields(const std::string& line)
{
    std::vector<std::string> out(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                out.back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                out.back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.emplace_back();
        } else if (c != '\r') {
            out.back() += c;
        }
    }
    return out;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::cerr << "usage: check_detect_scores MODEL SCORES_CSV\n";
        return 2;
    }
    const cv::Ptr<cv::uniSLAD::UniSLAD> model = cv::uniSLAD::UniSLAD::load(argv[1]);
    std::ifstream csv(argv[2]);
    std::string line;
    if (!std::getline(csv, line)) {
        std::cerr << "cannot read " << argv[2] << "\n";
        return 1;
    }
    const std::vector<std::string> header = fields(line);
    auto column = [&](const std::string& name) {
        for (size_t i = 0; i < header.size(); ++i)
            if (header[i] == name)
                return (int)i;
        std::cerr << argv[2] << ": no column '" << name << "'\n";
        std::exit(1);
    };
    const int cPath = column("path"), cScore = column("score"), cVerdict = column("verdict"), cThreshold = column("threshold");
    int rows = 0, bad = 0;
    double worst = 0;
    while (std::getline(csv, line)) {
        if (line.empty())
            continue;
        const std::vector<std::string> f = fields(line);
        ++rows;
        const cv::Mat image = cv::imread(f[cPath], cv::IMREAD_ANYDEPTH | cv::IMREAD_COLOR);
        if (image.empty()) {
            std::cerr << f[cPath] << ": cannot read the image\n";
            ++bad;
            continue;
        }
        const double expected = model->predict(image), found = std::stod(f[cScore]), threshold = std::stod(f[cThreshold]);
        const double diff = std::abs(expected - found) / std::max(1.0, std::abs(expected));
        worst = std::max(worst, diff);
        const bool anomaly = found > threshold;
        if (diff > 1e-6 || std::abs(threshold - model->getThreshold()) > 1e-6 * std::max(1.0, std::abs(threshold)) ||
            f[cVerdict] != (anomaly ? "anomaly" : "good")) {
            std::fprintf(stderr, "%s: predict %.9g, csv %.9g (threshold %.9g, model %.9g, verdict %s)\n", f[cPath].c_str(), expected,
                         found, threshold, model->getThreshold(), f[cVerdict].c_str());
            ++bad;
        }
    }
    std::printf("%d rows, %d disagree, largest relative difference %.3g\n", rows, bad, worst);
    return rows > 0 && bad == 0 ? 0 : 1;
}
