// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "test_precomp.hpp"
#include "io/sha256.hpp"

#include <cstdio>
#include <fstream>

namespace opencv_test { namespace {

using namespace cv::uniSLAD::detail;

TEST(UniSLAD_Sha256, fips_180_test_vectors)
{
    EXPECT_EQ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", sha256Hex("", 0));
    EXPECT_EQ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", sha256Hex("abc", 3));
    const std::string two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";  // 448 bits: padding spills
    EXPECT_EQ("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", sha256Hex(two.data(), two.size()));
    Sha256 million;  // one million 'a', fed in uneven pieces
    const std::string chunk(997, 'a');
    size_t left = 1000000;
    while (left) {
        const size_t n = std::min(left, chunk.size());
        million.update(chunk.data(), n);
        left -= n;
    }
    EXPECT_EQ("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", million.hexDigest());
}

TEST(UniSLAD_Sha256, file_equals_buffer_and_missing_file_is_named)
{
    const std::string path = cv::tempfile(".bin");
    std::string data(200000, '\0');
    for (size_t i = 0; i < data.size(); ++i)
        data[i] = (char)(i * 131 % 251);
    std::ofstream(path, std::ios::binary).write(data.data(), (std::streamsize)data.size());
    EXPECT_EQ(sha256Hex(data.data(), data.size()), sha256File(path));
    std::remove(path.c_str());
    UNISLAD_EXPECT_THROW_MSG(sha256File(path), path.c_str(), "cannot open");
}

}} // namespace
