// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// `unislad`: command line of UniSLAD for OpenCV. The program lives in the library unislad_cli_core
// (dispatch.cpp lists the subcommands) so that the command-line fuzzer runs it in-process too.
#include "dispatch.hpp"
#include "output_files.hpp"

#include <opencv2/unislad/threads.hpp>

int main(int argc, char** argv)
{
    // A closed stdout (`unislad detect ... | head -1`) must not kill the program before it writes
    // its result files: printing stops (printOut), the work goes on.
    unislad::cli::ignoreBrokenPipes();
    // The same scores for any --threads, the backbone's features included (opencv2/unislad/threads.hpp).
    cv::uniSLAD::useThreadCountIndependentBackend();
    return unislad::cli::runProgram(argc, argv);
}
