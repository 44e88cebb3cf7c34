// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "io/model_archive.hpp"

#include <boost/crc.hpp>

#include <cerrno>
#include <chrono>
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
#include <unistd.h>
#endif

namespace cv {
namespace uniSLAD {
namespace detail {

constexpr uint32_t ModelArchiveWriter::kFormatVersion;
constexpr size_t ModelArchiveWriter::kMaxNameLength;
constexpr size_t ModelArchiveWriter::kMaxSections;
constexpr int ModelArchiveWriter::kMaxDims;
constexpr int ModelArchiveWriter::kMaxChannels;

namespace {

const uchar kMagic[8] = { 'U', 'N', 'I', 'S', 'L', 'A', 'D', 0 };
constexpr uint32_t kByteOrderMarker = 0x01020304u;
constexpr size_t kHeaderSize = 24;
constexpr size_t kMinSectionSize = 2 + 1 + 1 + 8 + 4;   // 1-byte name, empty payload
constexpr size_t kIoChunk = size_t(1) << 24;            // at most 16 MiB per read/write call

// The fuzzers' build (fuzz/, FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, the libFuzzer convention) reads
// past CRC mismatches, so that mutated inputs reach the parser behind them; every other build checks.
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
constexpr bool kVerifyCrc = false;
#else
constexpr bool kVerifyCrc = true;
#endif

#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
constexpr bool kBigEndianHost = true;
#else
constexpr bool kBigEndianHost = false;
#endif

// ---- little-endian integers ------------------------------------------------------------------
template <typename T> void putLE(uchar* p, T v)
{
    for (size_t i = 0; i < sizeof(T); ++i)
        p[i] = (uchar)((uint64_t)v >> (8 * i));
}
template <typename T> T getLE(const uchar* p)
{
    uint64_t v = 0;
    for (size_t i = 0; i < sizeof(T); ++i)
        v |= (uint64_t)p[i] << (8 * i);
    return (T)v;
}

//! Reverses the bytes of each element of size `elem` (big-endian hosts only).
void swapElements(uchar* p, size_t count, size_t elem)
{
    if (elem < 2)
        return;
    for (size_t i = 0; i < count; ++i, p += elem)
        std::reverse(p, p + elem);
}

std::string hexBytes(const uchar* p, size_t n)
{
    std::string s;
    for (size_t i = 0; i < n; ++i)
        s += format(i ? " %02X" : "%02X", p[i]);
    return s;
}

//! A byte string as a quoted literal with non-printable bytes escaped.
std::string quoted(const uchar* p, size_t n)
{
    std::string s = "\"";
    for (size_t i = 0; i < n; ++i) {
        if (p[i] >= 0x20 && p[i] < 0x7F && p[i] != '"' && p[i] != '\\')
            s += (char)p[i];
        else
            s += format("\\x%02X", p[i]);
    }
    return s + "\"";
}

//! Empty when the name is valid, otherwise what is wrong with it.
std::string nameProblem(const uchar* p, size_t n)
{
    if (n == 0 || n > ModelArchiveWriter::kMaxNameLength)
        return format("expected a name of 1 to %d bytes, found %zu bytes",
                      (int)ModelArchiveWriter::kMaxNameLength, n);
    for (size_t i = 0; i < n; ++i)
        if (p[i] < 0x20 || p[i] > 0x7E)
            return format("expected printable ASCII (0x20 to 0x7E), found byte 0x%02X at offset %zu of the name %s",
                          p[i], i, quoted(p, n).c_str());
    return std::string();
}

//! The number of tensor-payload bytes before the elements.
size_t tensorHeaderSize(int dims) { return 8 + 4 * (size_t)dims; }

uint64_t payloadSize(const ArchiveSection& s)
{
    switch (s.kind) {
    case ArchiveSectionKind::Text: return s.text.size();
    case ArchiveSectionKind::Bytes: return s.bytes.size();
    case ArchiveSectionKind::Tensor: return tensorHeaderSize(s.tensor.dims) + s.tensor.total() * s.tensor.elemSize();
    }
    return 0;
}

uint64_t sectionSize(const ArchiveSection& s)
{
    return 2 + s.name.size() + 1 + 8 + payloadSize(s) + 4;
}

std::string systemError(int err)
{
    return std::strerror(err);
}

// ---- output -----------------------------------------------------------------------------------
class Sink
{
public:
    virtual ~Sink() {}
    virtual void write(const void* data, size_t size) = 0;
};

class VectorSink : public Sink
{
public:
    explicit VectorSink(std::vector<uchar>& out) : out_(out) {}
    void write(const void* data, size_t size) CV_OVERRIDE
    {
        const uchar* p = static_cast<const uchar*>(data);
        out_.insert(out_.end(), p, p + size);
    }
private:
    std::vector<uchar>& out_;
};

//! Buffered writes to a file descriptor; large blocks bypass the buffer.
class FdSink : public Sink
{
public:
    FdSink(int fd, const std::string& path) : fd_(fd), path_(path) { buf_.reserve(kBufferSize); }
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
            const size_t n = std::min(size, kIoChunk);
#ifdef _WIN32
            const int w = ::_write(fd_, p, (unsigned)n);
#else
            const ssize_t w = ::write(fd_, p, n);
#endif
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                CV_Error(Error::StsError, format("ModelArchiveWriter::save: cannot write '%s': %s",
                                                 path_.c_str(), systemError(w < 0 ? errno : EIO).c_str()));
            p += w;
            size -= (size_t)w;
        }
    }
    int fd_;
    std::string path_;
    std::vector<uchar> buf_;
};

//! Feeds a sink and a CRC at once.
class CrcWriter
{
public:
    explicit CrcWriter(Sink& sink) : sink_(sink) {}
    void write(const void* data, size_t size)
    {
        crc_.process_bytes(data, size);
        sink_.write(data, size);
    }
    template <typename T> void writeLE(T v)
    {
        uchar b[sizeof(T)];
        putLE(b, v);
        write(b, sizeof(T));
    }
    uint32_t checksum() const { return crc_.checksum(); }
    void reset() { crc_.reset(); }
private:
    Sink& sink_;
    boost::crc_32_type crc_;
};

void writeTensorElements(CrcWriter& w, const Mat& m)
{
    const Mat* arrays[] = { &m, nullptr };
    uchar* planes[1] = { nullptr };
    NAryMatIterator it(arrays, planes, 1);
    const size_t planeBytes = it.size * m.elemSize();
    std::vector<uchar> swapped;
    for (size_t i = 0; i < it.nplanes; ++i, ++it) {
        if (kBigEndianHost && m.elemSize1() > 1) {
            swapped.assign(planes[0], planes[0] + planeBytes);
            swapElements(swapped.data(), it.size * m.channels(), m.elemSize1());
            w.write(swapped.data(), planeBytes);
        } else {
            w.write(planes[0], planeBytes);
        }
    }
}

void writeArchive(const std::vector<ArchiveSection>& sections, Sink& sink)
{
    uchar header[kHeaderSize];
    std::memcpy(header, kMagic, 8);
    putLE<uint32_t>(header + 8, ModelArchiveWriter::kFormatVersion);
    putLE<uint32_t>(header + 12, kByteOrderMarker);
    putLE<uint32_t>(header + 16, (uint32_t)sections.size());
    boost::crc_32_type crc;
    crc.process_bytes(header, 20);
    putLE<uint32_t>(header + 20, crc.checksum());
    sink.write(header, kHeaderSize);

    CrcWriter w(sink);
    for (const ArchiveSection& s : sections) {
        w.reset();
        w.writeLE<uint16_t>((uint16_t)s.name.size());
        w.write(s.name.data(), s.name.size());
        w.writeLE<uint8_t>((uint8_t)s.kind);
        w.writeLE<uint64_t>(payloadSize(s));
        switch (s.kind) {
        case ArchiveSectionKind::Text:
            w.write(s.text.data(), s.text.size());
            break;
        case ArchiveSectionKind::Bytes:
            w.write(s.bytes.data(), s.bytes.size());
            break;
        case ArchiveSectionKind::Tensor:
            w.writeLE<int32_t>(s.tensor.type());
            w.writeLE<int32_t>(s.tensor.dims);
            for (int i = 0; i < s.tensor.dims; ++i)
                w.writeLE<int32_t>(s.tensor.size[i]);
            writeTensorElements(w, s.tensor);
            break;
        }
        uchar c[4];
        putLE<uint32_t>(c, w.checksum());
        sink.write(c, 4);
    }
}

// ---- files ----------------------------------------------------------------------------------
#ifdef _WIN32
int openForReading(const std::string& p) { return ::_open(p.c_str(), _O_RDONLY | _O_BINARY); }
int createExclusive(const std::string& p)
{
    return ::_open(p.c_str(), _O_WRONLY | _O_CREAT | _O_EXCL | _O_BINARY, _S_IREAD | _S_IWRITE);
}
int closeFd(int fd) { return ::_close(fd); }
int syncFd(int fd) { return ::_commit(fd); }
long processId() { return (long)::_getpid(); }
bool replaceFile(const std::string& from, const std::string& to)
{
    if (MoveFileExA(from.c_str(), to.c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
        return true;
    errno = EACCES;
    return false;
}
void syncDirectory(const std::string&) {}   // MOVEFILE_WRITE_THROUGH covers it
#else
int openForReading(const std::string& p) { return ::open(p.c_str(), O_RDONLY | O_CLOEXEC); }
int createExclusive(const std::string& p) { return ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666); }
int closeFd(int fd) { return ::close(fd); }
int syncFd(int fd) { return ::fsync(fd); }
long processId() { return (long)::getpid(); }
bool replaceFile(const std::string& from, const std::string& to) { return ::rename(from.c_str(), to.c_str()) == 0; }
void syncDirectory(const std::string& dir)
{
#ifdef O_DIRECTORY
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
#else
    const int fd = ::open(dir.c_str(), O_RDONLY | O_CLOEXEC);
#endif
    if (fd < 0) {
        CV_LOG_WARNING(NULL, "ModelArchiveWriter::save: cannot open directory '" << dir
                       << "' to sync it: " << systemError(errno));
        return;
    }
    // Some file systems cannot sync a directory (EINVAL); the rename has happened either way.
    if (::fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
        CV_LOG_WARNING(NULL, "ModelArchiveWriter::save: cannot sync directory '" << dir << "': " << systemError(errno));
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

//! The temporary file of one save: created exclusively; removed on destruction unless renamed.
class TemporaryFile
{
public:
    explicit TemporaryFile(const std::string& destination) : destination_(destination)
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
            CV_Error(Error::StsError, "ModelArchiveWriter::save: cannot create the temporary file '" + path_ + "' for '" +
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
        syncDirectory(directoryOf(destination_));
    }

private:
    void fail(const std::string& what)
    {
        const int err = errno;
        CV_Error(Error::StsError, "ModelArchiveWriter::save: " + what + ": " + systemError(err));
    }
    std::string destination_, path_;
    int fd_ = -1;
    bool renamed_ = false;
};

// ---- input ------------------------------------------------------------------------------------
class Source
{
public:
    virtual ~Source() {}
    uint64_t remaining() const { return size_ - pos_; }
    uint64_t position() const { return pos_; }
    //! Reads exactly n bytes; the caller has checked n <= remaining().
    virtual void read(void* dst, size_t n) = 0;
protected:
    uint64_t size_ = 0, pos_ = 0;
};

class MemorySource : public Source
{
public:
    MemorySource(const void* data, size_t size) : data_(static_cast<const uchar*>(data)) { size_ = size; }
    void read(void* dst, size_t n) CV_OVERRIDE
    {
        CV_Assert(n <= remaining());
        if (n)
            std::memcpy(dst, data_ + pos_, n);
        pos_ += n;
    }
private:
    const uchar* data_;
};

class FileSource : public Source
{
public:
    explicit FileSource(const std::string& path) : path_(path)
    {
        fd_ = openForReading(path);
        if (fd_ < 0)
            CV_Error(Error::StsObjectNotFound, format("model file '%s': cannot open: %s", path.c_str(),
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
            CV_Error(Error::StsBadArg, format("model file '%s': expected a regular file, found %s", path.c_str(),
                                              rc != 0 ? systemError(err).c_str() : "something else (a directory?)"));
        }
        size_ = (uint64_t)st.st_size;
    }
    ~FileSource() CV_OVERRIDE { closeFd(fd_); }
    void read(void* dst, size_t n) CV_OVERRIDE
    {
        CV_Assert(n <= remaining());
        uchar* p = static_cast<uchar*>(dst);
        while (n > 0) {
            const size_t want = std::min(n, kIoChunk);
#ifdef _WIN32
            const int got = ::_read(fd_, p, (unsigned)want);
#else
            const ssize_t got = ::read(fd_, p, want);
#endif
            if (got < 0 && errno == EINTR)
                continue;
            if (got < 0)
                CV_Error(Error::StsError, format("model file '%s': read error at byte %llu: %s", path_.c_str(),
                                                 (unsigned long long)pos_, systemError(errno).c_str()));
            if (got == 0)   // the file shrank while being read
                CV_Error(Error::StsParseError, format("model file '%s': truncated while reading: expected %llu more bytes at byte %llu, found the end of the file",
                                                      path_.c_str(), (unsigned long long)n, (unsigned long long)pos_));
            p += got;
            n -= (size_t)got;
            pos_ += (uint64_t)got;
        }
    }
private:
    std::string path_;
    int fd_ = -1;
};

} // namespace

// ---- parser -----------------------------------------------------------------------------------
class ArchiveParser
{
public:
    ArchiveParser(Source& src, const std::string& name) : src_(src), name_(name) {}

    ModelArchiveReader run()
    {
        auto data = std::make_shared<ModelArchiveReader::Data>();
        data->source = name_;
        const uint32_t count = parseHeader(data->version);
        data->sections.reserve(count);
        for (uint32_t i = 0; i < count; ++i) {
            where_ = format("section #%u", i);
            ArchiveSection s = parseSection(*data, i);
            data->index.emplace(s.name, data->sections.size());
            data->sections.push_back(std::move(s));
        }
        where_ = "end of file";
        if (src_.remaining() != 0)
            fail(Error::StsParseError, format("trailing data: expected the end of the file after %u sections at byte %llu, found %llu more bytes",
                                              count, (unsigned long long)src_.position(), (unsigned long long)src_.remaining()));
        ModelArchiveReader reader;
        reader.data_ = std::move(data);
        return reader;
    }

private:
    [[noreturn]] void fail(int code, const std::string& what) const
    {
        CV_Error(code, format("model file '%s': %s: ", name_.c_str(), where_.c_str()) + what);
    }
    void need(uint64_t n, const char* what) const
    {
        if (src_.remaining() < n)
            fail(Error::StsParseError, format("truncated: expected %llu bytes of %s, found %llu",
                                              (unsigned long long)n, what, (unsigned long long)src_.remaining()));
    }
    //! Reads n bytes into dst and adds them to the section CRC.
    void read(void* dst, size_t n, const char* what)
    {
        need(n, what);
        src_.read(dst, n);
        crc_.process_bytes(dst, n);
    }
    template <typename T> T readLE(const char* what)
    {
        uchar b[sizeof(T)];
        read(b, sizeof(T), what);
        return getLE<T>(b);
    }

    uint32_t parseHeader(uint32_t& version)
    {
        where_ = "header";
        uchar h[kHeaderSize];
        const size_t got = (size_t)std::min<uint64_t>(src_.remaining(), kHeaderSize);
        src_.read(h, got);
        if (std::memcmp(h, kMagic, std::min<size_t>(got, 8)) != 0)
            fail(Error::StsParseError, format("not a UniSLAD model file: expected the magic bytes %s, found %s",
                                              quoted(kMagic, 8).c_str(), quoted(h, std::min<size_t>(got, 8)).c_str()));
        if (got < kHeaderSize)
            fail(Error::StsParseError, format("truncated: expected %zu bytes of header, found %zu", kHeaderSize, got));
        const uint32_t marker = getLE<uint32_t>(h + 12);
        if (marker == 0x04030201u)
            fail(Error::StsParseError, format("foreign byte order: expected the marker bytes 04 03 02 01 (little-endian, as this library writes), "
                                              "found 01 02 03 04 (a big-endian file)"));
        if (marker != kByteOrderMarker)
            fail(Error::StsParseError, format("corrupt byte-order marker: expected the bytes 04 03 02 01, found %s",
                                              hexBytes(h + 12, 4).c_str()));
        version = getLE<uint32_t>(h + 8);
        if (version > ModelArchiveWriter::kFormatVersion)
            fail(Error::StsParseError, format("format version %u is newer than this library's %u; upgrade",
                                              version, ModelArchiveWriter::kFormatVersion));
        if (version != ModelArchiveWriter::kFormatVersion)
            fail(Error::StsParseError, format("format version: expected %u, found %u", ModelArchiveWriter::kFormatVersion, version));
        boost::crc_32_type crc;
        crc.process_bytes(h, 20);
        const uint32_t stored = getLE<uint32_t>(h + 20);
        if (stored != crc.checksum() && kVerifyCrc)
            fail(Error::StsParseError, format("CRC-32 mismatch (the file is corrupt): stored 0x%08X, computed 0x%08X",
                                              stored, crc.checksum()));
        const uint32_t count = getLE<uint32_t>(h + 16);
        if (count > ModelArchiveWriter::kMaxSections)
            fail(Error::StsParseError, format("section count: expected at most %zu, found %u", ModelArchiveWriter::kMaxSections, count));
        if (src_.remaining() < (uint64_t)count * kMinSectionSize)
            fail(Error::StsParseError, format("truncated: expected at least %llu bytes for %u sections, found %llu",
                                              (unsigned long long)count * kMinSectionSize, count, (unsigned long long)src_.remaining()));
        return count;
    }

    ArchiveSection parseSection(const ModelArchiveReader::Data& data, uint32_t index)
    {
        crc_.reset();
        ArchiveSection s;
        const uint16_t nameLength = readLE<uint16_t>("name length");
        if (nameLength == 0 || nameLength > ModelArchiveWriter::kMaxNameLength)
            fail(Error::StsParseError, format("name length: expected 1 to %zu, found %u", ModelArchiveWriter::kMaxNameLength, nameLength));
        s.name.resize(nameLength);
        read(&s.name[0], nameLength, "name");
        const std::string problem = nameProblem((const uchar*)s.name.data(), s.name.size());
        if (!problem.empty())
            fail(Error::StsParseError, "name: " + problem);
        where_ = format("section '%s' (#%u)", s.name.c_str(), index);
        if (data.index.count(s.name))
            fail(Error::StsParseError, "duplicate section name: expected unique names, found a second section with this one");
        const uint8_t kind = readLE<uint8_t>("kind");
        if (kind < 1 || kind > 3)
            fail(Error::StsParseError, format("kind: expected 1 (text), 2 (tensor) or 3 (bytes), found %u", kind));
        s.kind = (ArchiveSectionKind)kind;
        const uint64_t length = readLE<uint64_t>("payload length");
        need(length, "payload");
        switch (s.kind) {
        case ArchiveSectionKind::Text:
            s.text.resize((size_t)length);
            read(length ? &s.text[0] : nullptr, (size_t)length, "payload");
            break;
        case ArchiveSectionKind::Bytes:
            s.bytes.resize((size_t)length);
            read(s.bytes.data(), (size_t)length, "payload");
            break;
        case ArchiveSectionKind::Tensor:
            s.tensor = parseTensor(length);
            break;
        }
        uchar stored[4];
        need(4, "CRC-32");
        src_.read(stored, 4);
        if (getLE<uint32_t>(stored) != crc_.checksum() && kVerifyCrc)
            fail(Error::StsParseError, format("CRC-32 mismatch (the file is corrupt): stored 0x%08X, computed 0x%08X",
                                              getLE<uint32_t>(stored), crc_.checksum()));
        return s;
    }

    Mat parseTensor(uint64_t length)
    {
        if (length < tensorHeaderSize(0))
            fail(Error::StsParseError, format("tensor header: expected at least %zu bytes of payload, found %llu",
                                              tensorHeaderSize(0), (unsigned long long)length));
        const int32_t type = readLE<int32_t>("tensor type");
        const int32_t dims = readLE<int32_t>("tensor dims");
        const int depth = type & CV_MAT_DEPTH_MASK, cn = (type >> CV_CN_SHIFT) + 1;
        if (type < 0 || cn > ModelArchiveWriter::kMaxChannels || depth > CV_16F)
            fail(Error::StsParseError, format("tensor type: expected an OpenCV type of depth CV_8U to CV_16F with 1 to %d channels, found %d",
                                              ModelArchiveWriter::kMaxChannels, type));
        if (dims < 2 || dims > ModelArchiveWriter::kMaxDims)
            fail(Error::StsParseError, format("tensor dims: expected 2 to %d, found %d", ModelArchiveWriter::kMaxDims, dims));
        if (length < tensorHeaderSize(dims))
            fail(Error::StsParseError, format("tensor header: expected %zu bytes of payload for %d sizes, found %llu",
                                              tensorHeaderSize(dims), dims, (unsigned long long)length));
        int sizes[ModelArchiveWriter::kMaxDims];
        const uint64_t dataBytes = length - tensorHeaderSize(dims);
        // The product of the sizes, saturated at 2^62 (so it cannot overflow).
        const uint64_t cap = (uint64_t)1 << 62;
        uint64_t expected = CV_ELEM_SIZE(type);
        bool exceeds = false;
        std::string shape;
        for (int i = 0; i < dims; ++i) {
            sizes[i] = readLE<int32_t>("tensor sizes");
            if (sizes[i] < 1)
                fail(Error::StsParseError, format("tensor size %d: expected at least 1, found %d", i, sizes[i]));
            shape += format(i ? "x%d" : "%d", sizes[i]);
            if (exceeds || (uint64_t)sizes[i] > cap / expected)
                exceeds = true;
            else
                expected *= (uint64_t)sizes[i];
        }
        if (exceeds || expected != dataBytes)
            fail(Error::StsParseError, format("tensor data: expected %s%llu bytes for a %s %s tensor, found %llu",
                                              exceeds ? "more than " : "", (unsigned long long)(exceeds ? cap : expected),
                                              shape.c_str(), typeToString(type).c_str(), (unsigned long long)dataBytes));
        Mat m(dims, sizes, type);
        CV_Assert(m.isContinuous() && (uint64_t)(m.total() * m.elemSize()) == dataBytes);
        read(m.data, (size_t)dataBytes, "tensor data");
        if (kBigEndianHost)
            swapElements(m.data, m.total() * m.channels(), m.elemSize1());
        return m;
    }

    Source& src_;
    std::string name_, where_;
    boost::crc_32_type crc_;
};

// ---- writer -----------------------------------------------------------------------------------
void ModelArchiveWriter::add(ArchiveSection&& section)
{
    static const char* const funcs[] = { "", "ModelArchiveWriter::addText", "ModelArchiveWriter::addTensor",
                                         "ModelArchiveWriter::addBytes" };
    const char* func = funcs[(int)section.kind];
    const std::string problem = nameProblem((const uchar*)section.name.data(), section.name.size());
    if (!problem.empty())
        CV_Error(Error::StsBadArg, format("%s: name: ", func) + problem);
    if (has(section.name))
        CV_Error(Error::StsBadArg, format("%s: name: expected a name not used yet, found '%s' again", func, section.name.c_str()));
    if (sections_.size() >= kMaxSections)
        CV_Error(Error::StsOutOfRange, format("%s: section '%s': expected at most %zu sections, found one more",
                                              func, section.name.c_str(), kMaxSections));
    sections_.push_back(std::move(section));
}

void ModelArchiveWriter::addText(const std::string& name, const std::string& text)
{
    ArchiveSection s;
    s.name = name;
    s.kind = ArchiveSectionKind::Text;
    s.text = text;
    add(std::move(s));
}

void ModelArchiveWriter::addTensor(const std::string& name, const Mat& m)
{
    const char* func = "ModelArchiveWriter::addTensor";
    if (m.empty())
        CV_Error(Error::StsBadArg, format("%s: tensor '%s': expected a non-empty matrix, found %s", func, name.c_str(),
                                          describeMat(m).c_str()));
    if (m.channels() > kMaxChannels)
        CV_Error(Error::StsBadArg, format("%s: tensor '%s': expected 1 to %d channels, found %s",
                                          func, name.c_str(), kMaxChannels, describeMat(m).c_str()));
    if (m.dims > kMaxDims)
        CV_Error(Error::StsBadArg, format("%s: tensor '%s': expected 2 to %d dimensions, found %d", func, name.c_str(),
                                          kMaxDims, m.dims));
    ArchiveSection s;
    s.name = name;
    s.kind = ArchiveSectionKind::Tensor;
    s.tensor = m;
    add(std::move(s));
}

void ModelArchiveWriter::addBytes(const std::string& name, const std::vector<uchar>& bytes)
{
    addBytes(name, std::vector<uchar>(bytes));
}

void ModelArchiveWriter::addBytes(const std::string& name, std::vector<uchar>&& bytes)
{
    ArchiveSection s;
    s.name = name;
    s.kind = ArchiveSectionKind::Bytes;
    s.bytes = std::move(bytes);
    add(std::move(s));
}

bool ModelArchiveWriter::has(const std::string& name) const
{
    for (const ArchiveSection& s : sections_)
        if (s.name == name)
            return true;
    return false;
}

uint64_t ModelArchiveWriter::archiveSize() const
{
    uint64_t n = kHeaderSize;
    for (const ArchiveSection& s : sections_)
        n += sectionSize(s);
    return n;
}

std::vector<uchar> ModelArchiveWriter::serialize() const
{
    std::vector<uchar> out;
    out.reserve((size_t)archiveSize());
    VectorSink sink(out);
    writeArchive(sections_, sink);
    CV_Assert(out.size() == archiveSize());
    return out;
}

void ModelArchiveWriter::save(const std::string& path) const
{
    if (path.empty())
        CV_Error(Error::StsBadArg, "ModelArchiveWriter::save: path: expected a file path, found an empty string");
    TemporaryFile tmp(path);
    FdSink sink(tmp.fd(), tmp.path());
    writeArchive(sections_, sink);
    sink.flush();
    tmp.commit();
}

// ---- reader -----------------------------------------------------------------------------------
ModelArchiveReader::ModelArchiveReader() : data_(std::make_shared<Data>()) {}

ModelArchiveReader ModelArchiveReader::load(const std::string& path)
{
    FileSource src(path);
    return ArchiveParser(src, path).run();
}

ModelArchiveReader ModelArchiveReader::parse(const std::vector<uchar>& bytes, const std::string& nameForMessages)
{
    return parse(bytes.data(), bytes.size(), nameForMessages);
}

ModelArchiveReader ModelArchiveReader::parse(const void* data, size_t size, const std::string& nameForMessages)
{
    CV_Assert(data || size == 0);
    MemorySource src(data, size);
    return ArchiveParser(src, nameForMessages).run();
}

const ArchiveSection& ModelArchiveReader::section(const std::string& name, ArchiveSectionKind expected) const
{
    static const char* const kinds[] = { "?", "text", "a tensor", "bytes" };
    const auto it = data_->index.find(name);
    if (it == data_->index.end()) {
        std::string all;
        for (const ArchiveSection& s : data_->sections)
            all += (all.empty() ? "'" : ", '") + s.name + "'";
        CV_Error(Error::StsObjectNotFound, format("model file '%s': section '%s': missing: expected one of the file's sections, found %s",
                                                  data_->source.c_str(), name.c_str(),
                                                  all.empty() ? "none" : ("only " + all).c_str()));
    }
    const ArchiveSection& s = data_->sections[it->second];
    if (s.kind != expected)
        CV_Error(Error::StsBadArg, format("model file '%s': section '%s': expected %s, found %s", data_->source.c_str(),
                                          name.c_str(), kinds[(int)expected], kinds[(int)s.kind]));
    return s;
}

bool ModelArchiveReader::has(const std::string& name) const { return data_->index.count(name) != 0; }

ArchiveSectionKind ModelArchiveReader::kind(const std::string& name) const
{
    const auto it = data_->index.find(name);
    if (it == data_->index.end())
        section(name, ArchiveSectionKind::Text);   // raises the "missing" error
    return data_->sections[it->second].kind;
}

const std::string& ModelArchiveReader::text(const std::string& name) const
{
    return section(name, ArchiveSectionKind::Text).text;
}

Mat ModelArchiveReader::tensor(const std::string& name) const
{
    return section(name, ArchiveSectionKind::Tensor).tensor;
}

const std::vector<uchar>& ModelArchiveReader::bytes(const std::string& name) const
{
    return section(name, ArchiveSectionKind::Bytes).bytes;
}

std::vector<std::string> ModelArchiveReader::names() const
{
    std::vector<std::string> out;
    for (const ArchiveSection& s : data_->sections)
        out.push_back(s.name);
    return out;
}

uint32_t ModelArchiveReader::formatVersion() const { return data_->version; }

const std::string& ModelArchiveReader::source() const { return data_->source; }

}}} // namespace cv::uniSLAD::detail
