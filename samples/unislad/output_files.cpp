// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "output_files.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/unislad.hpp>

#include <cerrno>
#include <cstdlib>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>

#ifndef _WIN32
#include <unistd.h>
#endif

namespace fs = std::filesystem;

namespace unislad {
namespace cli {

namespace {

/** The UTF-8 sequence at s[i]: its length, and whether it is valid. An invalid one is the maximal
    subpart of a valid sequence (at least 1 byte), which is what one U+FFFD replaces in Unicode's
    recommended practice (and Python's errors="replace", WHATWG's decoder). */
size_t utf8Sequence(const std::string& s, size_t i, bool& valid)
{
    const unsigned char c = (unsigned char)s[i];
    valid = true;
    if (c < 0x80)
        return 1;
    size_t n = 0;
    unsigned lo = 0x80, hi = 0xBF;   // the allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;   // no overlong forms
        if (c == 0xED) hi = 0x9F;   // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;   // no overlong forms
        if (c == 0xF4) hi = 0x8F;   // nothing above U+10FFFF
    } else {
        valid = false;   // a continuation byte, or a lead byte that no valid sequence starts with
        return 1;
    }
    size_t k = 1;
    for (; k < n && i + k < s.size(); ++k) {
        const unsigned char b = (unsigned char)s[i + k];
        if (b < (k == 1 ? lo : 0x80u) || b > (k == 1 ? hi : 0xBFu))
            break;
    }
    valid = k == n;
    return k;
}

std::string systemReason(int err)
{
    return std::strerror(err);
}

} // namespace

bool isValidUtf8(const std::string& text)
{
    bool valid = true;
    for (size_t i = 0; i < text.size() && valid;)
        i += utf8Sequence(text, i, valid);
    return valid;
}

std::string jsonString(const std::string& text)
{
    std::string o = "\"";
    for (size_t i = 0; i < text.size();) {
        bool valid = true;
        const size_t n = utf8Sequence(text, i, valid);
        const unsigned char c = (unsigned char)text[i];
        if (!valid) {
            o += "\xEF\xBF\xBD";   // U+FFFD REPLACEMENT CHARACTER; the exact bytes: jsonNameFields
            i += n;
            continue;
        }
        if (c == '"' || c == '\\') {
            o += '\\';
            o += (char)c;
        } else if (c < 0x20) {
            char b[8];
            std::snprintf(b, sizeof(b), "\\u%04x", c);
            o += b;
        } else {
            o.append(text, i, n);
        }
        i += n;
    }
    return o + "\"";
}

std::string percentEncoded(const std::string& text)
{
    std::string o;
    for (unsigned char c : text) {
        if (c > 0x20 && c < 0x7F && c != '%') {
            o += (char)c;
        } else {
            char b[4];
            std::snprintf(b, sizeof(b), "%%%02X", c);
            o += b;
        }
    }
    return o;
}

std::string jsonNameFields(const std::string& key, const std::string& name)
{
    std::string o = "\"" + key + "\": " + jsonString(name);
    if (!isValidUtf8(name))
        o += ", \"" + key + "_bytes\": \"" + percentEncoded(name) + "\"";
    return o;
}

std::string csvField(const std::string& text)
{
    if (text.find_first_of(",\"\n\r") == std::string::npos)
        return text;
    std::string o = "\"";
    for (char c : text)
        o += c == '"' ? std::string("\"\"") : std::string(1, c);
    return o + "\"";
}

void writeOutputFile(const std::string& path, const std::string& bytes)
{
    cv::uniSLAD::writeFileAtomically(path, std::vector<uchar>(bytes.begin(), bytes.end()), "cannot write '" + path + "'");
}

void writeOutputPng(const std::string& path, const cv::Mat& image)
{
    std::vector<uchar> png;
    if (!cv::imencode(".png", image, png))
        CV_Error(cv::Error::StsError, "cannot write '" + path + "': the PNG encoder failed");
    cv::uniSLAD::writeFileAtomically(path, png, "cannot write '" + path + "'");
}

std::string followLinks(const std::string& path)
{
    fs::path p = path;
    std::error_code ec;
    for (int depth = 0; depth < 40 && fs::is_symlink(fs::symlink_status(p, ec)); ++depth) {
        const fs::path target = fs::read_symlink(p, ec);
        if (ec)
            break;
        p = target.is_absolute() ? target : p.parent_path() / target;
    }
    return p.string();
}

void prepareOutputFolder(const std::string& dir, const std::string& option)
{
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        CV_Error(cv::Error::StsError, option + ": cannot create folder '" + dir + "': " + ec.message());
    if (!fs::is_directory(dir, ec))
        CV_Error(cv::Error::StsError, option + ": '" + dir + "' is not a folder");
    // Creating a file is the only test that covers permissions, ACLs, read-only mounts and quotas
    // alike (access(2) misses some; root passes it regardless).
#ifdef _WIN32
    const long pid = (long)std::rand();
#else
    const long pid = (long)::getpid();
#endif
    const std::string probe = (fs::path(dir) / (".unislad-write-check-" + std::to_string(pid))).string();
    errno = 0;
    std::FILE* f = std::fopen(probe.c_str(), "wbx");
    if (!f)
        CV_Error(cv::Error::StsError, option + ": cannot write into folder '" + dir + "': " +
                                      systemReason(errno ? errno : EACCES));
    std::fclose(f);
    std::remove(probe.c_str());
}

void checkOutputFile(const std::string& path, const std::string& option)
{
    const fs::path target = followLinks(path);
    std::error_code ec;
    const fs::file_status st = fs::status(target, ec);
    if (fs::exists(st) && !fs::is_regular_file(st))
        CV_Error(cv::Error::StsError, option + ": cannot write '" + path + "': " +
                                      (fs::is_directory(st) ? "it is a folder" : "it is not a regular file"));
    const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
    const fs::file_status pst = fs::status(parent, ec);
    if (!fs::exists(pst))
        CV_Error(cv::Error::StsError, option + ": cannot write '" + path + "': folder '" + parent.string() + "': " +
                                      (ec ? ec.message() : systemReason(ENOENT)));
    if (!fs::is_directory(pst))
        CV_Error(cv::Error::StsError, option + ": cannot write '" + path + "': '" + parent.string() + "': " +
                                      systemReason(ENOTDIR));
    prepareOutputFolder(parent.string(), option);
}

void checkModelOutput(const std::string& path, const std::string& option, bool force)
{
    checkOutputFile(path, option);
    std::error_code ec;
    if (!force && fs::exists(followLinks(path), ec) && !cv::uniSLAD::isModelFile(path))
        CV_Error(cv::Error::StsError, option + ": '" + path + "' exists and is not a UniSLAD model file; "
                                      "refusing to replace it (--force replaces it)");
}

void printOut(const char* format, ...)
{
    static bool failed = false;
    if (failed)
        return;
    va_list args;
    va_start(args, format);
    const int n = std::vfprintf(stdout, format, args);
    va_end(args);
    if (n < 0 || std::fflush(stdout) != 0 || std::ferror(stdout))
        failed = true;
}

void ignoreBrokenPipes()
{
#ifdef SIGPIPE
    std::signal(SIGPIPE, SIG_IGN);
#endif
}

} // namespace cli
} // namespace unislad
