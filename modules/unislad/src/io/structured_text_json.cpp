// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// The JSON reader of structured_text.hpp: RFC 8259 JSON with a top-level object, plus what
// cv::FileStorage writes beyond it (.Nan, .Inf, -.Inf, the escape \'). true and false are read as 1 and 0, as OpenCV
// does; null is refused (no value of the library can be empty).

#include "precomp.hpp"

#include "io/structured_text.hpp"

namespace cv {
namespace uniSLAD {
namespace detail {

namespace {

class JsonReader
{
public:
    explicit JsonReader(const std::string& text) : c_(text) {}

    TextNode document()
    {
        space();
        if (c_.peek() != '{')
            c_.fail("expected '{' (a JSON object), found " + c_.foundHere());
        TextNode root;
        value(root, 1);
        space();
        if (!c_.atEnd())
            c_.fail("expected the end of the text after the top-level object, found " + c_.foundHere());
        return root;
    }

private:
    TextCursor c_;

    void space()
    {
        while (c_.peek() == ' ' || c_.peek() == '\t' || c_.peek() == '\n')
            c_.get();
    }

    void expect(char ch)
    {
        if (c_.atEnd() || c_.peek() != ch)
            c_.fail(format("expected '%c', found ", ch) + c_.foundHere());
        c_.get();
    }

    bool word(const char* w)
    {
        size_t n = 0;
        while (w[n] && c_.peek(n) == w[n])
            ++n;
        const char after = c_.peek(n);
        return !w[n] && !((after >= 'a' && after <= 'z') || (after >= 'A' && after <= 'Z') || (after >= '0' && after <= '9'));
    }

    void value(TextNode& out, int depth)
    {
        const char ch = c_.peek();
        if (ch == '{' || ch == '[')
            return collection(out, depth);
        if (ch == '"') {
            const TextCursor at = c_;
            out.kind = TextNode::String;
            out.scalar = string();
            checkString(out.scalar, at);
            return;
        }
        if (word("true") || word("false")) {
            out.kind = TextNode::Int;
            out.scalar = ch == 't' ? "1" : "0";
            for (size_t n = ch == 't' ? 4 : 5; n > 0; --n)
                c_.get();
            return;
        }
        if (word("null"))
            c_.fail("expected a value, found null (leave the key out instead)");
        if (ch == '-' || ch == '+' || ch == '.' || (ch >= '0' && ch <= '9')) {
            const TextCursor at = c_;
            std::string token;
            for (char t = c_.peek(); (t >= '0' && t <= '9') || (t >= 'a' && t <= 'z') || (t >= 'A' && t <= 'Z') ||
                                     t == '+' || t == '-' || t == '.';
                 t = c_.peek())
                token += c_.get();
            classifyScalar(token, at, out);
            if (out.kind == TextNode::String)
                at.fail("expected a number, found '" + token.substr(0, 40) + "'");
            return;
        }
        c_.fail("expected a value (an object, an array, a string, a number, true or false), found " + c_.foundHere());
    }

    void collection(TextNode& out, int depth)
    {
        if (depth > TextLimits::kMaxDepth)
            c_.fail(format("expected objects and arrays nested at most %d deep, found deeper", TextLimits::kMaxDepth));
        const bool map = c_.get() == '{';
        const char close = map ? '}' : ']';
        out.kind = map ? TextNode::Map : TextNode::Seq;
        space();
        if (c_.peek() == close) {
            c_.get();
            return;
        }
        for (;;) {
            space();
            if (map) {
                const TextCursor at = c_;
                if (c_.peek() != '"')
                    c_.fail("expected a key in double quotes, found " + c_.foundHere());
                const std::string key = string();
                checkKey(key, at);
                space();
                expect(':');
                space();
                value(addEntry(out, key, at), depth + 1);
            } else {
                out.items.emplace_back();
                value(out.items.back(), depth + 1);
            }
            space();
            if (c_.atEnd() || (c_.peek() != ',' && c_.peek() != close))
                c_.fail(format("expected ',' or '%c', found ", close) + c_.foundHere());
            if (c_.get() == close)
                return;
        }
    }

    //! A string with JSON's escapes; \u escapes become UTF-8 (surrogate pairs joined).
    std::string string()
    {
        expect('"');
        std::string s;
        for (;;) {
            if (c_.atEnd())
                c_.fail("expected the closing '\"' of the string, found the end of the text");
            if ((unsigned char)c_.peek() < 0x20)
                c_.fail("expected an escape (\\n, \\t, ...) instead of a control character in the string");
            const char ch = c_.get();
            if (ch == '"')
                return s;
            if (ch != '\\') {
                s += ch;
                continue;
            }
            const TextCursor at = c_;   // on the escape's letter
            const char e = c_.atEnd() ? '\0' : c_.get();
            switch (e) {
            case '"': case '\\': case '/': case '\'': s += e; break;   // \' : OpenCV's writer uses it
            case 'n': s += '\n'; break;
            case 'r': s += '\r'; break;
            case 't': s += '\t'; break;
            case 'b': s += '\b'; break;
            case 'f': s += '\f'; break;
            case 'u': {
                uint32_t cp = readHex(c_, 4);
                if (cp >= 0xD800 && cp < 0xDC00 && c_.peek() == '\\' && c_.peek(1) == 'u') {
                    c_.get();
                    c_.get();
                    const uint32_t low = readHex(c_, 4);
                    if (low < 0xDC00 || low >= 0xE000)
                        at.fail("expected the low half of a UTF-16 surrogate pair, found another code");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                }
                if (cp == 0 || (cp >= 0xD800 && cp < 0xE000))
                    at.fail("expected a character other than NUL or an unpaired UTF-16 surrogate in the escape");
                appendUtf8(cp, s);
                break;
            }
            default:
                at.fail("expected an escape \\\" \\\\ \\/ \\' \\b \\f \\n \\r \\t or \\uHHHH, found a backslash and " +
                        std::string(e ? "'" + std::string(1, e) + "'" : "the end of the text"));
            }
        }
    }
};

} // namespace

TextNode parseJsonText(const std::string& text)
{
    return JsonReader(text).document();
}

}}} // namespace cv::uniSLAD::detail
