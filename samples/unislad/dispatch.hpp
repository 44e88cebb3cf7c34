// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef UNISLAD_SAMPLES_DISPATCH_HPP
#define UNISLAD_SAMPLES_DISPATCH_HPP

// The whole `unislad` program as a function, so that main() and the command-line fuzzer
// (fuzz/fuzz_cli.cpp) run the same dispatch: it never exits the process and turns every
// cv::Exception / std::exception into an exit code.

namespace unislad {
namespace cli {

/** Runs `unislad` on argv (argv[0] is the program name, argv[1] the subcommand); returns the exit
    code (ExitCode in cli_common.hpp: 0 success, 1 failure, 2 bad command line). */
int runProgram(int argc, const char* const argv[]);

} // namespace cli
} // namespace unislad

#endif // UNISLAD_SAMPLES_DISPATCH_HPP
