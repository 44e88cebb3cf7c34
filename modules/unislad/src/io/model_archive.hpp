// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_MODEL_ARCHIVE_HPP
#define OPENCV_UNISLAD_MODEL_ARCHIVE_HPP

// The container format of a UniSLAD model file: named sections of text (the parameters as YAML),
// tensors (banks, transforms, Gaussians, calibration statistics, thresholds) and opaque bytes (the
// HNSW graph), each protected by a CRC-32. The detector decides what goes in; this file only
// stores and validates.
//
// ---------------------------------------------------------------------------------------------
// Format, version 1. Every integer is little-endian, whatever the machine (written byte by byte).
//
//   offset  size  field
//   0       8     magic: "UNISLAD\0" (55 4E 49 53 4C 41 44 00)
//   8       4     u32 format version: 1
//   12      4     u32 byte-order marker 0x01020304, so the bytes 04 03 02 01
//   16      4     u32 section count, 0 .. 4096
//   20      4     u32 CRC-32 of bytes 0 .. 19
//   24            the sections, back to back, in the order they were added; each one:
//     +0        2   u16 name length L, 1 .. 256
//     +2        L   name: printable ASCII (0x20 .. 0x7E), unique in the file
//     +2+L      1   u8 kind: 1 text, 2 tensor, 3 bytes
//     +3+L      8   u64 payload length P
//     +11+L     P   payload
//     +11+L+P   4   u32 CRC-32 of this section's bytes +0 .. +11+L+P-1 (name length, name, kind,
//                   payload length and payload)
//   The file ends right after the last section's CRC; anything after it is an error.
//
//   Payloads:
//     text    the bytes of the string (any bytes, may be empty; no terminator)
//     bytes   the bytes (may be empty)
//     tensor  +0        4   i32 OpenCV type CV_MAKETYPE(depth, cn): depth CV_8U .. CV_16F, cn 1 .. 4
//             +4        4   i32 dims D, 2 .. 8 (a cv::Mat has at least 2 dimensions)
//             +8        4*D i32 sizes, each >= 1
//             +8+4*D        the elements in row-major order (last index fastest, channels
//                           interleaved), each value little-endian; exactly
//                           product(sizes) * cn * (bytes per depth) bytes, so that P equals
//                           8 + 4*D + that
//
//   CRC-32: the IEEE 802.3 one (zlib, PNG, boost::crc_32_type): reflected polynomial 0xEDB88320,
//   initial value and final XOR 0xFFFFFFFF; "123456789" gives 0xCBF43926.
//   Bytes 0 .. 15 (magic, version, marker) keep their meaning in every future version, so that an
//   older reader can always say "newer version" rather than "corrupt".
//
// Every byte of a file is covered by an exact check (magic, version, marker) or by a CRC, so any
// change of a single byte is detected. Empty tensors cannot be stored: leave the section out.
//
// ---------------------------------------------------------------------------------------------
// Atomic save. save(path) writes a temporary file in the destination's directory named
//
//   <path>.tmp-<pid>-<8 lowercase hex digits>      e.g. "model.unislad.tmp-4242-09af3c1e"
//
// (pid: the writing process), writes and fsyncs it, renames it over <path> (atomic on POSIX file
// systems) and fsyncs the directory. The destination is therefore always either the complete old
// file or the complete new one. On any error the temporary file is removed and <path> is
// untouched; only a process killed while saving leaves its temporary file behind: files that match
// the pattern and whose pid is not a running process are deleted by the next save of the same
// path (POSIX). A new file gets the mode 0666 & ~umask; when <path> is a symbolic link, the file
// it points to is replaced and the link stays (io/atomic_file.hpp).
//
// Error messages name the file (or the name given to parse) and the section (or "header"), and
// say what was expected and what was found, e.g.
//   model file 'm.unislad': section 'local_bank' (#1): truncated: expected 12345678 bytes of payload, found 1000
// ("section #1" while the name is not read yet; "header" and "end of file" outside sections).

