// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// The `unislad` program (main.cpp calls it): each subcommand lives in its own file (cmd_<name>.cpp)
// and is listed once in commands() below.
#include "dispatch.hpp"

#include "cli_common.hpp"

#include <opencv2/unislad.hpp>

#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace unislad {
namespace cli {

int runSynth(int argc, const char* const argv[]);
int runFit(int argc, const char* const argv[]);
int runDetect(int argc, const char* const argv[]);
int runEval(int argc, const char* const argv[]);
int runBench(int argc, const char* const argv[]);
int runThreshold(int argc, const char* const argv[]);

const std::vector<Command>& commands()
{
    static const std::vector<Command> list = {
        {"fit", "fit a detector on nominal images and write the model file", &runFit},
        {"detect", "score images with a model: verdicts, scores.csv, results.json, heat maps", &runDetect},
        {"threshold", "choose a model's decision threshold from labelled good and anomalous images", &runThreshold},
        {"eval", "fit and evaluate on MVTec AD / MVTec LOCO AD style data: image and pixel AUROC, AUPRO, F1-max; --report", &runEval},
        {"bench", "measure fit and detect times on this machine, detect split by stage", &runBench},
        {"synth", "write synthetic MVTec AD / MVTec LOCO AD style data sets", &runSynth},
    };
    return list;
}

} // namespace cli
} // namespace unislad

namespace {

void printHelp(std::ostream& os)
{
    os << "unislad " << cv::uniSLAD::getVersionString()
       << ": training-free structural and logical anomaly detection (UniSLAD for OpenCV)\n\n"
       << "Usage: unislad <command> [options]\n"
       << "       unislad <command> --help\n\nCommands:\n";
    for (const unislad::cli::Command& c : unislad::cli::commands())
        os << "  " << c.name << std::string(c.name ? 10 - std::min<size_t>(9, std::strlen(c.name)) : 1, ' ') << c.summary
           << "\n";
}

} // namespace

int unislad::cli::runProgram(int argc, const char* const argv[])
{
    if (argc < 2)
    {
        std::cerr << "unislad: missing command\n\n";
        printHelp(std::cerr);
        return kExitUsage;
    }
    const std::string name = argv[1];
    if (name == "--help" || name == "-h" || name == "help")
    {
        printHelp(std::cout);
        return kExitOk;
    }
    if (name == "--version")
    {
        std::cout << "unislad " << cv::uniSLAD::getVersionString() << "\n";
        return kExitOk;
    }
    for (const Command& c : commands())
    {
        if (name != c.name)
            continue;
        const std::string prog = std::string("unislad ") + c.name;
        std::vector<const char*> args{prog.c_str()};
        for (int i = 2; i < argc; ++i)
            args.push_back(argv[i]);
        try
        {
            return c.run(static_cast<int>(args.size()), args.data());
        }
        catch (const cv::Exception& e)
        {
            std::cerr << prog << ": error: " << e.err << "\n";
            return kExitError;
        }
        catch (const std::exception& e)
        {
            std::cerr << prog << ": error: " << e.what() << "\n";
            return kExitError;
        }
    }
    std::cerr << "unislad: unknown command '" << name << "'\n\n";
    printHelp(std::cerr);
    return kExitUsage;
}
