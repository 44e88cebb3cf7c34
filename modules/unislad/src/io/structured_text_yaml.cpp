// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// The YAML reader of structured_text.hpp. It accepts the block style cv::FileStorage writes:
//
//   %YAML:1.0
//   ---
//   key: value                  plain, "double-quoted" or 'single-quoted' scalars
//   list: [ 1, 2.5, "x" ]       flow sequences and maps, which may continue on later lines
//   nested:
//      inner: 1                 block maps, indented with spaces
//   items:
//      - name: "a"              block sequences; an item may start a map on its own line
//        shape: [ 1, 2 ]
//      -
//         name: "b"
//   # comments on their own line or after a value
//
// and refuses, with line and column, what it does not know (tags, anchors, aliases, block scalars,
// several documents, tabs in indentation) or what OpenCV and YAML read differently (an unquoted value
// with ':' or ' #' in it, octal and hexadecimal integers).

#include "precomp.hpp"

#include "io/structured_text.hpp"

namespace cv {
namespace uniSLAD {
namespace detail {

namespace {

bool isKeyChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

class YamlReader
{
public:
    explicit YamlReader(const std::string& text) : c_(text) {}

    TextNode document()
    {
        header();
        TextNode root;
        const int indent = nextContent();
        if (indent > 0)
            c_.fail(format("expected the top-level keys at column 1, found an indentation of %d spaces", indent));
        if (indent == 0 && blockMap(0, root, 1) >= 0)
            c_.fail("expected the end of the document, found " + c_.foundHere());
        return root;
    }

private:
    TextCursor c_;

    bool atLineEnd() const { return c_.atEnd() || c_.peek() == '\n'; }
    bool atSeqItem() const { return c_.peek() == '-' && (c_.peek(1) == ' ' || c_.peek(1) == '\n' || c_.peek(1) == '\0'); }
    bool atComment() const { return c_.peek() == '#' && (c_.prev() == ' ' || c_.prev() == '\n'); }
    void skipSpaces()
    {
        while (c_.peek() == ' ')
            c_.get();
    }

    //! A key (letters, digits, '_', '-') followed by ':' and a space or the end of the line.
    bool atKey() const
    {
        size_t i = 0;
        while (isKeyChar(c_.peek(i)))
            ++i;
        const char after = c_.peek(i + 1);
        return i > 0 && c_.peek(i) == ':' && (after == ' ' || after == '\n' || after == '\0');
    }

    std::string restOfLine()
    {
        std::string s;
        while (!atLineEnd())
            s += c_.get();
        while (!s.empty() && s.back() == ' ')
            s.pop_back();
        return s;
    }

    void header()
    {
        const std::string first = restOfLine();
        const bool ok = first.size() >= 9 && first.compare(0, 5, "%YAML") == 0 && (first[5] == ':' || first[5] == ' ') &&
                        first.compare(6, 2, "1.") == 0 &&
                        first.find_first_not_of("0123456789", 8) == std::string::npos;
        if (!ok)
            c_.fail("expected the first line '%YAML:1.0', found '" + first.substr(0, 40) + "'");
        if (!c_.atEnd())
            c_.get();
        const std::string second = restOfLine();
        if (second != "---")
            c_.fail("expected the line '---' after the '%YAML' line, found '" + second.substr(0, 40) + "'");
        if (!c_.atEnd())
            c_.get();
    }

    //! After a value: blanks, an optional comment, then the end of the line (consumed).
    void endLine()
    {
        skipSpaces();
        if (atComment())
            while (!atLineEnd())
                c_.get();
        if (!atLineEnd())
            c_.fail("expected the end of the line, found " + c_.foundHere());
        if (!c_.atEnd())
            c_.get();
    }

    //! From the start of a line: skips blank and comment lines; the indentation of the next line with
    //! content (the cursor on that content), or -1 at the end of the text.
    int nextContent()
    {
        for (;;) {
            if (c_.atEnd())
                return -1;
            int indent = 0;
            while (c_.peek() == ' ') {
                c_.get();
                ++indent;
            }
            const char ch = c_.peek();
            if (ch == '\t')
                c_.fail("expected spaces, found a tab (YAML does not allow tabs in indentation)");
            if (c_.atEnd())
                return -1;
            if (ch == '\n') {
                c_.get();
                continue;
            }
            if (ch == '#') {
                endLine();
                continue;
            }
            if (indent == 0 && (c_.peek() == '-' || c_.peek() == '.') && c_.peek(1) == c_.peek() && c_.peek(2) == c_.peek() &&
                (c_.peek(3) == ' ' || c_.peek(3) == '\n' || c_.peek(3) == '\0'))
                c_.fail("expected one document, found the marker " + c_.foundHere());
            return indent;
        }
    }

    CV_NORETURN void failIndent(int expected, int found) const
    {
        c_.fail(format("expected an indentation of %d spaces (or less, ending the block), found %d", expected, found));
    }

