// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// libFuzzer target over the command line's argument vectors: each input becomes the argv of one
// `unislad` run, executed in-process by the program's own dispatch (unislad::cli::runProgram, which
// main() calls), against a tiny fixture made at start-up in a fresh temporary folder:
//   @data            a synthetic data set (juice_bottle in the MVTec LOCO AD layout, woven_texture in the
//                    MVTec AD one; 32 px, a handful of images per split), @category-loco / @category-ad,
//                    @train (juice_bottle's train/good)
//   @model           a model fitted on @category-loco's train/good with the tiny fixture backbone (@manifest)
//   @images, @image  an image folder (test images, a text file, a truncated PNG) and one image
//   @broken-model, @text-file, @empty (also UNISLAD_MODEL_DIR: no preset backbone is ever found),
//   @missing         a path that does not exist
//   @out, @out-model, @report, @scratch   paths in the scratch folder, emptied before every input: the
//                    only place a command may write to
// Tokens: see cli_vocabulary.hpp.
//
// Checked: no crash, no sanitizer report, no exception out of the program (it must turn every error into
// an exit code), no hang (libFuzzer -timeout), and an exit code of 0, 1 or 2 (README "Command line");
// any other aborts.
//
// Left out, so that every input stays well under a second (the input returns at once, nothing runs):
//  * values of the options that scale the work above small limits (cli_vocabulary.hpp: synth's counts
//    and --size, bench's --train, --size, --runs, --fit-runs, the detector's --grid, --local-dims,
//    --pretrain-dims, --hnsw-*, --threads), and any token with a run of more than 3 digits; the synth and
//    bench options whose defaults are heavy are added with small values when the input leaves them out;
//  * a value other than a scratch path for an option the command writes to (--out, --report, fit's
//    --model): the fuzzer would litter the working directory, or change a fixture under later inputs;
//  * absolute paths (also after '=') and '..' in raw tokens: inputs stay away from the host's files;
//  * more than 32 tokens or tokens over 256 bytes.
// The working directory is left alone (libFuzzer resolves relative corpus and artifact paths in it).
// The preset backbones (MobileNetV2, WRN-50-2, ViT-B/16) are never present, so without --manifest
// @manifest fit, eval and bench stop at "backbone not found": the detector itself runs on the tiny one.
#include "cli_vocabulary.hpp"
#include "dispatch.hpp"
#include "synthetic_data.hpp"
#include "tiny_detector.hpp"

#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/unislad.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <streambuf>
#include <string>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using namespace unislad::fuzzcli;

namespace {

std::map<std::string, std::string> g_paths; // "@name" -> absolute path
std::string g_fixture, g_scratch;

/** Swallows what the program writes to std::cout / std::cerr. stderr (fd 2) itself stays open:
    libFuzzer's statistics and the sanitizers' reports go there. */
struct NullBuffer : std::streambuf
{
    int overflow(int c) override { return c; }
    std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};
NullBuffer g_null;

[[noreturn]] void fail(const std::string& what)
{
    std::fprintf(stderr, "fuzz_cli: %s\n", what.c_str());
    std::abort();
}

void writeBytes(const std::string& path, const std::string& bytes)
{
    std::ofstream(path, std::ios::binary) << bytes;
}

/** The option names `unislad <name> --help` lists (the "?" alias is not shown). */
std::vector<std::string> helpOptions(const std::string& name)
{
    std::ostringstream captured;
    std::streambuf* old = std::cout.rdbuf(captured.rdbuf());
    const std::string prog = "unislad";
    const char* argv[] = {prog.c_str(), name.c_str(), "--help"};
    const int rc = unislad::cli::runProgram(3, argv);
    std::cout.rdbuf(old);
    if (rc != 0)
        fail(name + " --help: exit code " + std::to_string(rc));
    std::vector<std::string> names;
    std::istringstream lines(captured.str());
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("  -", 0) != 0)
            continue;
        std::string list = line.substr(2, line.find(" (") == std::string::npos ? std::string::npos : line.find(" (") - 2);
        std::istringstream items(list);
        for (std::string item; std::getline(items, item, ',');) {
            while (!item.empty() && (item[0] == ' ' || item[0] == '-'))
                item.erase(0, 1);
            names.push_back(item);
        }
    }
    return names;
}

