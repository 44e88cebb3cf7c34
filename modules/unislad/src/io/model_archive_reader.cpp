// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "io/model_archive.hpp"

#include "io/atomic_file.hpp"
#include "io/byte_order.hpp"
#include "io/model_archive_format.hpp"

#include <cstring>

namespace cv {
namespace uniSLAD {
namespace detail {

namespace {

constexpr size_t kMinSectionSize = 2 + 1 + 1 + 8 + 4;   // 1-byte name, empty payload

// The fuzzers' build (fuzz/, FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, the libFuzzer convention) reads
// past CRC mismatches, so that mutated inputs reach the parser behind them; every other build checks.
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
constexpr bool kVerifyCrc = false;
#else
constexpr bool kVerifyCrc = true;
#endif

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
    explicit FileSource(const std::string& path) : file_(path, "model file") { size_ = file_.size(); }
    void read(void* dst, size_t n) CV_OVERRIDE
    {
        file_.read(dst, n);
        pos_ = file_.position();
    }
private:
    InputFile file_;
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
