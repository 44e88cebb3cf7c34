// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "cli_common.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <regex>

namespace unislad {
namespace cli {

namespace {

std::string trim(const std::string& s)
{
    size_t a = 0, b = s.size();
    while (a < b && std::isspace(static_cast<unsigned char>(s[a])))
        ++a;
    while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1])))
        --b;
    return s.substr(a, b - a);
}

} // namespace

Options::Options(int argc, const char* const argv[], const std::string& keys, const std::string& about)
    : prog_(argc > 0 ? argv[0] : "unislad"), about_(about)
{
    static const std::regex entry(R"(\{([^|}]*)\|([^|}]*)\|([^}]*)\})");
    for (std::sregex_iterator it(keys.begin(), keys.end(), entry), end; it != end; ++it)
    {
        Key k;
        std::string names = (*it)[1].str();
        for (size_t p = 0; p < names.size();)
        {
            while (p < names.size() && names[p] == ' ')
                ++p;
            size_t q = names.find(' ', p);
            if (q == std::string::npos)
                q = names.size();
            if (q > p)
                k.names.push_back(names.substr(p, q - p));
            p = q;
        }
        k.defaultValue = trim((*it)[2].str());
        k.help = trim((*it)[3].str());
        keys_.push_back(k);
    }

    // Every "-x" / "--name[=value]" must be a known key. "--name value" becomes "--name=value" for
    // options that take a value (OpenCV 4.6's parser only reads the "=" form).
    std::vector<std::string> normalised{prog_};
    for (int i = 1; i < argc; ++i)
    {
        const std::string a = argv[i];
        if (a.size() < 2 || a[0] != '-' || std::isdigit(static_cast<unsigned char>(a[1])))
        {
            done_ = true;
            exit_ = usageError("unexpected argument '" + a + "'");
            return;
        }
        std::string name = a.substr(a[1] == '-' ? 2 : 1);
        const size_t eq = name.find('=');
        const bool inlineValue = eq != std::string::npos;
        if (inlineValue)
            name = name.substr(0, eq);
        Key* key = nullptr;
        for (Key& k : keys_)
            for (const std::string& n : k.names)
                if (n == name)
                    key = &k;
        if (!key)
        {
            done_ = true;
            exit_ = usageError("unknown option '" + a + "'");
            return;
        }
        const bool takesValue = !key->defaultValue.empty();
        if (!inlineValue && takesValue)
        {
            if (i + 1 >= argc)
            {
                done_ = true;
                exit_ = usageError("option '" + a + "' needs a value");
                return;
            }
            key->given = true;
            key->raw = argv[i + 1];
            normalised.push_back(a + "=" + argv[++i]);
        }
        else if (inlineValue && !takesValue)
        {
            done_ = true;
            exit_ = usageError("option '--" + name + "' takes no value");
            return;
        }
        else
        {
            key->given = true;   // a flag too: firstGiven() names it (fit --append refuses --force)
            if (inlineValue)
                key->raw = a.substr(a.find('=') + 1);
            normalised.push_back(a);
        }
    }
    std::vector<const char*> args;
    for (const std::string& n : normalised)
        args.push_back(n.c_str());
    parser_.reset(new cv::CommandLineParser(static_cast<int>(args.size()), args.data(), keys));
    parser_->about(about);
    if (parser_->has("help"))
    {
        printUsage(std::cout);
        done_ = true;
        exit_ = kExitOk;
        return;
    }
    if (!parser_->check())
    {
        done_ = true;
        exit_ = usageError("invalid option value");
    }
}

int Options::usageError(const std::string& message) const
{
    std::cerr << prog_ << ": " << message << "\n\n";
    printUsage(std::cerr);
    return kExitUsage;
}

void Options::printUsage(std::ostream& os) const
{
    os << about_ << "\n\nUsage: " << prog_ << " [options]\n\nOptions:\n";
    for (const Key& k : keys_)
    {
        std::string names;
        for (const std::string& n : k.names)
        {
            if (n == "?")
                continue;
            names += (names.empty() ? "" : ", ") + std::string(n.size() == 1 ? "-" : "--") + n;
        }
        os << "  " << names;
        if (k.defaultValue == "<none>")
            os << " (required)";
        else if (!k.defaultValue.empty() && k.defaultValue != "false" && k.defaultValue != "true" && k.defaultValue != kOptional)
            os << " (default: " << k.defaultValue << ")";
        os << "\n      " << k.help << "\n";
    }
}

std::string Options::value(const std::string& name)
{
    const std::string v = parser_->get<cv::String>(name);
    return v == kOptional ? std::string() : v;
}

std::string Options::text(const std::string& name) const
{
    for (const Key& k : keys_)
        for (const std::string& n : k.names)
            if (n == name)
                return k.given ? k.raw : k.defaultValue == kOptional ? std::string() : k.defaultValue;
    CV_Error(cv::Error::StsBadArg, "unislad: no option '" + name + "'");
}

std::string Options::firstGiven(const std::string& keys) const
{
    for (size_t open = keys.find('{'); open != std::string::npos; open = keys.find('{', open + 1)) {
        const size_t end = keys.find_first_of(" |}", open + 1);
        const std::string name = keys.substr(open + 1, end - open - 1);
        for (const Key& k : keys_)
            if (k.given && std::find(k.names.begin(), k.names.end(), name) != k.names.end())
                return "--" + name;
    }
    return std::string();
}

std::vector<std::string> splitList(const std::string& text)
{
    std::vector<std::string> out;
    size_t p = 0;
    while (p <= text.size())
    {
        size_t q = text.find(',', p);
        if (q == std::string::npos)
            q = text.size();
        const std::string item = trim(text.substr(p, q - p));
        if (!item.empty())
            out.push_back(item);
        p = q + 1;
    }
    return out;
}

bool parseReal(const std::string& text, double lo, double hi, bool loOpen, bool hiOpen, double& value)
{
    // strtod alone would take " 1", "0x10", "nan", "inf" and stop quietly at "0.5abc" or "0,3":
    // only the characters of a decimal number pass, and it must use them all.
    if (text.empty() || text.size() > 64)
        return false;
    for (char c : text)
        if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-')
            return false;
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v))
        return false;
    if (loOpen ? !(v > lo) : !(v >= lo))
        return false;
    if (hiOpen ? !(v < hi) : !(v <= hi))
        return false;
    value = v;
    return true;
}

bool parseInteger(const std::string& text, long long lo, long long hi, long long& value)
{
    const size_t first = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
    if (text.size() <= first || text.size() > 20)
        return false;
    for (size_t i = first; i < text.size(); ++i)
        if (!std::isdigit(static_cast<unsigned char>(text[i])))
            return false;
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    if (end != text.c_str() + text.size() || errno == ERANGE || v < lo || v > hi)
        return false;
    value = v;
    return true;
}

bool parseCount(const std::string& text, long long maxValue, long long& value)
{
    return parseInteger(text, 0, maxValue, value);
}

std::string badValue(const std::string& name, const std::string& expected, const std::string& text)
{
    return (name.size() == 1 ? "-" : "--") + name + ": expected " + expected + ", found '" + text + "'";
}

} // namespace cli
} // namespace unislad
