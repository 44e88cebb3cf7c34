// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef UNISLAD_SAMPLES_CLI_COMMON_HPP
#define UNISLAD_SAMPLES_CLI_COMMON_HPP

// Shared plumbing of the `unislad` subcommands: option parsing with cv::CommandLineParser, strict
// checking of option names, usage text and exit codes.

#include <opencv2/core/utility.hpp>

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace unislad {
namespace cli {

/** Exit codes of the program. */
enum ExitCode
{
    kExitOk = 0,    //!< success
    kExitError = 1, //!< the command ran and failed (I/O, bad data)
    kExitUsage = 2  //!< bad command line
};

/** One subcommand: its name, a one-line summary and its entry point (argv[0] is "unislad <name>"). */
struct Command
{
    const char* name;
    const char* summary;
    int (*run)(int argc, const char* const argv[]);
};

/** The subcommands, in the order `unislad --help` lists them. */
const std::vector<Command>& commands();

/** Default of a value option that may be left out: Options::value() then returns "". (An empty
    default makes an option a flag.) */
constexpr const char* kOptional = "<optional>";

/** Parses a subcommand's options: cv::CommandLineParser plus a check that every option is known
(CommandLineParser ignores unknown ones) and a usage text built from `keys`. */
class Options
{
public:
    /** "--name value" is accepted as well as "--name=value" (rewritten for CommandLineParser) for
        every option that has a default value; options without one are flags.
        @param argc,argv the subcommand's arguments (argv[0] = "unislad <name>").
        @param keys CommandLineParser keys; must include "{help h ? | | ...}".
        @param about the about line. */
    Options(int argc, const char* const argv[], const std::string& keys, const std::string& about);

    /** True when the command should stop now; exitCode() says with which code (help: 0, error: 2). */
    bool done() const { return done_; }
    int exitCode() const { return exit_; }
    cv::CommandLineParser& parser() { return *parser_; }
    /** A value option as text; "" for an optional one (default kOptional) that was not given. */
    std::string value(const std::string& name);
    /** A value option exactly as given on the command line (CommandLineParser trims spaces, so
        value() would let " 0.3" pass), or its default; "" for an optional one that was not given.
        Numeric options are read through this. */
    std::string text(const std::string& name) const;

    /** The first option of `keys` (CommandLineParser keys, e.g. kDetectorKeys) given on the command
        line, as "--name"; "" when none is. */
    std::string firstGiven(const std::string& keys) const;

    /** Prints "<prog>: <message>" and the usage to stderr; returns kExitUsage. */
    int usageError(const std::string& message) const;
    /** Prints the usage text. */
    void printUsage(std::ostream& os) const;

private:
    struct Key
    {
        std::vector<std::string> names;
        std::string defaultValue;
        std::string help;
        bool given = false;
        std::string raw;  //!< the value of the last occurrence on the command line
    };
    std::string prog_, about_;
    std::vector<Key> keys_;
    std::unique_ptr<cv::CommandLineParser> parser_;
    bool done_ = false;
    int exit_ = kExitOk;
};

/** Splits "a,b,c" at commas, dropping empty items and surrounding spaces. */
std::vector<std::string> splitList(const std::string& text);

/** Parses a real number strictly: the whole text is a decimal number (no surrounding spaces, no hex,
    no "nan" or "inf"), it is finite and representable (not "1e999" nor an underflow to 0), and it lies
    in [lo, hi], an end excluded where loOpen / hiOpen says. On false, value is unchanged. */
bool parseReal(const std::string& text, double lo, double hi, bool loOpen, bool hiOpen, double& value);

/** Parses an integer strictly: decimal digits with an optional sign, nothing else (no spaces, no
    "12x", no "1e3"), in [lo, hi]. On false, value is unchanged. */
bool parseInteger(const std::string& text, long long lo, long long hi, long long& value);

/** Parses a non-negative integer option strictly: parseInteger(text, 0, maxValue, value). */
bool parseCount(const std::string& text, long long maxValue, long long& value);

/** The usage-error message of one bad option value: "--name: expected <expected>, found '<text>'"
    ("-x" for a one-letter name, as the usage lists it). */
std::string badValue(const std::string& name, const std::string& expected, const std::string& text);

} // namespace cli
} // namespace unislad

#endif // UNISLAD_SAMPLES_CLI_COMMON_HPP
