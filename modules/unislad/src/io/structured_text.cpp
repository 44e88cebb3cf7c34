// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"

#include "io/structured_text.hpp"

#include <cstring>

namespace cv {
namespace uniSLAD {
namespace detail {

// ---- cursor -------------------------------------------------------------------------------------

char TextCursor::get()
{
    if (atEnd())
        fail("expected more text, found the end of the text");
    const char c = text_[pos_++];
    if (c == '\n') {
        ++line_;
        lineStart_ = pos_;
    }
    return c;
}

void TextCursor::fail(const std::string& what) const
{
    CV_Error(Error::StsParseError, format("line %d, column %d: %s", line(), column(), what.c_str()));
}

std::string TextCursor::foundHere() const
{
    if (atEnd())
        return "the end of the text";
    if (peek() == '\n')
        return "the end of the line";
    std::string s;
    for (size_t i = pos_; i < text_.size() && i < pos_ + 12 && text_[i] != '\n'; ++i) {
        const unsigned char c = (unsigned char)text_[i];
        s += (c < 0x20 || c == 0x7f) ? format("\\x%02X", c) : std::string(1, (char)c);
    }
    return "'" + s + "'";
}

// ---- scalars, keys, strings ---------------------------------------------------------------------

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

} // namespace

bool startsLikeNumber(const std::string& s)
{
    const char c0 = s.empty() ? '\0' : s[0], c1 = s.size() > 1 ? s[1] : '\0';
    return isDigit(c0) || ((c0 == '+' || c0 == '-') && (isDigit(c1) || c1 == '.')) ||
           (c0 == '.' && (isDigit(c1) || isAlpha(c1)));
}

namespace {

bool equalsAny(const std::string& s, std::initializer_list<const char*> options)
{
    for (const char* o : options)
        if (s == o)
            return true;
    return false;
}

//! Parses s as [+-]digits[.digits][(e|E)[+-]digits] into canonical JSON; false when it is not one.
bool canonicalNumber(const std::string& s, TextNode& out, bool& intOutOfRange)
{
    size_t i = 0;
    const bool negative = s[i] == '-';
    if (s[i] == '+' || s[i] == '-')
        ++i;
    const size_t intBegin = i;
    while (i < s.size() && isDigit(s[i]))
        ++i;
    const std::string intDigits = s.substr(intBegin, i - intBegin);
    bool point = false;
    std::string fracDigits, exponent;
    if (i < s.size() && s[i] == '.') {
        point = true;
        const size_t b = ++i;
        while (i < s.size() && isDigit(s[i]))
            ++i;
        fracDigits = s.substr(b, i - b);
    }
    if (intDigits.empty() && fracDigits.empty())
        return false;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        std::string sign;
        if (i < s.size() && (s[i] == '+' || s[i] == '-'))
            sign = s[i++];
        const size_t b = i;
        while (i < s.size() && isDigit(s[i]))
            ++i;
        if (i == b)
            return false;
        exponent = "e" + sign + s.substr(b, i - b);
    }
    if (i != s.size())
        return false;
    if (!point && exponent.empty()) {
        // Decimal integers only: OpenCV reads a leading 0 as octal and 0x as hex.
        if (intDigits.size() > 1 && intDigits[0] == '0')
            return false;
        if (intDigits.size() > 10 || std::stoll(intDigits) > (negative ? 2147483648LL : 2147483647LL)) {
            intOutOfRange = true;
            return false;
        }
        out.kind = TextNode::Int;
        out.scalar = (negative && intDigits != "0" ? "-" : "") + intDigits;
        return true;
    }
    out.kind = TextNode::Real;
    out.scalar = std::string(negative ? "-" : "") + (intDigits.empty() ? "0" : intDigits) + "." +
                 (fracDigits.empty() ? "0" : fracDigits) + exponent;
    return true;
}

} // namespace

void classifyScalar(const std::string& s, const TextCursor& at, TextNode& out)
{
    out = TextNode();
    if (!startsLikeNumber(s)) {
        checkString(s, at);
        out.kind = TextNode::String;
        out.scalar = s;
        return;
    }
    if (equalsAny(s, { ".nan", ".NaN", ".Nan", ".NAN" }) || equalsAny(s, { ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF" }) ||
        equalsAny(s, { "-.inf", "-.Inf", "-.INF" })) {
        out.kind = TextNode::Real;
        out.scalar = s[1] == 'n' || s[1] == 'N' ? ".Nan" : (s[0] == '-' ? "-.Inf" : ".Inf");
        return;
    }
    bool intOutOfRange = false;
    if (canonicalNumber(s, out, intOutOfRange))
        return;
    const std::string shown = s.size() > 40 ? s.substr(0, 40) + "..." : s;
    if (intOutOfRange)
        at.fail("expected an integer from -2147483648 to 2147483647 (write a real, e.g. 1e10, for more), found '" + shown + "'");
    at.fail("expected a number (a decimal integer, a real such as 1.5 or 2e-3, .nan, .inf or -.inf; quote text "
            "that starts like a number), found '" + shown + "'");
}

void checkKey(const std::string& key, const TextCursor& at)
{
    bool ok = !key.empty() && (isAlpha(key[0]) || key[0] == '_') && key.size() <= 255;
    for (char c : key)
        ok = ok && (isAlpha(c) || isDigit(c) || c == '_' || c == '-');
    if (!ok)
        at.fail("expected a key of letters, digits, '_' or '-' that starts with a letter or '_', found '" +
                key.substr(0, 40) + "'");
}

void checkString(const std::string& s, const TextCursor& at)
{
    if (s.size() > TextLimits::kMaxString)
        at.fail(format("expected a string of at most %zu bytes, found %zu", TextLimits::kMaxString, s.size()));
    if (s.compare(0, 8, "$base64$") == 0)
        at.fail("expected a string, found OpenCV's base64 marker '$base64$' (binary data is not supported)");
}

TextNode& addEntry(TextNode& map, const std::string& key, const TextCursor& at)
{
    if (!map.keys.insert(key).second)
        at.fail("expected each key once in a map, found '" + key + "' again");
    map.entries.emplace_back(key, TextNode());
    return map.entries.back().second;
}

void appendUtf8(uint32_t cp, std::string& out)
{
    if (cp < 0x80) {
        out += (char)cp;
    } else if (cp < 0x800) {
        out += (char)(0xC0 | (cp >> 6));
        out += (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += (char)(0xE0 | (cp >> 12));
        out += (char)(0x80 | ((cp >> 6) & 0x3F));
        out += (char)(0x80 | (cp & 0x3F));
    } else {
        out += (char)(0xF0 | (cp >> 18));
        out += (char)(0x80 | ((cp >> 12) & 0x3F));
        out += (char)(0x80 | ((cp >> 6) & 0x3F));
        out += (char)(0x80 | (cp & 0x3F));
    }
}

uint32_t readHex(TextCursor& c, int digits)
{
    uint32_t v = 0;
    for (int i = 0; i < digits; ++i) {
        const char h = c.peek();
        int d = -1;
        if (h >= '0' && h <= '9') d = h - '0';
        else if (h >= 'a' && h <= 'f') d = h - 'a' + 10;
        else if (h >= 'A' && h <= 'F') d = h - 'A' + 10;
        if (d < 0)
            c.fail(format("expected %d hexadecimal digits in the escape, found ", digits) + c.foundHere());
        c.get();
        v = v * 16 + (uint32_t)d;
    }
    return v;
}

// ---- the whole text -----------------------------------------------------------------------------

namespace {

//! Line and column of a byte offset, for the checks made before a reader's cursor exists.
CV_NORETURN void failAt(const std::string& text, size_t offset, const std::string& what)
{
    int line = 1;
    size_t lineStart = 0;
    for (size_t i = 0; i < offset && i < text.size(); ++i)
        if (text[i] == '\n') {
            ++line;
            lineStart = i + 1;
        }
    CV_Error(Error::StsParseError, format("line %d, column %d: %s", line, (int)(offset - lineStart) + 1, what.c_str()));
}

void appendJsonString(const std::string& s, std::string& out)
{
    out += '"';
    for (char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default: out += c;   // OpenCV's JSON reader copies every other byte of a string as it is
        }
    }
    out += '"';
}

void appendJson(const TextNode& n, int indent, std::string& out)
{
    switch (n.kind) {
    case TextNode::String:
        appendJsonString(n.scalar, out);
        return;
    case TextNode::Int:
    case TextNode::Real:
        out += n.scalar;
        return;
    case TextNode::Map:
    case TextNode::Seq:
        break;
    }
    const bool map = n.kind == TextNode::Map;
    const size_t count = map ? n.entries.size() : n.items.size();
    if (count == 0) {
        out += map ? "{}" : "[]";
        return;
    }
    // One value per line: OpenCV's reader works line by line.
    out += map ? "{\n" : "[\n";
    for (size_t i = 0; i < count; ++i) {
        out.append((size_t)indent + 2, ' ');
        if (map) {
            appendJsonString(n.entries[i].first, out);
            out += ": ";
        }
        appendJson(map ? n.entries[i].second : n.items[i], indent + 2, out);
        out += i + 1 < count ? ",\n" : "\n";
    }
    out.append((size_t)indent, ' ');
    out += map ? "}" : "]";
}

} // namespace

TextNode parseStructuredText(const std::string& original)
{
    if (original.size() > TextLimits::kMaxBytes)
        CV_Error(Error::StsParseError, format("expected at most %zu bytes of YAML or JSON, found %zu",
                                              TextLimits::kMaxBytes, original.size()));
    const size_t nul = original.find('\0');
    if (nul != std::string::npos)
        failAt(original, nul, "expected text, found a NUL byte (a binary file?)");
    // Line ends: "\n" or "\r\n" (read as "\n"); a UTF-8 byte-order mark is skipped.
    std::string text;
    text.reserve(original.size());
    for (size_t i = original.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0; i < original.size(); ++i) {
        if (original[i] == '\r') {
            if (i + 1 < original.size() && original[i + 1] == '\n')
                continue;
            failAt(original, i, "expected '\\n' or '\\r\\n' line ends, found a lone '\\r'");
        }
        text += original[i];
    }
    if (text.compare(0, 5, "%YAML") == 0)
        return parseYamlText(text);
    const size_t first = text.find_first_not_of(" \t\n");
    if (first != std::string::npos && text[first] == '{')
        return parseJsonText(text);
    if (first != std::string::npos && text[first] == '<')
        failAt(text, first, "expected YAML or JSON, found XML (not supported)");
    TextCursor at(text);
    at.fail("expected YAML (a first line '%YAML:1.0') or JSON (a '{' first), found " + at.foundHere());
}

std::string toJson(const TextNode& root)
{
    std::string out;
    appendJson(root, 0, out);
    out += '\n';
    return out;
}

std::string canonicalJson(const std::string& text)
{
    return toJson(parseStructuredText(text));
}

void openStructuredText(FileStorage& fs, const std::string& text)
{
    const std::string json = canonicalJson(text);
    try {
        fs.open(json, FileStorage::READ | FileStorage::MEMORY | FileStorage::FORMAT_JSON);
    } catch (const cv::Exception& e) {
        // Not expected: the text is JSON written above, within OpenCV's limits.
        CV_Error(Error::StsParseError, "OpenCV's JSON reader refused the canonical text: " + e.err);
    }
    if (!fs.isOpened())
        CV_Error(Error::StsParseError, "OpenCV's JSON reader refused the canonical text");
}

}}} // namespace cv::uniSLAD::detail
