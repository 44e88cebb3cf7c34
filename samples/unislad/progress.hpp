// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef UNISLAD_SAMPLES_PROGRESS_HPP
#define UNISLAD_SAMPLES_PROGRESS_HPP

// A one-line progress bar on stderr, drawn only when stderr is a terminal (and not quiet), so logs
// and pipes stay clean.

#include <string>

namespace unislad {
namespace cli {

class Progress
{
public:
    Progress(const std::string& title, bool quiet);
    ~Progress();
    void update(const std::string& stage, int done, int total);
    void finish();

private:
    std::string title_;
    bool active_;
    bool drawn_ = false;
};

} // namespace cli
} // namespace unislad

#endif // UNISLAD_SAMPLES_PROGRESS_HPP
