// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// `unislad`: command line of UniSLAD for OpenCV. The program lives in the library unislad_cli_core
// (dispatch.cpp lists the subcommands) so that the command-line fuzzer runs it in-process too.
#include "dispatch.hpp"

int main(int argc, char** argv)
{
    return unislad::cli::runProgram(argc, argv);
}
