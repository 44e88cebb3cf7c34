// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "io/atomic_file.hpp"
#include "io/file_type.hpp"

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <random>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#ifdef _WIN32
#include <io.h>
#include <process.h>
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#else
#include <dirent.h>
#include <signal.h>
#include <unistd.h>
#endif

namespace cv {
namespace uniSLAD {
namespace detail {

namespace {

constexpr size_t kIoChunk = size_t(1) << 24;   // at most 16 MiB per read/write call

std::string systemError(int err)
{
    return std::strerror(err);
}

// ---- files ----------------------------------------------------------------------------------
// readSome and writeSome move at most kIoChunk bytes and return the count, or -1 with errno set.
#ifdef _WIN32
int openForReading(const std::string& p) { return ::_open(p.c_str(), _O_RDONLY | _O_BINARY); }
int createExclusive(const std::string& p)
{
    return ::_open(p.c_str(), _O_WRONLY | _O_CREAT | _O_EXCL | _O_BINARY, _S_IREAD | _S_IWRITE);
}
int closeFd(int fd) { return ::_close(fd); }
int syncFd(int fd) { return ::_commit(fd); }
ptrdiff_t readSome(int fd, void* p, size_t n) { return ::_read(fd, p, (unsigned)std::min(n, kIoChunk)); }
ptrdiff_t writeSome(int fd, const void* p, size_t n) { return ::_write(fd, p, (unsigned)std::min(n, kIoChunk)); }
long processId() { return (long)::_getpid(); }
bool replaceFile(const std::string& from, const std::string& to)
{
    if (MoveFileExA(from.c_str(), to.c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
        return true;
    errno = EACCES;
    return false;
}
void syncDirectory(const std::string&, const std::string&) {}   // MOVEFILE_WRITE_THROUGH covers it
#else
int openForReading(const std::string& p) { return ::open(p.c_str(), O_RDONLY | O_CLOEXEC); }
int createExclusive(const std::string& p) { return ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666); }
int closeFd(int fd) { return ::close(fd); }
int syncFd(int fd) { return ::fsync(fd); }
ptrdiff_t readSome(int fd, void* p, size_t n) { return ::read(fd, p, std::min(n, kIoChunk)); }
ptrdiff_t writeSome(int fd, const void* p, size_t n) { return ::write(fd, p, std::min(n, kIoChunk)); }
long processId() { return (long)::getpid(); }
bool replaceFile(const std::string& from, const std::string& to) { return ::rename(from.c_str(), to.c_str()) == 0; }
void syncDirectory(const std::string& dir, const std::string& who)
{
#ifdef O_DIRECTORY
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
#else
    const int fd = ::open(dir.c_str(), O_RDONLY | O_CLOEXEC);
#endif
    if (fd < 0) {
        CV_LOG_WARNING(NULL, who << ": cannot open directory '" << dir
                       << "' to sync it: " << systemError(errno));
        return;
    }
    // Some file systems cannot sync a directory (EINVAL); the rename has happened either way.
    if (::fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
        CV_LOG_WARNING(NULL, who << ": cannot sync directory '" << dir << "': " << systemError(errno));
    ::close(fd);
}
#endif

std::string directoryOf(const std::string& path)
{
    const size_t slash = path.find_last_of("/\\");
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? path.substr(0, 1) : path.substr(0, slash);
}

std::string fileNameOf(const std::string& path)
{
    const size_t slash = path.find_last_of("/\\");
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

#ifndef _WIN32
/** The file that writing to path reaches: path itself, or the end of its chain of symbolic links
    (which need not exist: a dangling link). A loop, or an unreadable link, raises. */
std::string followLinks(const std::string& path, const std::string& who)
{
    std::string p = path;
    for (int depth = 0; depth < 40; ++depth) {   // SYMLOOP_MAX is 40 on Linux
        struct stat st;
        if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode))
            return p;   // not a link, or nothing there: write p
        std::vector<char> buf((size_t)std::max<off_t>(st.st_size, 255) + 1);
        const ssize_t n = ::readlink(p.c_str(), buf.data(), buf.size() - 1);
        if (n < 0)
            CV_Error(Error::StsError, who + ": cannot read the symbolic link '" + p + "': " + systemError(errno));
        const std::string target(buf.data(), (size_t)n);
        p = (!target.empty() && target[0] == '/') || p.find('/') == std::string::npos
                ? target : directoryOf(p) + "/" + target;
    }
    CV_Error(Error::StsError, who + ": '" + path + "': too many levels of symbolic links");
}

/** Removes what killed writers of destination left: "<name>.tmp-<pid>-<8 hex digits>" in its
    directory whose pid is not a running process. A temporary of this process (another thread may
    be writing the same file) or of a live one is left alone; kill(pid, 0) failing with ESRCH is
    the only proof of death accepted (EPERM: alive, another user's). Failures are not errors:
    this is housekeeping, and the write itself does not depend on it. */
void removeStaleTemporaries(const std::string& destination)
{
    const std::string dir = directoryOf(destination), prefix = fileNameOf(destination) + ".tmp-";
    DIR* d = ::opendir(dir.c_str());
    if (!d)
        return;
    const long self = processId();
    while (const struct dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0)
            continue;
        // The rest must be "<decimal pid>-<8 lowercase hex digits>", exactly what TemporaryFile makes.
        const std::string rest = name.substr(prefix.size());
        const size_t dash = rest.find('-');
        if (dash == 0 || dash == std::string::npos || dash > 10 || rest.size() != dash + 9)
            continue;
        bool ok = true;
        for (size_t i = 0; i < rest.size() && ok; ++i)
            ok = i < dash ? (rest[i] >= '0' && rest[i] <= '9')
                          : i == dash || (rest[i] >= '0' && rest[i] <= '9') || (rest[i] >= 'a' && rest[i] <= 'f');
        if (!ok)
            continue;
        const long pid = std::stol(rest.substr(0, dash));
        if (pid <= 0 || pid == self || (pid_t)pid != pid)
            continue;
        if (::kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        const std::string stale = (dir == "/" ? dir : dir + "/") + name;
        if (std::remove(stale.c_str()) == 0)
            CV_LOG_INFO(NULL, "removed '" << stale << "', left by process " << pid << " that no longer runs");
    }
    ::closedir(d);
}
#endif

// ---- output -----------------------------------------------------------------------------------
//! Buffered writes to a file descriptor; large blocks bypass the buffer.
class FdSink : public ByteSink
{
public:
    FdSink(int fd, const std::string& path, const std::string& who) : fd_(fd), path_(path), who_(who)
    {
        buf_.reserve(kBufferSize);
    }
    void write(const void* data, size_t size) CV_OVERRIDE
    {
        const uchar* p = static_cast<const uchar*>(data);
        if (buf_.size() + size <= kBufferSize) {
            buf_.insert(buf_.end(), p, p + size);
            return;
        }
        flush();
        if (size < kBufferSize)
            buf_.insert(buf_.end(), p, p + size);
        else
            writeAll(p, size);
    }
    void flush()
    {
        writeAll(buf_.data(), buf_.size());
        buf_.clear();
    }
private:
    static constexpr size_t kBufferSize = 1 << 16;
    void writeAll(const uchar* p, size_t size)
    {
        while (size > 0) {
            const ptrdiff_t w = writeSome(fd_, p, size);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                CV_Error(Error::StsError, format("%s: cannot write '%s': %s", who_.c_str(),
                                                 path_.c_str(), systemError(w < 0 ? errno : EIO).c_str()));
            p += w;
            size -= (size_t)w;
        }
    }
    int fd_;
    std::string path_, who_;
    std::vector<uchar> buf_;
};

//! The temporary file of one write: created exclusively; removed on destruction unless renamed.
class TemporaryFile
{
public:
    TemporaryFile(const std::string& destination, const std::string& who) : destination_(destination), who_(who)
    {
        std::random_device device;
        std::mt19937_64 rng(((uint64_t)device() << 32) ^ device() ^
                            (uint64_t)std::chrono::steady_clock::now().time_since_epoch().count());
        for (int attempt = 0; attempt < 100; ++attempt) {
            path_ = destination + format(".tmp-%ld-%08x", processId(), (unsigned)(rng() & 0xFFFFFFFFu));
            fd_ = createExclusive(path_);
            if (fd_ >= 0 || errno != EEXIST)
                break;
        }
        if (fd_ < 0)
            CV_Error(Error::StsError, who + ": cannot create the temporary file '" + path_ + "' for '" +
                                      destination + "': " + systemError(errno));
    }
    ~TemporaryFile()
    {
        if (fd_ >= 0)
            closeFd(fd_);
        if (!renamed_)
            std::remove(path_.c_str());
    }
    int fd() const { return fd_; }
    const std::string& path() const { return path_; }

    //! fsync, close, rename over the destination, fsync the directory.
    void commit()
    {
        if (syncFd(fd_) != 0)
            fail("cannot sync '" + path_ + "'");
        const int fd = fd_;
        fd_ = -1;
        if (closeFd(fd) != 0)
            fail("cannot close '" + path_ + "'");
        if (!replaceFile(path_, destination_))
            fail("cannot rename '" + path_ + "' to '" + destination_ + "'");
        renamed_ = true;
        syncDirectory(directoryOf(destination_), who_);
    }

private:
    void fail(const std::string& what)
    {
        const int err = errno;
        CV_Error(Error::StsError, who_ + ": " + what + ": " + systemError(err));
    }
    std::string destination_, who_, path_;
    int fd_ = -1;
    bool renamed_ = false;
};

} // namespace

// ---- input ------------------------------------------------------------------------------------
InputFile::InputFile(const std::string& path, const std::string& what) : path_(path), what_(what)
{
    checkRegularFile(path, what);   // before open(): opening a named pipe would block
    fd_ = openForReading(path);
    if (fd_ < 0)
        CV_Error(Error::StsObjectNotFound, format("%s '%s': cannot open: %s", what.c_str(), path.c_str(),
                                                  systemError(errno).c_str()));
#ifdef _WIN32
    struct _stat64 st;
    const int rc = ::_fstat64(fd_, &st);
    const bool regular = rc == 0 && (st.st_mode & _S_IFREG);
#else
    struct stat st;
    const int rc = ::fstat(fd_, &st);
    const bool regular = rc == 0 && S_ISREG(st.st_mode);
#endif
    if (rc != 0 || !regular) {
        const int err = errno;
        closeFd(fd_);
        CV_Error(Error::StsBadArg, format("%s '%s': expected a regular file, found %s", what.c_str(), path.c_str(),
                                          rc != 0 ? systemError(err).c_str() : "something else (it changed since it was examined)"));
    }
    size_ = (uint64_t)st.st_size;
}

InputFile::~InputFile() { closeFd(fd_); }

void InputFile::read(void* dst, size_t n)
{
    CV_Assert(n <= remaining());
    uchar* p = static_cast<uchar*>(dst);
    while (n > 0) {
        const ptrdiff_t got = readSome(fd_, p, n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            CV_Error(Error::StsError, format("%s '%s': read error at byte %llu: %s", what_.c_str(), path_.c_str(),
                                             (unsigned long long)pos_, systemError(errno).c_str()));
        if (got == 0)   // the file shrank while being read
            CV_Error(Error::StsParseError, format("%s '%s': truncated while reading: expected %llu more bytes at byte %llu, found the end of the file",
                                                  what_.c_str(), path_.c_str(), (unsigned long long)n, (unsigned long long)pos_));
        p += got;
        n -= (size_t)got;
        pos_ += (uint64_t)got;
    }
}

std::vector<uchar> readFile(const std::string& path, const std::string& what)
{
    InputFile file(path, what);
    std::vector<uchar> bytes((size_t)file.size());
    file.read(bytes.data(), bytes.size());
    return bytes;
}

// ---- atomic write -----------------------------------------------------------------------------
void writeFileAtomically(const std::string& path, const std::string& who,
                         const std::function<void(ByteSink&)>& produce)
{
    if (path.empty())
        CV_Error(Error::StsBadArg, who + ": path: expected a file path, found an empty string");
#ifdef _WIN32
    const std::string& target = path;
#else
    const std::string target = followLinks(path, who);
    removeStaleTemporaries(target);
#endif
    TemporaryFile tmp(target, who);
    FdSink sink(tmp.fd(), tmp.path(), who);
    produce(sink);
    sink.flush();
    tmp.commit();
}

}}} // namespace cv::uniSLAD::detail
