// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "progress.hpp"

#include <cstdio>
#include <unistd.h>

namespace unislad {
namespace cli {

Progress::Progress(const std::string& title, bool quiet) : title_(title), active_(!quiet && isatty(STDERR_FILENO)) {}

Progress::~Progress()
{
    finish();
}

void Progress::update(const std::string& stage, int done, int total)
{
    if (!active_ || total <= 0)
        return;
    const int width = 30;
    const int filled = (int)((long long)width * std::min(done, total) / total);
    std::fprintf(stderr, "\r%s: %-12s [%s%s] %d/%d\033[K", title_.c_str(), stage.c_str(), std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(), done, total);
    std::fflush(stderr);
    drawn_ = true;
}

void Progress::finish()
{
    if (drawn_) {
        std::fprintf(stderr, "\r\033[K");
        std::fflush(stderr);
        drawn_ = false;
    }
}

} // namespace cli
} // namespace unislad
