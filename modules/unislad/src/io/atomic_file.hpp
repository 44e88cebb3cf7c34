// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_ATOMIC_FILE_HPP
#define OPENCV_UNISLAD_ATOMIC_FILE_HPP

// Files read and written whole, on POSIX and Windows alike.
//
// Reading: InputFile opens a regular file and reads it front to back in exact amounts (a file that
// shrinks meanwhile is reported as truncated); readFile reads all of one.
//
// Writing: writeFileAtomically(path, ...) creates "<path>.tmp-<pid>-<8 lowercase hex digits>"
// exclusively next to path, lets the caller fill it, then fsync, close, rename over path (MoveFileEx
// with write-through on Windows) and fsync of the directory. Readers of path see the old file or
// the new one, never a part. Whatever fails, the producer included, removes the temporary file and
// leaves path as it was; only a process killed meanwhile leaves its temporary file behind, and
// the next write of the same path removes it (POSIX: every "<path>.tmp-<pid>-<hex>" whose pid is
// not a running process; never one of this process or of a live one, so concurrent writers are
// safe; on Windows such files stay). The new file's mode is 0666 & ~umask.
//
// Symbolic links are followed: when path is a link (or a chain of them), the file it points to is
// replaced, through a temporary file next to that file, and the link stays a link; a dangling
// link gets its target created. Writing through the link is what a plain open-for-writing does,
// and keeps setups that point a fixed name at a versioned file working.
//
// Errors raise cv::Exception. The caller names itself or the file in every message, so that a
// message reads as that caller's own: InputFile's start with "<what> '<path>': " (e.g. "model
// file 'm.unislad': cannot open: No such file or directory"), writeFileAtomically's with
// "<who>: " (e.g. "ModelArchiveWriter::save: cannot write '<temporary>': No space left on
// device"); both end with the system's error text.

#include "io/byte_sink.hpp"

#include <opencv2/core.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cv {
namespace uniSLAD {
namespace detail {

//! A regular file open for reading, read sequentially.
class CV_EXPORTS InputFile
{
public:
    /** Opens path; raises StsObjectNotFound when it cannot be opened and StsBadArg when it is not a
        regular file. `what` names the file in messages ("model file"). */
    InputFile(const std::string& path, const std::string& what);
    ~InputFile();
    InputFile(const InputFile&) = delete;
    InputFile& operator=(const InputFile&) = delete;

    /** The size when the file was opened. */
    uint64_t size() const { return size_; }
    uint64_t position() const { return pos_; }
    uint64_t remaining() const { return size_ - pos_; }
    /** Reads exactly n <= remaining() bytes; raises StsError on a read error and StsParseError
        when the file ends early (it shrank while being read). */
    void read(void* dst, size_t n);

private:
    std::string path_, what_;
    int fd_ = -1;
    uint64_t size_ = 0, pos_ = 0;
};

/** The whole file, with InputFile's checks and messages. */
CV_EXPORTS std::vector<uchar> readFile(const std::string& path, const std::string& what);

/** Writes path atomically (see the top of this file): produce writes the file's bytes to the sink
    it is given (buffered; it may throw, which leaves path untouched). `who` starts every error
    message ("ModelArchiveWriter::save"); an empty path raises StsBadArg, I/O errors StsError. */
CV_EXPORTS void writeFileAtomically(const std::string& path, const std::string& who,
                                    const std::function<void(ByteSink&)>& produce);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_ATOMIC_FILE_HPP