    //! A block map whose keys are at `indent`; the cursor is on its first key. Returns the indentation
    //! of the line after it (the cursor on its content), or -1 at the end.
    int blockMap(int indent, TextNode& out, int depth)
    {
        checkDepth(depth);
        out.kind = TextNode::Map;
        int next = indent;
        while (next == indent) {
            if (atSeqItem())
                c_.fail("expected a key ('name: value'), found a sequence item '- '");
            const TextCursor at = c_;
            std::string key;
            while (isKeyChar(c_.peek()))
                key += c_.get();
            if (c_.peek() != ':')
                c_.fail("expected a key followed by ':', found " + (key.empty() ? c_.foundHere() : "'" + key.substr(0, 40) + "' and " + c_.foundHere()));
            checkKey(key, at);
            c_.get();
            next = afterIndicator(indent, true, addEntry(out, key, at), depth);
        }
        if (next > indent)
            failIndent(indent, next);
        return next;
    }

    //! A block sequence whose '-' are at `indent`; the cursor is on the first '-'.
    int blockSeq(int indent, TextNode& out, int depth, bool compact = false)
    {
        checkDepth(depth);
        out.kind = TextNode::Seq;
        int next = indent;
        while (next == indent && atSeqItem()) {
            c_.get();
            out.items.emplace_back();
            TextNode& item = out.items.back();
            if (c_.peek() == ' ') {
                skipSpaces();
                const int column = c_.column() - 1;
                if (atSeqItem()) {   // "- - x": a sequence in the item, its '-' at this column
                    next = blockSeq(column, item, depth + 1);
                    continue;
                }
                if (atKey()) {       // "- key: value": a map in the item, its keys at this column
                    next = blockMap(column, item, depth + 1);
                    continue;
                }
            }
            next = afterIndicator(indent, false, item, depth);
        }
        if (next > indent)
            failIndent(indent, next);
        // At the same indentation only the keys of a map around a compact sequence may follow.
        if (next == indent && !compact)
            c_.fail("expected the next item '- ' or less indentation, found " + c_.foundHere());
        return next;
    }

    //! After "key:" (inMap) or "- ": a value on this line, or a block on the lines below, indented
    //! more than `indent` (or, after a key, a sequence at the key's own indentation, as YAML allows).
    int afterIndicator(int indent, bool inMap, TextNode& out, int depth)
    {
        if (inMap && !atLineEnd() && c_.peek() != ' ')
            c_.fail("expected a space after ':', found " + c_.foundHere());
        skipSpaces();
        if (!atLineEnd() && !atComment()) {
            inlineValue(out, depth + 1);
            endLine();
            return nextContent();
        }
        const TextCursor at = c_;
        endLine();
        const int next = nextContent();
        if (next > indent)
            return nestedBlock(next, out, depth + 1);
        if (next == indent && inMap && atSeqItem())
            return blockSeq(next, out, depth + 1, true);
        at.fail(std::string("expected a value after '") + (inMap ? ":" : "-") +
                "', on this line or indented below it, found none (empty values are not supported)");
    }

    //! A value on its own lines: a block map, a block sequence or a flow collection.
    int nestedBlock(int indent, TextNode& out, int depth)
    {
        if (atSeqItem())
            return blockSeq(indent, out, depth);
        if (c_.peek() == '[' || c_.peek() == '{') {
            flow(out, depth);
            endLine();
            return nextContent();
        }
        if (atKey())
            return blockMap(indent, out, depth);
        c_.fail("expected a map ('name: value' lines), a sequence ('- ' lines) or '[...]' / '{...}', found " + c_.foundHere());
    }

    void checkDepth(int depth) const
    {
        if (depth > TextLimits::kMaxDepth)
            c_.fail(format("expected maps and sequences nested at most %d deep, found deeper", TextLimits::kMaxDepth));
    }

    void refuseIndicator() const
    {
        const char ch = c_.peek();
        if (std::string("!&*|>%@`?").find(ch) != std::string::npos)
            c_.fail(format("expected a plain, quoted or flow value, found '%c' (YAML tags, anchors, aliases and "
                           "block scalars are not supported)", ch));
        if (ch == ',' || ch == ']' || ch == '}' || (ch == ':' && (c_.peek(1) == ' ' || c_.peek(1) == '\n')))
            c_.fail("expected a value, found " + c_.foundHere());
    }

    //! A value on the rest of this line (a flow collection may continue on later lines).
    void inlineValue(TextNode& out, int depth)
    {
        const char ch = c_.peek();
        if (ch == '[' || ch == '{')
            return flow(out, depth);
        if (ch == '"' || ch == '\'')
            return quoted(out);
        if (atSeqItem())
            c_.fail("expected a value, found a sequence item '- ' (start a sequence on the next line)");
        refuseIndicator();
        const TextCursor at = c_;
        std::string s;
        while (!atLineEnd()) {
            const char c = c_.peek();
            if (c == '#' && c_.prev() == ' ') {
                // A comment after a number is one for OpenCV too; after text OpenCV keeps it in the value.
                std::string value = s;
                while (!value.empty() && value.back() == ' ')
                    value.pop_back();
                if (!startsLikeNumber(value))
                    c_.fail("expected no ' #' in an unquoted value (YAML reads a comment there, OpenCV does not): quote the value");
                break;
            }
            if (c == ':')   // YAML reads "a:b" as text, OpenCV as a map
                c_.fail("expected no ':' in an unquoted value (a map starts on the next line; quote text with ':')");
            if ((unsigned char)c < 0x20)
                c_.fail("expected printable characters, found " + c_.foundHere());
            s += c_.get();
        }
        while (!s.empty() && s.back() == ' ')
            s.pop_back();
        classifyScalar(s, at, out);
    }