/** Aborts when the option table of cli_vocabulary.hpp no longer matches the program. */
void checkOptionTables()
{
    for (const CommandSpec& c : commandSpecs()) {
        std::vector<std::string> table;
        for (const OptionSpec& o : c.options) {
            std::istringstream n(o.names);
            for (std::string x; n >> x;)
                if (x != "?")
                    table.push_back(x);
        }
        std::vector<std::string> listed = helpOptions(c.name);
        std::sort(table.begin(), table.end());
        std::sort(listed.begin(), listed.end());
        if (table != listed) {
            std::string t, l;
            for (const std::string& x : table)
                t += " " + x;
            for (const std::string& x : listed)
                l += " " + x;
            fail(std::string("the options of '") + c.name + "' changed; update fuzz/cli_vocabulary.hpp.\n  table:" + t +
                 "\n  --help:" + l);
        }
    }
}

void makeFixture()
{
    char tmpl[] = "/tmp/unislad_fuzz_cli_XXXXXX";
    if (!mkdtemp(tmpl))
        fail("mkdtemp failed");
    const std::string root = tmpl;
    static std::string s_root = root;
    std::atexit([] {
        std::error_code ec;
        fs::remove_all(s_root, ec);
    });
    g_fixture = root + "/fixture";
    g_scratch = root + "/scratch";
    fs::create_directories(g_fixture + "/empty");
    fs::create_directories(g_fixture + "/images");
    fs::create_directories(g_scratch);
    const std::string data = g_fixture + "/data";

    unislad::synth::SplitCounts counts;
    counts.train = 5;
    counts.validation = 2;
    counts.testGood = 2;
    counts.testLogical = 1;
    counts.testStructural = 2;
    for (const char* category : {"juice_bottle", "woven_texture"})
        unislad::synth::generateCategory(data, category, counts, 0, 32);

    std::vector<cv::Mat> train;
    for (int i = 0; i < counts.train; ++i)
        train.push_back(unislad::synth::renderSample("juice_bottle", unislad::synth::Split::Train, i, 0, 32).image);
    cv::uniSLAD::Params p = tinyDetectorParams(UNISLAD_FUZZ_MANIFEST);
    cv::Ptr<cv::uniSLAD::UniSLAD> detector = cv::uniSLAD::UniSLAD::create(p);
    detector->fit(train);
    detector->save(g_fixture + "/model.unislad");

    const cv::Mat good = unislad::synth::renderSample("juice_bottle", unislad::synth::Split::TestGood, 0, 0, 32).image;
    const cv::Mat bad = unislad::synth::renderSample("juice_bottle", unislad::synth::Split::TestLogical, 0, 0, 32).image;
    cv::imwrite(g_fixture + "/images/good.png", good);
    cv::imwrite(g_fixture + "/images/logical.png", bad);
    cv::imwrite(g_fixture + "/image.png", bad);
    std::vector<uchar> png;
    cv::imencode(".png", good, png);
    writeBytes(g_fixture + "/images/truncated.png", std::string(png.begin(), png.begin() + png.size() / 2));
    writeBytes(g_fixture + "/images/notes.txt", "not an image\n");
    writeBytes(g_fixture + "/text.txt", "not an image\n");
    writeBytes(g_fixture + "/broken.unislad", "UNISLAD\x01 not a model");

    g_paths = {{"@manifest", UNISLAD_FUZZ_MANIFEST},
               {"@model", g_fixture + "/model.unislad"},
               {"@broken-model", g_fixture + "/broken.unislad"},
               {"@images", g_fixture + "/images"},
               {"@image", g_fixture + "/image.png"},
               {"@data", data},
               {"@category-loco", data + "/juice_bottle"},
               {"@category-ad", data + "/woven_texture"},
               {"@train", data + "/juice_bottle/train/good"},
               {"@empty", g_fixture + "/empty"},
               {"@missing", g_fixture + "/missing"},
               {"@text-file", g_fixture + "/text.txt"},
               {"@out", g_scratch + "/out"},
               {"@out-model", g_scratch + "/model.unislad"},
               {"@report", g_scratch + "/report"},
               {"@scratch", g_scratch}};
    for (const std::string& w : vocabulary())
        if (w[0] == '@' && !g_paths.count(w))
            fail("no fixture for " + w);
}

const CommandSpec* findCommand(const std::string& name)
{
    for (const CommandSpec& c : commandSpecs())
        if (name == c.name)
            return &c;
    return nullptr;
}

