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

constexpr uint32_t ModelArchiveWriter::kFormatVersion;
constexpr size_t ModelArchiveWriter::kMaxNameLength;
constexpr size_t ModelArchiveWriter::kMaxSections;
constexpr int ModelArchiveWriter::kMaxDims;
constexpr int ModelArchiveWriter::kMaxChannels;

namespace {

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

void writeArchive(const std::vector<ArchiveSection>& sections, ByteSink& sink)
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

} // namespace

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
    writeFileAtomically(path, "ModelArchiveWriter::save", [this](ByteSink& sink) { writeArchive(sections_, sink); });
}

}}} // namespace cv::uniSLAD::detail
