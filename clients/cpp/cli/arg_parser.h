// ArgParser: a small per-subcommand command-line parser. Flags are declared
// with a target variable and help text; "--name=value", "--name value" and,
// for booleans, "--name" / "--noname" / "--name=false" are accepted;
// everything else is a positional argument, negative numbers included ("--"
// ends the flags).
//
// Not thread-safe; one parser per subcommand invocation. Targets must
// outlive Parse().
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace eventlog::cli {

class ArgParser {
 public:
  enum class Result { kOk, kHelpShown, kUsageError };

  // `command` is e.g. "eventlog topic create"; `usage` the positional part
  // ("NAME"); `description` one or two sentences.
  ArgParser(std::string command, std::string usage, std::string description);

  void AddString(std::string name, std::string* target, std::string help);
  void AddInt(std::string name, int64_t* target, std::string help);
  void AddBool(std::string name, bool* target, std::string help);
  // May be given several times; every value is appended.
  void AddRepeated(std::string name, std::vector<std::string>* target, std::string help);

  // Parses `args` (after the subcommand words). On --help prints the help to
  // stdout; on a usage error prints it with the usage to stderr. Requires
  // between `min_positional` and `max_positional` positionals (-1 = any).
  Result Parse(const std::vector<std::string>& args, std::vector<std::string>* positionals,
               int min_positional, int max_positional);

  std::string Help() const;
  // Prints "<command>: <message>" and the usage line to stderr.
  void UsageError(absl::string_view message) const;

 private:
  struct Flag {
    std::string name;
    std::string help;
    std::string default_text;
    bool is_bool = false;
    // Returns an error message, empty when the value was accepted.
    std::function<std::string(absl::string_view)> set;
  };

  const Flag* Find(absl::string_view name) const;

  std::string command_;
  std::string usage_;
  std::string description_;
  std::vector<Flag> flags_;
};

}  // namespace eventlog::cli