const OptionSpec* findOption(const CommandSpec& c, const std::string& name)
{
    for (const OptionSpec& o : c.options) {
        std::istringstream n(o.names);
        for (std::string x; n >> x;)
            if (x == name)
                return &o;
    }
    return nullptr;
}

bool digitsWithin(const std::string& text, long long limit)
{
    for (size_t i = 0; i < text.size();) {
        if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
            ++i;
            continue;
        }
        size_t j = i;
        while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j])))
            ++j;
        if (j - i > 3 || std::stoll(text.substr(i, j - i)) > limit)
            return false;
        i = j;
    }
    return true;
}

bool inScratch(const std::string& value)
{
    return value == g_scratch || value.rfind(g_scratch + "/", 0) == 0;
}

/** Reads the arguments the way cli::Options does, and says whether running them is cheap and
    harmless; adds the small values of the heavy-by-default options that are left out. */
bool admissible(std::vector<std::string>& args)
{
    if (args.size() < 2)
        return true;
    const CommandSpec* c = findCommand(args[1]);
    if (!c)
        return true; // help, version or an unknown command
    std::vector<const OptionSpec*> given;
    for (size_t i = 2; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.size() < 2 || a[0] != '-' || std::isdigit(static_cast<unsigned char>(a[1])))
            break; // the command stops here with a usage error
        std::string name = a.substr(a[1] == '-' ? 2 : 1), value;
        const size_t eq = name.find('=');
        const bool inlineValue = eq != std::string::npos;
        if (inlineValue) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        const OptionSpec* o = findOption(*c, name);
        if (!o)
            break; // unknown option: usage error
        if (o->takesValue && !inlineValue) {
            if (i + 1 >= args.size())
                break;
            value = args[++i];
        }
        given.push_back(o);
        // eval's HTML report detects every test image once more and draws its gallery: under the
        // sanitizers one such input takes longer than libFuzzer's time limit (measured: 24 s).
        if (args[1] == "eval" && std::string(o->names).rfind("report", 0) == 0)
            return false;
        if (o->limit > 0 && !digitsWithin(value, o->limit))
            return false;
        if (o->writes && !inScratch(value))
            return false;
    }
    std::vector<std::string> added;
    for (const OptionSpec& o : c->options)
        if (*o.small && std::find(given.begin(), given.end(), &o) == given.end()) {
            std::istringstream n(o.names);
            std::string first;
            n >> first;
            added.push_back("--" + first + "=" + o.small);
        }
    args.insert(args.begin() + 2, added.begin(), added.end());
    return true;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    std::cerr.rdbuf(&g_null);
    std::clog.rdbuf(&g_null);
    const int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) {
        std::fflush(stdout);
        dup2(devnull, STDOUT_FILENO);
        close(devnull);
    }
    makeFixture();
    setenv("UNISLAD_MODEL_DIR", (g_fixture + "/empty").c_str(), 1);
    checkOptionTables();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::vector<std::string> tokens;
    std::string current;
    for (size_t i = 0; i <= size; ++i) {
        if (i == size || data[i] == 0 || data[i] == '\n') {
            if (i < size || !current.empty())
                tokens.push_back(current);
            current.clear();
            if (tokens.size() > 32)
                return 0;
        } else if (current.size() >= 256)
            return 0;
        else
            current += static_cast<char>(data[i]);
    }
    const std::vector<std::string>& vocab = vocabulary();
    std::vector<std::string> args{"unislad"};
    for (const std::string& t : tokens) {
        if (t.size() == 1) {
            const std::string& w = vocab[static_cast<uint8_t>(t[0]) % vocab.size()];
            args.push_back(w[0] == '@' ? g_paths[w] : w);
            continue;
        }
        if (t[0] == '/' || t.find("=/") != std::string::npos || t.find("..") != std::string::npos ||
            !digitsWithin(t, 999))
            return 0;
        args.push_back(t);
    }
    if (!admissible(args))
        return 0;

    std::error_code ec;
    for (const fs::directory_entry& e : fs::directory_iterator(g_scratch, ec))
        fs::remove_all(e.path(), ec);
    std::vector<const char*> argv;
    for (const std::string& a : args)
        argv.push_back(a.c_str());
    const int rc = unislad::cli::runProgram(static_cast<int>(argv.size()), argv.data());
    if (rc != 0 && rc != 1 && rc != 2) {
        std::string line;
        for (const std::string& a : args)
            line += " '" + a + "'";
        fail("exit code " + std::to_string(rc) + " for" + line);
    }
    return 0;
}
