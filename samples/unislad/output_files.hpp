// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef UNISLAD_SAMPLES_OUTPUT_FILES_HPP
#define UNISLAD_SAMPLES_OUTPUT_FILES_HPP

// What the subcommands write, and how: file names escaped for JSON and CSV, every output file
// written atomically (cv::uniSLAD::writeFileAtomically) with the system's reason on failure,
// output paths checked before the long work starts, and stdout that may go away (`| head -1`).
//
// File names in JSON: valid UTF-8 JSON for any name. Control characters are \u escapes; each
// maximal invalid subsequence becomes one U+FFFD (Unicode's recommended practice, as Python's
// errors="replace"), and the object then also carries the exact bytes, percent-encoded, in
// "<key>_bytes" (see jsonNameFields). In CSV: RFC 4180 quoting (a field with a
// comma, a quote, CR or LF is quoted, quotes doubled); the bytes of the name are kept as they are,
// so the CSV gives back every name exactly (read it as UTF-8 with errors="surrogateescape").

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace unislad {
namespace cli {

/** True when text is valid UTF-8 (no overlong forms, surrogates or code points above U+10FFFF). */
bool isValidUtf8(const std::string& text);

/** A JSON string literal, quotes included, valid UTF-8 for any bytes (see the top of this file). */
std::string jsonString(const std::string& text);

/** The bytes of text with '%' and every byte outside printable ASCII as %XX ("a%FFb"). */
std::string percentEncoded(const std::string& text);

/** `"key": <jsonString(name)>`, followed by `, "key_bytes": "<percentEncoded(name)>"` when name is
    not valid UTF-8, so that a reader can get back the exact file name. */
std::string jsonNameFields(const std::string& key, const std::string& name);

/** A CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or LF; bytes kept. */
std::string csvField(const std::string& text);

/** Writes bytes to path atomically (a temporary file renamed over path; a symbolic link is written
    through to its target). Raises "cannot write '<path>': ...<the system's reason>". */
void writeOutputFile(const std::string& path, const std::string& bytes);

/** Encodes image as PNG and writes it with writeOutputFile. */
void writeOutputPng(const std::string& path, const cv::Mat& image);

/** Creates folder dir (and its parents) and checks that a file can be created in it, so that a
    command fails before its long work, with the system's reason, not after it. `option` starts the
    message ("--out"). */
void prepareOutputFolder(const std::string& dir, const std::string& option);

/** Checks that path can be written as an output file: not an existing folder (or other non-file),
    and its folder exists and is writable (following symbolic links). */
void checkOutputFile(const std::string& path, const std::string& option);

/** checkOutputFile() for a model file, and refuses to replace an existing file that is not a model
    file (cv::uniSLAD::isModelFile) unless force: a mistyped --model must not destroy an image. */
void checkModelOutput(const std::string& path, const std::string& option, bool force);

/** The file that writing to path reaches: path, or the end of its chain of symbolic links. */
std::string followLinks(const std::string& path);

/** printf to stdout until a write fails (a closed pipe: `unislad detect ... | head -1`); after
    that nothing more is printed and the command goes on with its work. */
void printOut(const char* format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/** Ignores SIGPIPE (POSIX), so that a closed stdout makes writes fail instead of killing the
    program before it writes its result files. */
void ignoreBrokenPipes();

} // namespace cli
} // namespace unislad

#endif // UNISLAD_SAMPLES_OUTPUT_FILES_HPP