    void flowSpace()
    {
        for (;;) {
            const char ch = c_.peek();
            if (ch == ' ' || ch == '\n')
                c_.get();
            else if (ch == '#' && (c_.prev() == ' ' || c_.prev() == '\n'))
                while (!atLineEnd())
                    c_.get();
            else if (ch == '\t')
                c_.fail("expected spaces, found a tab");
            else
                return;
        }
    }

    //! '[ a, b ]' or '{ k: v, k2: v2 }' (OpenCV writes "k:v" in flow maps; the space is optional).
    void flow(TextNode& out, int depth)
    {
        checkDepth(depth);
        const char open = c_.get(), close = open == '[' ? ']' : '}';
        out.kind = open == '[' ? TextNode::Seq : TextNode::Map;
        flowSpace();
        if (c_.peek() == close) {
            c_.get();
            return;
        }
        for (;;) {
            if (out.kind == TextNode::Map) {
                const TextCursor at = c_;
                std::string key;
                while (isKeyChar(c_.peek()))
                    key += c_.get();
                if (c_.peek() != ':')
                    c_.fail("expected 'key: value' in a flow map, found " + c_.foundHere());
                checkKey(key, at);
                c_.get();
                flowSpace();
                flowValue(addEntry(out, key, at), depth + 1);
            } else {
                out.items.emplace_back();
                flowValue(out.items.back(), depth + 1);
            }
            flowSpace();
            if (c_.atEnd() || (c_.peek() != ',' && c_.peek() != close))
                c_.fail(format("expected ',' or '%c', found ", close) + c_.foundHere());
            if (c_.get() == close)
                return;
            flowSpace();
        }
    }

    void flowValue(TextNode& out, int depth)
    {
        const char ch = c_.peek();
        if (ch == '[' || ch == '{')
            return flow(out, depth);
        if (ch == '"' || ch == '\'')
            return quoted(out);
        refuseIndicator();
        const TextCursor at = c_;
        std::string s;
        while (!c_.atEnd() && std::string(",[]{}\n").find(c_.peek()) == std::string::npos && !atComment()) {
            const char c = c_.peek();
            if (c == ':')
                c_.fail("expected no ':' in an unquoted value (quote text with ':')");
            if ((unsigned char)c < 0x20)
                c_.fail("expected printable characters, found " + c_.foundHere());
            s += c_.get();
        }
        while (!s.empty() && s.back() == ' ')
            s.pop_back();
        if (s.empty())
            at.fail("expected a value, found " + at.foundHere());
        classifyScalar(s, at, out);
    }

    //! "double-quoted" (escapes \" \\ \' \/ \n \r \t \b \f \xHH \uHHHH) or 'single-quoted' ('' is a
    //! quote), on one line.
    void quoted(TextNode& out)
    {
        const TextCursor start = c_;
        const char q = c_.get();
        std::string s;
        for (;;) {
            if (atLineEnd())
                c_.fail(std::string("expected the closing ") + q + " of the string on its line, found " + c_.foundHere());
            if ((unsigned char)c_.peek() < 0x20 && c_.peek() != '\t')
                c_.fail("expected printable characters in the string, found a control character");
            const char ch = c_.get();
            if (ch == q) {
                if (q == '\'' && c_.peek() == '\'') {
                    s += c_.get();
                    continue;
                }
                break;
            }
            if (ch != '\\' || q == '\'') {
                s += ch;
                continue;
            }
            const char e = c_.peek();
            switch (e) {
            case '"': case '\\': case '\'': case '/': s += c_.get(); break;
            case 'n': c_.get(); s += '\n'; break;
            case 'r': c_.get(); s += '\r'; break;
            case 't': c_.get(); s += '\t'; break;
            case 'b': c_.get(); s += '\b'; break;
            case 'f': c_.get(); s += '\f'; break;
            case 'x':
            case 'u': {
                const TextCursor at = c_;
                c_.get();
                const uint32_t cp = readHex(c_, e == 'x' ? 2 : 4);
                if (cp == 0 || (cp >= 0xD800 && cp < 0xE000))
                    at.fail("expected a character other than NUL or a UTF-16 surrogate in the escape");
                if (e == 'x')
                    s += (char)cp;   // a byte, as OpenCV's writer means it
                else
                    appendUtf8(cp, s);
                break;
            }
            default:
                c_.fail("expected an escape \\\" \\\\ \\' \\/ \\n \\r \\t \\b \\f \\xHH or \\uHHHH, found " + c_.foundHere());
            }
        }
        checkString(s, start);
        out = TextNode();
        out.kind = TextNode::String;
        out.scalar = s;
    }
};

} // namespace

TextNode parseYamlText(const std::string& text)
{
    return YamlReader(text).document();
}

}}} // namespace cv::uniSLAD::detail
