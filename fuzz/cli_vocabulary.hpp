// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef UNISLAD_FUZZ_CLI_VOCABULARY_HPP
#define UNISLAD_FUZZ_CLI_VOCABULARY_HPP

// What fuzz_cli.cpp turns bytes into, shared with make_seeds.cpp (which writes seed inputs in the
// same encoding).
//
// An input is a list of tokens separated by NUL or newline bytes. A token of one byte b stands for
// vocabulary()[b % size]; a longer token is passed as it is. Vocabulary entries starting with '@'
// are fixture paths, resolved when the fuzzer starts (its temporary folder has a random name, so the
// fuzzer could not spell them otherwise).

#include <string>
#include <vector>

namespace unislad {
namespace fuzzcli {

/** One option of a subcommand, as in its CommandLineParser keys. */
struct OptionSpec
{
    const char* names; //!< space-separated, as in the keys ("train n")
    bool takesValue;   //!< false for flags
    int limit;         //!< > 0: every run of digits in the value must be at most this (heavy work otherwise)
    const char* small; //!< when not "" and the option is left out, "--<name>=<small>" is added (its default is heavy)
    bool writes;       //!< the value is a path the command writes to (only scratch paths are run)
};

struct CommandSpec
{
    const char* name;
    std::vector<OptionSpec> options;
};

/** The detector options (detector_options.cpp, kDetectorKeys) of fit, eval and bench. */
inline std::vector<OptionSpec> detectorOptions()
{
    return {{"preset", true, 0, "", false},
            {"weights", true, 0, "", false},
            {"manifest", true, 0, "", false},
            {"global-manifest", true, 0, "", false},
            {"class-tap", true, 0, "", false},
            {"model-dir", true, 0, "", false},
            {"backend", true, 0, "", false},
            {"ablation", true, 0, "", false},
            {"fusion", true, 0, "", false},
            // The presets' K = 56 and 256 dimensions on the tiny backbone take longer than the fuzzer's
            // time limit under the sanitizers for one fit: small values unless the input sets them.
            {"grid", true, 8, "4", false},
            {"local-dims", true, 64, "8", false},
            {"pretrain-dims", true, 64, "8", false},
            {"local-ratio", true, 0, "", false},
            {"global-ratio", true, 0, "", false},
            {"mt", true, 0, "", false},
            {"mt-epsilon", true, 0, "", false},
            {"w", true, 0, "", false},
            {"w-i", true, 0, "", false},
            {"index", true, 0, "", false},
            {"auto-index-threshold", true, 0, "", false},
            {"hnsw-m", true, 64, "", false},
            {"hnsw-ef-construction", true, 200, "", false},
            {"hnsw-ef-search", true, 200, "", false},
            {"seed", true, 0, "", false},
            {"threads", true, 4, "", false}};
}

/** Every subcommand's options, copied from the keys strings of cmd_<name>.cpp. The fuzzer checks
    at start-up that they match what `unislad <name> --help` lists, so a new option cannot be missed. */
inline const std::vector<CommandSpec>& commandSpecs()
{
    static const std::vector<CommandSpec> specs = [] {
        auto with = [](std::vector<OptionSpec> own, bool detector) {
            own.insert(own.begin(), OptionSpec{"help h ?", false, 0, "", false});
            own.push_back(OptionSpec{"quiet q", false, 0, "", false});
            if (detector)
                for (const OptionSpec& o : detectorOptions())
                    own.push_back(o);
            return own;
        };
        std::vector<CommandSpec> s;
        s.push_back({"fit", with({{"train t", true, 0, "", false},
                                  {"calib", true, 0, "", false},
                                  {"append", true, 0, "", false},
                                  {"roi", true, 0, "", false},
                                  {"model m", true, 0, "", true},
                                   {"threshold", true, 0, "", false},
                                   {"force", false, 0, "", false},
                                   {"reference-backbones", false, 0, "", false}},
                                 true)});
        s.push_back({"detect", with({{"model m", true, 0, "", false},
                                     {"input i", true, 0, "", false},
                                     {"out o", true, 0, "", true},
                                     {"heatmaps", false, 0, "", false},
                                     {"masks", false, 0, "", false},
                                     {"threshold", true, 0, "", false},
                                     {"threads", true, 4, "", false}},
                                    false)});
        s.push_back({"threshold", with({{"model m", true, 0, "", true},
                                        {"good", true, 0, "", false},
                                        {"bad", true, 0, "", false},
                                        {"rule", true, 0, "", false},
                                        {"dry-run", false, 0, "", false},
                                        {"threads", true, 4, "", false}},
                                       false)});
        s.push_back({"eval", with({{"data d", true, 0, "", false},
                                   {"categories c", true, 0, "", false},
                                   {"model m", true, 0, "", false},
                                   {"report r", true, 0, "", true},
                                   {"no-pixel", false, 0, "", false}},
                                  true)});
        // Defaults of 60 training and 20 of each test split at 256 px for seven categories: seconds.
        s.push_back({"synth", with({{"out o", true, 0, "", true},
                                    {"categories c", true, 0, "", false},
                                    {"train", true, 3, "2", false},
                                    {"validation", true, 2, "1", false},
                                    {"test-good", true, 2, "1", false},
                                    {"test-logical", true, 2, "1", false},
                                    {"test-structural", true, 2, "1", false},
                                    {"size", true, 64, "32", false},
                                    {"seed", true, 0, "", false},
                                    {"list", false, 0, "", false}},
                                   false)});
        // Defaults of 100 training images of 256 px and 20 timed runs: far too slow for one input.
        s.push_back({"bench", with({{"train n", true, 4, "3", false},
                                    {"size", true, 64, "32", false},
                                    {"category", true, 0, "", false},
                                    {"runs", true, 2, "1", false},
                                    {"fit-runs", true, 2, "1", false}},
                                   true)});
        return s;
    }();
    return specs;
}

/** The vocabulary: program-level words, every option name of every subcommand (long and short
    forms), fixture paths, and values worth trying. */
inline const std::vector<std::string>& vocabulary()
{
    static const std::vector<std::string> v = [] {
        std::vector<std::string> w = {"fit", "detect", "eval", "synth", "bench", "--help", "-h", "help", "--version",
                                      "@manifest", "@model", "@broken-model", "@images", "@image", "@data",
                                      "@category-loco", "@category-ad", "@train", "@empty", "@missing", "@out", "@out-model",
                                      "@report", "@scratch", "@text-file",
                                      "0", "1", "2", "3", "4", "8", "16", "32", "48", "64", "999", "-1", "0.5",
                                      "0.25", "1.5", "1e-9", "nan", "inf", "-0", "", " ", ",", "=", "-", "--", "x",
                                      "all", "default", "paper", "imagenet", "random", "cpu", "cuda", "calibrated",
                                      "raw", "ridge", "ledoit-wolf", "exact", "hnsw", "auto", "preset", "full",
                                      "patchcore", "t3-1", "t3-9", "ifc-mean", "ifc-lum-pmp", "juice_bottle",
                                      "woven_texture", "juice_bottle,woven_texture", "kit_tray", "map", "deep",
                                      "threshold", "f1", "fpr=0.05", "fpr=0", "fpr=1"};
        for (const CommandSpec& c : commandSpecs())
            for (const OptionSpec& o : c.options) {
                const std::string names = o.names;
                for (size_t p = 0; p < names.size();) {
                    size_t q = names.find(' ', p);
                    if (q == std::string::npos)
                        q = names.size();
                    const std::string n = names.substr(p, q - p);
                    const std::string word = (n.size() == 1 ? "-" : "--") + n;
                    bool seen = false;
                    for (const std::string& x : w)
                        seen = seen || x == word;
                    if (!seen)
                        w.push_back(word);
                    p = q + 1;
                }
            }
        return w;
    }();
    return v;
}

/** The one-byte token that stands for vocabulary entry `word` (never NUL or newline). */
inline char vocabularyByte(const std::string& word)
{
    const std::vector<std::string>& v = vocabulary();
    for (size_t i = 0; i < v.size(); ++i)
        if (v[i] == word)
            for (size_t b = i; b < 256; b += v.size())
                if (b != 0 && b != '\n')
                    return static_cast<char>(b);
    return 0;
}

} // namespace fuzzcli
} // namespace unislad

#endif // UNISLAD_FUZZ_CLI_VOCABULARY_HPP
