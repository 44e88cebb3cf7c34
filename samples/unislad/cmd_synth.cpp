// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// `unislad synth`: writes synthetic data sets in the MVTec LOCO AD / MVTec AD folder layout.
#include "cli_common.hpp"

#include "synthetic_data.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace unislad {
namespace cli {

namespace {

const char* const kSynthKeys =
    "{help h ?        |       | print this help}"
    "{out o           |<none> | output folder; each category is written to OUT/<category>/}"
    "{categories c    |all    | comma-separated category names, or 'all'}"
    "{train           |60     | images in train/good (0 to 999, as each count)}"
    "{validation      |20     | images in validation/good (MVTec LOCO AD layout only)}"
    "{test-good       |20     | images in test/good}"
    "{test-logical    |20     | images in test/logical_anomalies (LOCO only)}"
    "{test-structural |20     | structural anomalies (LOCO: test/structural_anomalies; MVTec AD: spread over test/<defect>)}"
    "{size            |256    | image width and height in pixels (32 to 4096)}"
    "{seed            |0      | data set seed, 0 to 9223372036854775807; the same seed gives byte-identical files}"
    "{quiet q         |       | no progress output}"
    "{list            |       | list the categories with their rules and defect types, then exit}";

const char* kindName(synth::Kind k)
{
    switch (k)
    {
    case synth::Kind::Loco: return "MVTec LOCO AD";
    case synth::Kind::Texture: return "MVTec AD texture";
    case synth::Kind::Object: return "MVTec AD object";
    }
    return "?";
}

std::string joined(const std::vector<std::string>& v)
{
    std::string s;
    for (const std::string& x : v)
        s += (s.empty() ? "" : ", ") + x;
    return s.empty() ? "-" : s;
}

} // namespace

int runSynth(int argc, const char* const argv[])
{
    Options opts(argc, argv, kSynthKeys,
                 "Writes synthetic anomaly detection data sets in the MVTec LOCO AD / MVTec AD folder layout.");
    if (opts.done())
        return opts.exitCode();
    cv::CommandLineParser& p = opts.parser();

    if (p.has("list"))
    {
        for (const synth::CategoryInfo& c : synth::categoryRegistry())
            std::cout << c.name << " (" << kindName(c.kind) << "): " << c.summary << "\n    logical: "
                      << joined(c.logicalDefects) << "\n    structural: " << joined(c.structuralDefects) << "\n";
        return kExitOk;
    }
    if (!p.has("out"))
        return opts.usageError("missing --out");
    const std::string out = p.get<std::string>("out");
    if (out.empty() || out == "true")
        return opts.usageError("--out: expected a folder, found nothing");

    synth::SplitCounts counts;
    struct CountOption
    {
        const char* name;
        int* target;
    } countOptions[] = {{"train", &counts.train},
                        {"validation", &counts.validation},
                        {"test-good", &counts.testGood},
                        {"test-logical", &counts.testLogical},
                        {"test-structural", &counts.testStructural}};
    for (const CountOption& c : countOptions)
    {
        long long v = 0;
        const std::string text = opts.text(c.name);
        if (!parseInteger(text, 0, 999, v))
            return opts.usageError(badValue(c.name, "an integer 0 to 999", text));
        *c.target = static_cast<int>(v);
    }
    long long size = 0;
    const std::string sizeText = opts.text("size");
    if (!parseInteger(sizeText, 32, 4096, size))
        return opts.usageError(badValue("size", "an integer 32 to 4096", sizeText));
    long long seedValue = 0;
    const std::string seedText = opts.text("seed");
    if (!parseInteger(seedText, 0, 9223372036854775807LL, seedValue))
        return opts.usageError(badValue("seed", "an integer 0 to 9223372036854775807", seedText));

    std::vector<std::string> categories = splitList(p.get<std::string>("categories"));
    if (categories.size() == 1 && categories[0] == "all")
        categories = synth::categoryNames();
    if (categories.empty())
        return opts.usageError("--categories: expected 'all' or category names, found nothing");
    for (size_t i = 0; i < categories.size(); ++i)
    {
        const std::string& name = categories[i];
        // A category named twice would be generated twice and counted twice in the summary line.
        for (size_t j = 0; j < i; ++j)
            if (categories[j] == name)
                return opts.usageError("--categories: '" + name + "' is named twice");
        bool known = false;
        for (const std::string& n : synth::categoryNames())
            known = known || n == name;
        if (!known)
            return opts.usageError("--categories: expected 'all' or some of " + joined(synth::categoryNames()) +
                                   ", found '" + name + "'");
    }

    const bool progress = !p.has("quiet") && isatty(fileno(stderr));
    const auto t0 = std::chrono::steady_clock::now();
    synth::GenerateStats total;
    for (const std::string& name : categories)
    {
        synth::ProgressFn fn;
        if (progress)
            fn = [&name](int done, int all) {
                std::fprintf(stderr, "\r%-18s %4d/%d", name.c_str(), done, all);
                if (done == all)
                    std::fprintf(stderr, "\n");
                std::fflush(stderr);
            };
        const synth::GenerateStats s =
            synth::generateCategory(out, name, counts, static_cast<uint64_t>(seedValue), static_cast<int>(size), fn);
        total.images += s.images;
        total.masks += s.masks;
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::ostringstream line;
    line.setf(std::ios::fixed);
    line.precision(1);
    line << "synth: wrote " << total.images << " images and " << total.masks << " masks for " << categories.size()
         << (categories.size() == 1 ? " category" : " categories") << " to " << out << " (size " << size
         << ", seed " << seedValue << ") in " << secs << " s";
    std::cout << line.str() << std::endl;
    return kExitOk;
}

} // namespace cli
} // namespace unislad
