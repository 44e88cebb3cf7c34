// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_STRUCTURED_TEXT_HPP
#define OPENCV_UNISLAD_STRUCTURED_TEXT_HPP

// Structured text (backbone manifests, a model file's parameters) read strictly by the library itself.
//
// Why: OpenCV 4.6's YAML parser loops forever, or throws std::length_error, on some malformed text
// (found by fuzz/fuzz_manifest; RELIABILITY.md, "Fuzzing"), and rejecting such inputs one pattern at a
// time never ends. So no outside text reaches cv::FileStorage's parsers: the readers below accept
// YAML in the block style cv::FileStorage writes (plus the forms people write by hand: `- key: value`
// items, comments, single quotes) and JSON, build a tree, and hand OpenCV canonical JSON written here
// (one value per line, escapes OpenCV's JSON reader knows, integers in int range, strings under its
// 4096-byte limit). Code that reads the data keeps using cv::FileNode.
//
// Errors: cv::Exception (StsParseError) "line L, column C: expected ..., found ...".

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace cv {
namespace uniSLAD {
namespace detail {

/** One value of a YAML or JSON document. */
struct TextNode
{
    enum Kind { Map, Seq, String, Int, Real };
    Kind kind = Map;
    std::string scalar;                                     //!< String: its bytes; Int, Real: JSON number text
    std::vector<std::pair<std::string, TextNode>> entries;  //!< Map, in document order
    std::vector<TextNode> items;                            //!< Seq
    std::unordered_set<std::string> keys;                   //!< Map: the keys, so that a duplicate is found in O(1)
};

/** Limits of what the readers accept (and so of what OpenCV's JSON reader is handed). */
struct TextLimits
{
    static constexpr size_t kMaxBytes = size_t(1) << 20;  //!< whole text: 1 MiB
    static constexpr int kMaxDepth = 32;                  //!< nesting of maps and sequences
    static constexpr size_t kMaxString = 4095;            //!< bytes of one string (OpenCV's CV_FS_MAX_LEN - 1)
};

/** Reads `text` (YAML starting with a `%YAML:1.x` line and `---`, or JSON starting with `{`) into a tree;
    the root is a map. Throws cv::Exception naming the line and column of the first problem. */
CV_EXPORTS TextNode parseStructuredText(const std::string& text);

/** The tree as JSON that cv::FileStorage reads back into the same values. */
CV_EXPORTS std::string toJson(const TextNode& root);

/** parseStructuredText + toJson: the only text the library hands to cv::FileStorage's parser. */
CV_EXPORTS std::string canonicalJson(const std::string& text);

/** Opens `fs` for reading the data of `text` (through canonicalJson). */
CV_EXPORTS void openStructuredText(FileStorage& fs, const std::string& text);

// ---- shared by the YAML and JSON readers --------------------------------------------------------

/** A position in the text with line and column (1-based), for error messages. */
class TextCursor
{
public:
    explicit TextCursor(const std::string& text) : text_(text) {}
    bool atEnd() const { return pos_ >= text_.size(); }
    //! The character `ahead` places on, '\0' past the end (the text holds no NUL: refused before).
    char peek(size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }
    //! The character before the cursor ('\n' at the start).
    char prev() const { return pos_ > 0 ? text_[pos_ - 1] : '\n'; }
    char get();
    int line() const { return line_; }
    int column() const { return (int)(pos_ - lineStart_) + 1; }
    size_t position() const { return pos_; }
    //! "line L, column C: <what>" as cv::Exception (StsParseError).
    CV_NORETURN void fail(const std::string& what) const;
    //! The next few characters, quoted, for "found ..." ("the end of the text" past the end).
    std::string foundHere() const;

private:
    const std::string& text_;
    size_t pos_ = 0, lineStart_ = 0;
    int line_ = 1;
};

/** True when OpenCV's readers take a plain scalar for a number: it starts with a digit, a sign followed
    by a digit or '.', or '.' followed by a letter or digit (persistence_yml.cpp). */
bool startsLikeNumber(const std::string& s);

/** Classifies a plain scalar the way OpenCV's readers do: text that startsLikeNumber must be a decimal integer in
    int range, a real number, or .nan / .inf / -.inf; anything else is a string. Sets `out`; throws
    through `at` when a number-like scalar is not a valid number. */
void classifyScalar(const std::string& s, const TextCursor& at, TextNode& out);

/** Requires a key OpenCV writes and reads back unchanged: a letter or '_', then letters, digits, '_' or '-'. */
void checkKey(const std::string& key, const TextCursor& at);

/** Requires a string OpenCV's JSON reader reads back unchanged: at most kMaxString bytes, not starting
    with "$base64$" (OpenCV's marker of binary data). */
void checkString(const std::string& s, const TextCursor& at);

/** Adds `key` to a map; a duplicate key is an error (found through TextNode::keys: a map of 10^5 keys
    must not take 10^10 comparisons). Returns the new value. */
TextNode& addEntry(TextNode& map, const std::string& key, const TextCursor& at);

/** Appends code point `cp` as UTF-8. */
void appendUtf8(uint32_t cp, std::string& out);

/** Reads `digits` hexadecimal digits (an escape's) at the cursor. */
uint32_t readHex(TextCursor& c, int digits);

TextNode parseYamlText(const std::string& text);
TextNode parseJsonText(const std::string& text);

}}} // namespace cv::uniSLAD::detail

#endif // OPENCV_UNISLAD_STRUCTURED_TEXT_HPP