#include <opencv2/core.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace cv {
namespace uniSLAD {
namespace detail {

//! What a section holds.
enum class ArchiveSectionKind : uint8_t
{
    Text = 1,    //!< std::string (e.g. the parameters as YAML)
    Tensor = 2,  //!< cv::Mat of any depth, 1 to 4 channels, 2 to 8 dimensions
    Bytes = 3    //!< std::vector<uchar> (e.g. a serialised HNSW graph)
};

//! One named section, as the writer holds it and the reader returns it.
struct CV_EXPORTS ArchiveSection
{
    std::string name;
    ArchiveSectionKind kind = ArchiveSectionKind::Bytes;
    std::string text;             //!< kind Text
    Mat tensor;                   //!< kind Tensor
    std::vector<uchar> bytes;     //!< kind Bytes
};

//! Collects sections, then writes them as one archive. Every argument is checked when it is
//! added, so that save() and serialize() only fail on I/O errors.
class CV_EXPORTS ModelArchiveWriter
{
public:
    static constexpr uint32_t kFormatVersion = 1;   //!< written in every file
    static constexpr size_t kMaxNameLength = 256;
    static constexpr size_t kMaxSections = 4096;
    static constexpr int kMaxDims = 8;
    static constexpr int kMaxChannels = 4;

    /** Adds a text section (any bytes, may be empty). */
    void addText(const std::string& name, const std::string& text);
    /** Adds a tensor: non-empty, any depth (CV_8U .. CV_16F), 1 to 4 channels, 2 to 8 dimensions;
        it need not be continuous (an ROI is stored compactly). The writer keeps a reference to
        m's data, not a copy: leave m unchanged until save() or serialize() has returned. */
    void addTensor(const std::string& name, const Mat& m);
    /** Adds opaque bytes (may be empty); the rvalue overload takes the vector without a copy. */
    void addBytes(const std::string& name, const std::vector<uchar>& bytes);
    void addBytes(const std::string& name, std::vector<uchar>&& bytes);

    bool has(const std::string& name) const;
    /** The size in bytes of the archive save() would write. */
    uint64_t archiveSize() const;

    /** Writes the archive to path atomically (see the top of this file): path is either left
        untouched (on error, with the temporary file removed) or replaced by the complete file.
        Raises cv::Exception naming the path and the system error. */
    void save(const std::string& path) const;
    /** The bytes save() writes. */
    std::vector<uchar> serialize() const;

private:
    void add(ArchiveSection&& section);
    std::vector<ArchiveSection> sections_;
};

//! Reads and validates a whole archive up front, then hands out its sections. Copies share the
//! (immutable) sections; const methods may be called from several threads at once.
class CV_EXPORTS ModelArchiveReader
{
public:
    /** An empty archive (no sections), named "(none)". */
    ModelArchiveReader();

    /** Reads the file and validates everything (structure, limits, every CRC) before returning;
        raises cv::Exception (naming the file, the section and what was expected and found) for a
        missing, truncated, corrupt, foreign or newer-version file. Never allocates more than the
        file's size. */
    static ModelArchiveReader load(const std::string& path);
    /** The same for an archive in memory; nameForMessages stands for the file name in errors. */
    static ModelArchiveReader parse(const std::vector<uchar>& bytes, const std::string& nameForMessages);
    static ModelArchiveReader parse(const void* data, size_t size, const std::string& nameForMessages);

    bool has(const std::string& name) const;
    /** Raises cv::Exception when the section is missing. */
    ArchiveSectionKind kind(const std::string& name) const;
    /** The section's contents; a missing section or one of another kind raises cv::Exception
        naming the file and the section. The references stay valid while any copy of this reader
        lives. */
    const std::string& text(const std::string& name) const;
    /** The tensor, sharing its data with the reader (clone it before modifying it). */
    Mat tensor(const std::string& name) const;
    const std::vector<uchar>& bytes(const std::string& name) const;

    /** Section names in file order. */
    std::vector<std::string> names() const;
    uint32_t formatVersion() const;
    /** The path given to load or the name given to parse. */
    const std::string& source() const;

private:
    struct Data
    {
        std::string source = "(none)";
        uint32_t version = ModelArchiveWriter::kFormatVersion;
        std::vector<ArchiveSection> sections;
        std::map<std::string, size_t> index;
    };
    const ArchiveSection& section(const std::string& name, ArchiveSectionKind expected) const;
    std::shared_ptr<const Data> data_;
    friend class ArchiveParser;
};

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_MODEL_ARCHIVE_HPP
