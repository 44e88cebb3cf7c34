// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "test_precomp.hpp"
#include "io/model_archive.hpp"

#include <chrono>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <thread>

#ifndef _WIN32
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

namespace opencv_test { namespace {

using namespace cv::uniSLAD::detail;
namespace fs = std::filesystem;

// ---- an independent encoder of the documented format ---------------------------------------
// Written from the layout at the top of model_archive.hpp, with a bitwise CRC-32, so that the
// writer is checked against the documentation and the reader can be fed files whose CRCs are
// right but whose structure is not.

uint32_t crc32Bitwise(const uchar* p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; ++i) {
        c ^= p[i];
        for (int k = 0; k < 8; ++k)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

typedef std::vector<uchar> Bytes;

void appendLE(Bytes& out, uint64_t v, int n)
{
    for (int i = 0; i < n; ++i)
        out.push_back((uchar)(v >> (8 * i)));
}

Bytes refHeader(uint32_t count, uint32_t version = 1, uint32_t marker = 0x01020304u)
{
    Bytes h = { 'U', 'N', 'I', 'S', 'L', 'A', 'D', 0 };
    appendLE(h, version, 4);
    appendLE(h, marker, 4);
    appendLE(h, count, 4);
    appendLE(h, crc32Bitwise(h.data(), h.size()), 4);
    return h;
}

//! One section declaring the given lengths, with a correct CRC over what it holds.
Bytes refSectionDeclaring(const std::string& name, int kind, const Bytes& payload, uint64_t declaredLength,
                          uint64_t declaredNameLength)
{
    Bytes s;
    appendLE(s, declaredNameLength, 2);
    s.insert(s.end(), name.begin(), name.end());
    s.push_back((uchar)kind);
    appendLE(s, declaredLength, 8);
    s.insert(s.end(), payload.begin(), payload.end());
    appendLE(s, crc32Bitwise(s.data(), s.size()), 4);
    return s;
}

Bytes refSection(const std::string& name, int kind, const Bytes& payload)
{
    return refSectionDeclaring(name, kind, payload, payload.size(), name.size());
}

Bytes refTensorPayload(int type, const std::vector<int>& sizes, const Bytes& data, int declaredDims = INT_MIN)
{
    Bytes p;
    appendLE(p, (uint32_t)type, 4);
    appendLE(p, (uint32_t)(declaredDims == INT_MIN ? (int)sizes.size() : declaredDims), 4);
    for (int s : sizes)
        appendLE(p, (uint32_t)s, 4);
    p.insert(p.end(), data.begin(), data.end());
    return p;
}

Bytes textBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

Bytes concat(std::initializer_list<Bytes> parts)
{
    Bytes out;
    for (const Bytes& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

//! The elements of a matrix, row-major, each value little-endian, read one value at a time.
template <typename T, int cn> Bytes elementsLE(const Mat& m)
{
    Bytes out;
    const Mat flat = m.clone().reshape(cn, 1);   // 1 x total, element order of a row-major walk
    for (int i = 0; i < flat.cols; ++i)
        for (int c = 0; c < cn; ++c) {
            const T v = flat.ptr<T>(0)[i * cn + c];
            uint64_t bits = 0;
            std::memcpy(&bits, &v, sizeof(T));
            appendLE(out, bits, (int)sizeof(T));
        }
    return out;
}

// ---- helpers -------------------------------------------------------------------------------
Bytes readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void writeFile(const std::string& path, const uchar* data, size_t n)
{
    std::ofstream(path, std::ios::binary).write((const char*)data, (std::streamsize)n);
}

//! The matrix's elements as contiguous bytes.
Bytes matBytes(const Mat& m)
{
    const Mat c = m.isContinuous() ? m : m.clone();
    return Bytes(c.data, c.data + c.total() * c.elemSize());
}

std::vector<int> matShape(const Mat& m) { return std::vector<int>(m.size.p, m.size.p + m.dims); }

//! A fresh directory, removed with its contents at the end.
struct TempDir
{
    fs::path path;
    TempDir()
    {
        static int counter = 0;
        for (;;) {
            path = fs::temp_directory_path() / format("unislad_archive_%lld_%d", (long long)cv::getTickCount(), counter++);
            if (fs::create_directory(path))
                break;
        }
    }
    ~TempDir() { std::error_code ec; fs::remove_all(path, ec); }
    std::string file(const std::string& name) const { return (path / name).string(); }
    std::vector<std::string> list() const
    {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(path))
            out.push_back(e.path().filename().string());
        std::sort(out.begin(), out.end());
        return out;
    }
};

//! A small archive (a few hundred bytes) of every kind.
ModelArchiveWriter smallArchive()
{
    ModelArchiveWriter w;
    w.addText("params", "%YAML:1.0\nk: 3\nratio: 0.2\n");
    Mat bank(3, 4, CV_32F);
    cv::RNG(7).fill(bank, cv::RNG::NORMAL, 0, 1);
    w.addTensor("local_bank", bank);
    const int sz[] = { 2, 2, 3 };
    Mat cube(3, sz, CV_8UC2);
    cv::RNG(8).fill(cube, cv::RNG::UNIFORM, 0, 256);
    w.addTensor("cube", cube);
    w.addBytes("graph", Bytes{ 0, 1, 2, 3, 250, 251, 252, 253, 254, 255, 42 });
    w.addText("empty", "");
    w.addTensor("threshold", Mat(1, 1, CV_64F, Scalar(0.75)));
    return w;
}

// ---- tests -----------------------------------------------------------------------------------

TEST(UniSLAD_ModelArchive, writes_the_documented_layout_byte_by_byte)
{
    const std::string check = "123456789";
    ASSERT_EQ(0xCBF43926u, crc32Bitwise((const uchar*)check.data(), check.size()));   // the CRC-32 check value

    Mat pairs(2, 3, CV_16SC2);
    for (int r = 0; r < 2; ++r)
        for (int c = 0; c < 3; ++c)
            pairs.at<Vec2s>(r, c) = Vec2s((short)(r * 1000 - c * 7 - 30000), (short)(c * 300 + r + 1));
    const int sz[] = { 2, 3, 2 };
    Mat cube(3, sz, CV_64F);
    cv::RNG(3).fill(cube, cv::RNG::UNIFORM, -1e6, 1e6);
    Mat big(6, 7, CV_32FC3);
    cv::RNG(4).fill(big, cv::RNG::NORMAL, 0, 1);
    const Mat roi = big(Rect(2, 1, 3, 4));   // not continuous: stored compactly
    ASSERT_FALSE(roi.isContinuous());

    ModelArchiveWriter w;
    w.addText("params", "a: 1\n");
    w.addTensor("pairs", pairs);
    w.addBytes("graph", Bytes{ 1, 2, 3 });
    w.addTensor("cube", cube);
    w.addTensor("roi", roi);
    w.addText("e", "");

    const Bytes expected = concat({
        refHeader(6),
        refSection("params", 1, textBytes("a: 1\n")),
        refSection("pairs", 2, refTensorPayload(CV_16SC2, { 2, 3 }, elementsLE<short, 2>(pairs))),
        refSection("graph", 3, Bytes{ 1, 2, 3 }),
        refSection("cube", 2, refTensorPayload(CV_64F, { 2, 3, 2 }, elementsLE<double, 1>(cube))),
        refSection("roi", 2, refTensorPayload(CV_32FC3, { 4, 3 }, elementsLE<float, 3>(roi))),
        refSection("e", 1, Bytes()) });
    const Bytes got = w.serialize();
    EXPECT_EQ(expected.size(), got.size());
    EXPECT_EQ((uint64_t)expected.size(), w.archiveSize());
    EXPECT_TRUE(expected == got);

    const ModelArchiveReader r = ModelArchiveReader::parse(expected, "reference");   // the reader reads the reference
    EXPECT_EQ(matBytes(pairs), matBytes(r.tensor("pairs")));
    EXPECT_EQ(matBytes(roi), matBytes(r.tensor("roi")));
}

TEST(UniSLAD_ModelArchive, round_trip_of_every_kind_is_bitwise_exact_in_memory_and_on_disk)
{
    ModelArchiveWriter w;
    std::vector<std::pair<std::string, Mat>> tensors;
    const std::vector<std::vector<int>> shapes = { { 1, 1 }, { 3, 5 }, { 1, 7 }, { 6, 1 }, { 2, 3, 4 },
                                                   { 1, 1, 1, 1, 1, 1, 1, 1 }, { 2, 1, 3, 1, 2, 1, 1, 2 } };
    cv::RNG rng(11);
    int k = 0;
    for (int depth = CV_8U; depth <= CV_16F; ++depth)
        for (int cn = 1; cn <= 4; ++cn) {
            const std::vector<int>& shape = shapes[k % shapes.size()];
            Mat m((int)shape.size(), shape.data(), CV_MAKETYPE(depth, cn));
            Mat raw(1, (int)(m.total() * m.elemSize()), CV_8U, m.data);
            rng.fill(raw, cv::RNG::UNIFORM, 0, 256);   // every bit pattern, NaNs included
            const std::string name = format("t%d_%s", k++, typeToString(m.type()).c_str());
            tensors.emplace_back(name, m);
            w.addTensor(name, m);
        }
    Mat big(5, 6, CV_64FC2);
    rng.fill(big, cv::RNG::NORMAL, 0, 1);
    tensors.emplace_back("roi", big(Rect(1, 1, 4, 3)));
    w.addTensor("roi", big(Rect(1, 1, 4, 3)));
    const int sz[] = { 4, 5, 6 };
    Mat vol(3, sz, CV_16UC1);
    rng.fill(vol, cv::RNG::UNIFORM, 0, 65536);
    const cv::Range ranges[] = { cv::Range(1, 3), cv::Range::all(), cv::Range(2, 5) };
    tensors.emplace_back("vol_roi", vol(ranges));
    w.addTensor("vol_roi", vol(ranges));

    const std::string yaml = "%YAML:1.0\n---\nbackbone: \"mobilenet\"\nk: 3\n";
    const std::string binaryText("a\0b\xff\n", 5);
    Bytes blob(1000);
    rng.fill(Mat(1, 1000, CV_8U, blob.data()), cv::RNG::UNIFORM, 0, 256);
    w.addText("params", yaml);
    w.addText("empty_text", "");
    w.addText("binary_text", binaryText);
    w.addBytes("graph", blob);
    w.addBytes("empty_bytes", Bytes());

    TempDir dir;
    const std::string path = dir.file("m.unislad");
    w.save(path);
    const Bytes serialized = w.serialize();
    EXPECT_TRUE(serialized == readFile(path)) << "serialize() differs from the saved file";

    for (int fromDisk = 0; fromDisk < 2; ++fromDisk) {
        SCOPED_TRACE(fromDisk ? "load" : "parse");
        const ModelArchiveReader r = fromDisk ? ModelArchiveReader::load(path) : ModelArchiveReader::parse(serialized, "mem");
        EXPECT_EQ(1u, r.formatVersion());
        EXPECT_EQ(fromDisk ? path : std::string("mem"), r.source());
        std::vector<std::string> names;
        for (const auto& t : tensors) {
            SCOPED_TRACE(t.first);
            names.push_back(t.first);
            ASSERT_TRUE(r.has(t.first));
            EXPECT_EQ(ArchiveSectionKind::Tensor, r.kind(t.first));
            const Mat got = r.tensor(t.first);
            EXPECT_EQ(t.second.type(), got.type());
            EXPECT_EQ(matShape(t.second), matShape(got));
            EXPECT_TRUE(matBytes(t.second) == matBytes(got));
        }
        for (const char* n : { "params", "empty_text", "binary_text", "graph", "empty_bytes" })
            names.push_back(n);
        EXPECT_EQ(names, r.names());
        EXPECT_EQ(yaml, r.text("params"));
        EXPECT_EQ("", r.text("empty_text"));
        EXPECT_EQ(binaryText, r.text("binary_text"));
        EXPECT_EQ(ArchiveSectionKind::Text, r.kind("params"));
        EXPECT_EQ(ArchiveSectionKind::Bytes, r.kind("graph"));
        EXPECT_TRUE(blob == r.bytes("graph"));
        EXPECT_TRUE(r.bytes("empty_bytes").empty());
        EXPECT_FALSE(r.has("nope"));
    }
    EXPECT_EQ(std::vector<std::string>{ "m.unislad" }, dir.list());

    // An empty archive is valid too.
    const ModelArchiveReader none = ModelArchiveReader::parse(ModelArchiveWriter().serialize(), "none");
    EXPECT_TRUE(none.names().empty());
    EXPECT_TRUE(refHeader(0) == ModelArchiveWriter().serialize());
}

TEST(UniSLAD_ModelArchive, writer_rejects_bad_sections_when_they_are_added)
{
    ModelArchiveWriter w;
    UNISLAD_EXPECT_THROW_MSG(w.addTensor("t", Mat()), "addTensor", "'t'", "non-empty", "empty");
    UNISLAD_EXPECT_THROW_MSG(w.addTensor("t", Mat(0, 5, CV_32F)), "non-empty");
    UNISLAD_EXPECT_THROW_MSG(w.addTensor("t", Mat(2, 2, CV_8UC(5))), "1 to 4 channels", "CV_8UC5");
    const int nine[] = { 1, 1, 1, 1, 1, 1, 1, 1, 2 };
    UNISLAD_EXPECT_THROW_MSG(w.addTensor("t", Mat(9, nine, CV_32F)), "2 to 8 dimensions", "found 9");
    UNISLAD_EXPECT_THROW_MSG(w.addText("", "x"), "addText", "name", "1 to 256 bytes", "found 0");
    UNISLAD_EXPECT_THROW_MSG(w.addBytes(std::string(257, 'a'), Bytes()), "addBytes", "found 257");
    UNISLAD_EXPECT_THROW_MSG(w.addText("line\nbreak", "x"), "printable ASCII", "0x0A", "offset 4");
    EXPECT_NO_THROW(w.addText(std::string(256, 'a'), "x"));
    EXPECT_NO_THROW(w.addText("a", "x"));
    UNISLAD_EXPECT_THROW_MSG(w.addTensor("a", Mat(1, 1, CV_32F, Scalar(1))), "'a' again");
    EXPECT_TRUE(w.has("a"));
    EXPECT_FALSE(w.has("t"));
    // Nothing rejected made it in.
    const ModelArchiveReader r = ModelArchiveReader::parse(w.serialize(), "w");
    EXPECT_EQ((std::vector<std::string>{ std::string(256, 'a'), "a" }), r.names());

    ModelArchiveWriter many;
    for (int i = 0; i < 4096; ++i)
        many.addBytes(format("s%d", i), Bytes());
    UNISLAD_EXPECT_THROW_MSG(many.addBytes("one_more", Bytes()), "at most 4096 sections");
    EXPECT_EQ(4096u, ModelArchiveReader::parse(many.serialize(), "many").names().size());
}

TEST(UniSLAD_ModelArchive, reader_names_file_and_section_for_missing_or_wrong_kind)
{
    const ModelArchiveReader r = ModelArchiveReader::parse(smallArchive().serialize(), "m.unislad");
    UNISLAD_EXPECT_THROW_MSG(r.tensor("global_bank"), "model file 'm.unislad'", "section 'global_bank'", "missing",
                             "'params', 'local_bank'");
    UNISLAD_EXPECT_THROW_MSG(r.kind("global_bank"), "section 'global_bank'", "missing");
    UNISLAD_EXPECT_THROW_MSG(r.tensor("params"), "model file 'm.unislad'", "section 'params'", "expected a tensor", "found text");
    UNISLAD_EXPECT_THROW_MSG(r.text("graph"), "section 'graph'", "expected text", "found bytes");
    UNISLAD_EXPECT_THROW_MSG(r.bytes("cube"), "section 'cube'", "expected bytes", "found a tensor");
    UNISLAD_EXPECT_THROW_MSG(ModelArchiveReader().text("params"), "section 'params'", "missing", "found none");

    TempDir dir;
    UNISLAD_EXPECT_THROW_MSG(ModelArchiveReader::load(dir.file("absent.unislad")), "absent.unislad", "cannot open");
    UNISLAD_EXPECT_THROW_MSG(ModelArchiveReader::load(dir.path.string()), "expected a regular file");
}

TEST(UniSLAD_ModelArchive, truncation_at_every_byte_fails_cleanly_from_memory_and_file)
{
    const Bytes full = smallArchive().serialize();
    ASSERT_GT(full.size(), 200u);
    ASSERT_LT(full.size(), 600u);
    TempDir dir;
    for (size_t n = 0; n < full.size(); ++n) {
        SCOPED_TRACE(format("kept %zu of %zu bytes", n, full.size()));
        UNISLAD_EXPECT_THROW_MSG(ModelArchiveReader::parse(full.data(), n, "cut"), "model file 'cut'", "truncated");
        // A new file each time: rewriting one file in place is slow on ext4.
        const std::string path = dir.file(format("cut%zu.unislad", n));
        writeFile(path, full.data(), n);
        UNISLAD_EXPECT_THROW_MSG(ModelArchiveReader::load(path), path.c_str(), "truncated");
    }
    const std::string path = dir.file("whole.unislad");
    writeFile(path, full.data(), full.size());
    EXPECT_NO_THROW(ModelArchiveReader::load(path));
}

TEST(UniSLAD_ModelArchive, every_single_byte_change_anywhere_is_detected)
{
    const Bytes full = smallArchive().serialize();
    ASSERT_NO_THROW(ModelArchiveReader::parse(full, "ok"));
    Bytes bad = full;
    int undetected = 0, wrongError = 0;
    for (size_t pos = 0; pos < full.size(); ++pos)
        for (int x = 1; x < 256; ++x) {
            bad[pos] = (uchar)(full[pos] ^ x);
            try {
                ModelArchiveReader::parse(bad, "flip");
                if (++undetected <= 5)
                    ADD_FAILURE() << "byte " << pos << " XOR " << x << " was not detected";
            } catch (const cv::Exception& e) {
                if (e.msg.find("model file 'flip': ") == std::string::npos && ++wrongError <= 5)
                    ADD_FAILURE() << "byte " << pos << " XOR " << x << ": message lacks the file: " << e.msg;
            }
            bad[pos] = full[pos];
        }
    EXPECT_EQ(0, undetected);
    EXPECT_EQ(0, wrongError);
}

TEST(UniSLAD_ModelArchive, foreign_newer_and_corrupt_headers_are_named)
{
    const Bytes png = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                        0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0 };
    UNISLAD_EXPECT_THROW_MSG(ModelArchiveReader::parse(png, "image.png"), "model file 'image.png': header",
                             "not a UniSLAD model file", "UNISLAD\\x00", "\\x89PNG");
    TempDir dir;
    const std::string yml = dir.file("params.yml");
    std::ofstream(yml) << "%YAML:1.0\n---\nk: 3\n";
    UNISLAD_EXPECT_THROW_MSG(ModelArchiveReader::load(yml), yml.c_str(), "not a UniSLAD model file", "%YAML:1");

    UNISLAD_EXPECT_THROW_MSG(ModelArchiveReader::parse(refHeader(0, 2), "new"), "model file 'new': header",
                             "format version 2 is newer than this library's 1; upgrade");
    UNISLAD_EXPECT_THROW_MSG(ModelArchiveReader::parse(refHeader(0, 0xFFFFFFFFu), "new"), "format version 4294967295 is newer");
    UNISLAD_EXPECT_THROW_MSG(ModelArchiveReader::parse(refHeader(0, 0), "old"), "format version: expected 1, found 0");

    // A big-endian writer's header: every integer byte-swapped.
    Bytes be = { 'U', 'N', 'I', 'S', 'L', 'A', 'D', 0, 0, 0, 0, 1, 1, 2, 3, 4, 0, 0, 0, 0 };
    const uint32_t crc = crc32Bitwise(be.data(), be.size());
    for (int i = 3; i >= 0; --i)
        be.push_back((uchar)(crc >> (8 * i)));
    UNISLAD_EXPECT_THROW_MSG(ModelArchiveReader::parse(be, "be"), "model file 'be': header", "foreign byte order",
                             "04 03 02 01", "found 01 02 03 04");
    UNISLAD_EXPECT_THROW_MSG(ModelArchiveReader::parse(refHeader(0, 1, 0x01020305u), "m"), "corrupt byte-order marker",
                             "found 05 03 02 01");

    Bytes badCrc = refHeader(0);
    badCrc[20] ^= 1;
    UNISLAD_EXPECT_THROW_MSG(ModelArchiveReader::parse(badCrc, "m"), "header", "CRC-32 mismatch");
    UNISLAD_EXPECT_THROW_MSG(ModelArchiveReader::parse(refHeader(4097), "m"), "header", "section count",
                             "at most 4096", "found 4097");
    UNISLAD_EXPECT_THROW_MSG(ModelArchiveReader::parse(refHeader(4096), "m"), "header", "truncated",
                             "expected at least 65536 bytes for 4096 sections, found 0");
    UNISLAD_EXPECT_THROW_MSG(ModelArchiveReader::parse(refHeader(0xFFFFFFFFu), "m"), "found 4294967295");
}

TEST(UniSLAD_ModelArchive, malformed_sections_with_valid_crcs_are_rejected_with_what_was_found)
{
    const Bytes okText = refSection("params", 1, textBytes("k: 3"));
    const Bytes floats(48, 0);
    auto archive = [](std::initializer_list<Bytes> sections) {
        Bytes out = refHeader((uint32_t)sections.size());
        for (const Bytes& s : sections)
            out.insert(out.end(), s.begin(), s.end());
        return out;
    };
    auto parse = [](const Bytes& b) { return ModelArchiveReader::parse(b, "crafted"); };
    ASSERT_NO_THROW(parse(archive({ okText, refSection("t", 2, refTensorPayload(CV_32F, { 3, 4 }, floats)) })));

    // Huge declared lengths: a clean error, nothing allocated.
    UNISLAD_EXPECT_THROW_MSG(parse(archive({ okText, refSectionDeclaring("local_bank", 3, Bytes(10), 1ull << 62, 10) })),
                             "model file 'crafted': section 'local_bank' (#1): truncated: expected 4611686018427387904 bytes of payload, found 14");
    UNISLAD_EXPECT_THROW_MSG(parse(archive({ refSectionDeclaring("t", 1, Bytes(), ~0ull, 1) })), "expected 18446744073709551615 bytes of payload");
    UNISLAD_EXPECT_THROW_MSG(parse(archive({ refSectionDeclaring("t", 2, Bytes(), 1ull << 40, 1) })), "section 't' (#0)", "truncated");
    // Names.
    UNISLAD_EXPECT_THROW_MSG(parse(archive({ refSection("", 1, Bytes(4)) })), "section #0: name length", "1 to 256", "found 0");
    UNISLAD_EXPECT_THROW_MSG(parse(archive({ refSection(std::string(257, 'n'), 1, Bytes()) })), "found 257");
    UNISLAD_EXPECT_THROW_MSG(parse(archive({ refSectionDeclaring("ab", 1, Bytes(), 0, 65535) })), "found 65535");
    UNISLAD_EXPECT_THROW_MSG(parse(archive({ refSection(std::string("a\x01", 2), 1, Bytes()) })), "section #0: name",
                             "printable ASCII", "0x01");
    UNISLAD_EXPECT_THROW_MSG(parse(archive({ okText, okText })), "section 'params' (#1)", "duplicate section name");
    // Kinds.
    for (int kind : { 0, 4, 255 }) {
        const std::string found = format("found %d", kind);
        UNISLAD_EXPECT_THROW_MSG(parse(archive({ refSection("x", kind, Bytes()) })), "section 'x' (#0): kind",
                                 "1 (text), 2 (tensor) or 3 (bytes)", found.c_str());
    }
    // Tensor headers.
    auto tensor = [&](const Bytes& payload) { return parse(archive({ okText, refSection("bank", 2, payload) })); };
    UNISLAD_EXPECT_THROW_MSG(tensor(Bytes(4)), "section 'bank' (#1): tensor header", "at least 8 bytes", "found 4");
    UNISLAD_EXPECT_THROW_MSG(tensor(refTensorPayload(-1, { 3, 4 }, floats)), "tensor type", "found -1");
    UNISLAD_EXPECT_THROW_MSG(tensor(refTensorPayload(CV_32FC(5), { 3, 4 }, floats)), "tensor type", "1 to 4 channels");
    UNISLAD_EXPECT_THROW_MSG(tensor(refTensorPayload(CV_32F, { 12 }, floats)), "tensor dims", "2 to 8", "found 1");
    UNISLAD_EXPECT_THROW_MSG(tensor(refTensorPayload(CV_32F, { 3, 4 }, floats, 9)), "tensor dims", "found 9");
    UNISLAD_EXPECT_THROW_MSG(tensor(refTensorPayload(CV_32F, { 3, 4 }, floats, 0x7FFFFFFF)), "found 2147483647");
    UNISLAD_EXPECT_THROW_MSG(tensor(refTensorPayload(CV_32F, { 3, 4 }, floats, -2)), "found -2");
    UNISLAD_EXPECT_THROW_MSG(tensor(refTensorPayload(CV_32F, { 3, 4 }, Bytes(), 8)),
                             "tensor header", "expected 40 bytes of payload for 8 sizes, found 16");
    UNISLAD_EXPECT_THROW_MSG(tensor(refTensorPayload(CV_32F, { 3, 0 }, floats)), "tensor size 1", "at least 1", "found 0");
    UNISLAD_EXPECT_THROW_MSG(tensor(refTensorPayload(CV_32F, { -3, 4 }, floats)), "tensor size 0", "found -3");
    UNISLAD_EXPECT_THROW_MSG(tensor(refTensorPayload(CV_32F, { 3, 4 }, Bytes(44))), "tensor data",
                             "expected 48 bytes for a 3x4 CV_32FC1 tensor, found 44");
    UNISLAD_EXPECT_THROW_MSG(tensor(refTensorPayload(CV_64FC4, { 3, 4 }, floats)), "expected 384 bytes", "found 48");
    const int big = 0x7FFFFFFF;
    UNISLAD_EXPECT_THROW_MSG(tensor(refTensorPayload(CV_64FC4, { big, big, big, big, big, big, big, big }, Bytes(16))),
                             "tensor data", "expected more than 4611686018427387904 bytes", "found 16");
    UNISLAD_EXPECT_THROW_MSG(tensor(refTensorPayload(CV_8U, { 65536, 65536, 65536 }, Bytes(1))),
                             "expected 281474976710656 bytes for a 65536x65536x65536 CV_8UC1 tensor", "found 1");
    // Trailing data after the last section.
    Bytes trailing = archive({ okText });
    trailing.push_back(0);
    UNISLAD_EXPECT_THROW_MSG(parse(trailing), "model file 'crafted': end of file", "trailing data", "found 1 more bytes");
    Bytes twice = archive({ okText });
    twice.insert(twice.end(), okText.begin(), okText.end());
    const std::string found = format("found %zu more bytes", okText.size());
    UNISLAD_EXPECT_THROW_MSG(parse(twice), "trailing data", found.c_str());
    // A payload byte changed: the section's CRC.
    Bytes corrupt = archive({ okText });
    corrupt[24 + 2 + 6 + 1 + 8] ^= 0x20;
    UNISLAD_EXPECT_THROW_MSG(parse(corrupt), "section 'params' (#0)", "CRC-32 mismatch", "stored 0x");
}

// ---- atomic save ------------------------------------------------------------------------------

TEST(UniSLAD_ModelArchive, failed_saves_leave_the_old_file_and_no_temporary_files)
{
    TempDir dir;
    const std::string path = dir.file("m.unislad");
    const ModelArchiveWriter old = smallArchive();
    old.save(path);
    const Bytes oldBytes = readFile(path);
    EXPECT_EQ(std::vector<std::string>{ "m.unislad" }, dir.list());

    // The destination's directory does not exist: nothing is created anywhere.
    const std::string missing = dir.file("missing/m.unislad");
    UNISLAD_EXPECT_THROW_MSG(old.save(missing), "cannot create the temporary file", missing.c_str(), "No such file");
    EXPECT_EQ(std::vector<std::string>{ "m.unislad" }, dir.list());

    // An invalid tensor is refused before any file is touched.
    ModelArchiveWriter next = smallArchive();
    EXPECT_ANY_THROW(next.addTensor("bad", Mat()));
    EXPECT_TRUE(oldBytes == readFile(path));

    // The destination is a directory: the rename fails, the temporary file goes.
    const std::string sub = dir.file("sub");
    fs::create_directory(sub);
    UNISLAD_EXPECT_THROW_MSG(old.save(sub), "cannot rename", sub.c_str());
    EXPECT_EQ((std::vector<std::string>{ "m.unislad", "sub" }), dir.list());
    EXPECT_TRUE(fs::is_empty(sub));
    UNISLAD_EXPECT_THROW_MSG(old.save(""), "path", "empty");

    // A successful save replaces the file and leaves nothing else.
    ModelArchiveWriter changed;
    changed.addText("params", "new");
    changed.save(path);
    EXPECT_EQ((std::vector<std::string>{ "m.unislad", "sub" }), dir.list());
    EXPECT_EQ("new", ModelArchiveReader::load(path).text("params"));
    EXPECT_TRUE(changed.serialize() == readFile(path));
}

#ifndef _WIN32
TEST(UniSLAD_ModelArchive, a_save_killed_at_any_moment_leaves_the_old_or_the_new_file)
{
    TempDir dir;
    const std::string path = dir.file("big.unislad");
    // Two different archives of 4 MiB: A and B.
    Mat data[2];
    ModelArchiveWriter writers[2];
    for (int i = 0; i < 2; ++i) {
        data[i].create(1024, 1024, CV_32F);
        cv::RNG(100 + i).fill(data[i], cv::RNG::UNIFORM, -1, 1);
        writers[i].addText("params", i ? "B" : "A");
        writers[i].addTensor("bank", data[i]);
    }
    auto which = [&](const ModelArchiveReader& r) {   // 0 or 1, -1 when neither
        const int i = r.text("params") == "B" ? 1 : 0;
        const Mat bank = r.tensor("bank");
        const bool same = bank.type() == CV_32F && bank.size() == data[i].size() &&
                          std::memcmp(bank.data, data[i].data, data[i].total() * sizeof(float)) == 0;
        return same ? i : -1;
    };
    // How long an uninterrupted save takes here.
    const int64 t0 = cv::getTickCount();
    writers[0].save(path);
    const double saveSeconds = (double)(cv::getTickCount() - t0) / cv::getTickFrequency();
    const std::regex temporary("big\\.unislad\\.tmp-([0-9]+)-[0-9a-f]{8}");   // the documented pattern

    cv::RNG rng((uint64)cv::getTickCount());
    int current = 0, interrupted = 0, completed = 0, leftovers = 0;
    for (int round = 0; round < 8; ++round) {
        const int next = 1 - current;
        const int delayUs = rng.uniform(0, std::max(1, (int)(saveSeconds * 1.5e6)));
        SCOPED_TRACE(format("round %d, kill after %d us (a save takes %.0f us)", round, delayUs, saveSeconds * 1e6));
        std::fflush(nullptr);
        const pid_t child = fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            try {
                writers[next].save(path);
            } catch (...) {
                _exit(2);
            }
            _exit(0);
        }
        std::this_thread::sleep_for(std::chrono::microseconds(delayUs));
        kill(child, SIGKILL);
        int status = 0;
        ASSERT_EQ(child, waitpid(child, &status, 0));
        const bool finished = WIFEXITED(status);
        if (finished) {
            ASSERT_EQ(0, WEXITSTATUS(status));
        }

        int found = -2;
        ASSERT_NO_THROW(found = which(ModelArchiveReader::load(path)));
        if (finished) {
            EXPECT_EQ(next, found);
        } else {
            EXPECT_TRUE(found == current || found == next) << "found " << found;
        }
        for (const std::string& name : dir.list()) {
            if (name == "big.unislad")
                continue;
            std::smatch m;
            ASSERT_TRUE(std::regex_match(name, m, temporary)) << "unexpected file " << name;
            EXPECT_EQ((long)child, std::stol(m[1].str())) << name;
            EXPECT_FALSE(finished) << "a completed save left its temporary file " << name;
            ++leftovers;
            fs::remove(dir.file(name));
        }
        (finished ? completed : interrupted) += 1;
        current = found >= 0 ? found : current;
    }
    std::cout << "[     INFO ] save " << saveSeconds * 1e3 << " ms; " << interrupted << " saves killed, "
              << completed << " completed, " << leftovers << " temporary files left by kills" << std::endl;
}
#endif

TEST(UniSLAD_ModelArchive, isModelFile_reads_the_magic_only)
{
    TempDir dir;
    const std::string model = dir.file("m.unislad"), magicOnly = dir.file("magic"), png = dir.file("x.png"),
                      shortFile = dir.file("short");
    smallArchive().save(model);
    const uchar magic[8] = { 'U', 'N', 'I', 'S', 'L', 'A', 'D', 0 };
    writeFile(magicOnly, magic, 8);                                    // damaged, but a model file
    const uchar pngHead[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    writeFile(png, pngHead, 8);
    writeFile(shortFile, magic, 7);
    EXPECT_TRUE(cv::uniSLAD::isModelFile(model));
    EXPECT_TRUE(cv::uniSLAD::isModelFile(magicOnly));
    EXPECT_FALSE(cv::uniSLAD::isModelFile(png));
    EXPECT_FALSE(cv::uniSLAD::isModelFile(shortFile));
    EXPECT_FALSE(cv::uniSLAD::isModelFile(dir.file("missing")));
    EXPECT_FALSE(cv::uniSLAD::isModelFile(dir.path.string()));      // a directory
}

TEST(UniSLAD_ModelArchive, public_writeFileAtomically_writes_the_bytes_and_names_the_caller)
{
    TempDir dir;
    const std::string path = dir.file("out.json");
    const Bytes bytes = textBytes("{\"a\": 1}\n");
    cv::uniSLAD::writeFileAtomically(path, bytes);
    EXPECT_TRUE(bytes == readFile(path));
    cv::uniSLAD::writeFileAtomically(path, Bytes());
    EXPECT_TRUE(readFile(path).empty());
    EXPECT_EQ(std::vector<std::string>{ "out.json" }, dir.list());
    UNISLAD_EXPECT_THROW_MSG(cv::uniSLAD::writeFileAtomically(dir.file("no/out.json"), bytes, "cannot write 'X'"),
                             "cannot write 'X': ", "No such file or directory");
}

#ifndef _WIN32
//! A pid that no process has: a child that has exited and been reaped.
long deadPid()
{
    std::fflush(nullptr);
    const pid_t child = fork();
    if (child == 0)
        _exit(0);
    int status = 0;
    waitpid(child, &status, 0);
    return (long)child;
}

TEST(UniSLAD_ModelArchive, a_save_removes_temporary_files_of_dead_writers_of_the_same_file_only)
{
    TempDir dir;
    const std::string path = dir.file("m.unislad");
    const long dead = deadPid();
    const std::string staleName = format("m.unislad.tmp-%ld-0000abcd", dead);
    const std::vector<std::string> kept = {
        format("m.unislad.tmp-%ld-0000beef", (long)getpid()),    // this process: another thread may be writing
        format("m.unislad.tmp-%ld-0000cafe", (long)getppid()),   // a live process
        format("n.unislad.tmp-%ld-0000abcd", dead),               // another file's
        format("m.unislad.tmp-%ld-0000ABCD", dead),               // not the pattern (upper-case hex)
        format("m.unislad.tmp-%ld-0000abcd.bak", dead),           // not the pattern (a suffix)
        format("m.unislad.tmp-%ld", dead),                        // not the pattern (no hex part)
    };
    const uchar junk[4] = { 1, 2, 3, 4 };
    writeFile(dir.file(staleName), junk, 4);
    for (const std::string& name : kept)
        writeFile(dir.file(name), junk, 4);
    smallArchive().save(path);
    std::vector<std::string> expected = kept;
    expected.push_back("m.unislad");
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(expected, dir.list());
    // The public writer does the same.
    writeFile(dir.file(staleName), junk, 4);
    cv::uniSLAD::writeFileAtomically(path, textBytes("x"));
    EXPECT_EQ(expected, dir.list());
}

TEST(UniSLAD_ModelArchive, a_save_through_a_symbolic_link_replaces_its_target_and_keeps_the_link)
{
    TempDir dir;
    fs::create_directory(dir.path / "versions");
    const std::string link = dir.file("current.unislad"), target = dir.file("versions/v1.unislad");
    smallArchive().save(target);
    fs::create_symlink("versions/v1.unislad", link);   // relative, as `ln -s` makes them
    ModelArchiveWriter changed;
    changed.addText("params", "new");
    changed.save(link);
    EXPECT_TRUE(fs::is_symlink(fs::symlink_status(link)));
    EXPECT_EQ(fs::path("versions/v1.unislad"), fs::read_symlink(link));
    EXPECT_EQ("new", ModelArchiveReader::load(target).text("params"));
    EXPECT_EQ((std::vector<std::string>{ "current.unislad", "versions" }), dir.list());
    EXPECT_EQ(1, std::distance(fs::directory_iterator(dir.path / "versions"), fs::directory_iterator()));

    // A link to a link, and a dangling link (its target is created).
    const std::string second = dir.file("second.unislad"), dangling = dir.file("next.unislad");
    fs::create_symlink(link, second);
    smallArchive().save(second);
    EXPECT_TRUE(fs::is_symlink(fs::symlink_status(second)));
    EXPECT_TRUE(smallArchive().serialize() == readFile(target));
    fs::create_symlink("versions/v2.unislad", dangling);
    changed.save(dangling);
    EXPECT_TRUE(fs::is_symlink(fs::symlink_status(dangling)));
    EXPECT_EQ("new", ModelArchiveReader::load(dir.file("versions/v2.unislad")).text("params"));

    // A loop of links is an error that names the path, and creates nothing.
    const std::string loopA = dir.file("loop_a"), loopB = dir.file("loop_b");
    fs::create_symlink("loop_b", loopA);
    fs::create_symlink("loop_a", loopB);
    UNISLAD_EXPECT_THROW_MSG(changed.save(loopA), "loop_a", "too many levels of symbolic links");
}
#endif

}} // namespace
