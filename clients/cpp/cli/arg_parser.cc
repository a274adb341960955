#include "clients/cpp/cli/arg_parser.h"

#include <cstdio>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace eventlog::cli {

ArgParser::ArgParser(std::string command, std::string usage, std::string description)
    : command_(std::move(command)),
      usage_(std::move(usage)),
      description_(std::move(description)) {}

void ArgParser::AddString(std::string name, std::string* target, std::string help) {
  flags_.push_back(
      {std::move(name), std::move(help), *target, false, [target](absl::string_view v) {
         *target = std::string(v);
         return std::string();
       }});
}

void ArgParser::AddInt(std::string name, int64_t* target, std::string help) {
  std::string flag_name = name;
  flags_.push_back({std::move(name), std::move(help), absl::StrCat(*target), false,
                    [target, flag_name](absl::string_view v) {
                      if (absl::SimpleAtoi(v, target)) return std::string();
                      return absl::StrCat("--", flag_name, " needs an integer, got '", v, "'");
                    }});
}

void ArgParser::AddBool(std::string name, bool* target, std::string help) {
  std::string flag_name = name;
  flags_.push_back({std::move(name), std::move(help), *target ? "true" : "false", true,
                    [target, flag_name](absl::string_view v) {
                      if (absl::SimpleAtob(v, target)) return std::string();
                      return absl::StrCat("--", flag_name, " needs true or false, got '", v, "'");
                    }});
}

void ArgParser::AddRepeated(std::string name, std::vector<std::string>* target, std::string help) {
  flags_.push_back({std::move(name), std::move(help), "", false, [target](absl::string_view v) {
                      target->emplace_back(v);
                      return std::string();
                    }});
}

const ArgParser::Flag* ArgParser::Find(absl::string_view name) const {
  for (const Flag& flag : flags_) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

ArgParser::Result ArgParser::Parse(const std::vector<std::string>& args,
                                   std::vector<std::string>* positionals, int min_positional,
                                   int max_positional) {
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    int64_t number = 0;
    if (flags_done || arg.size() < 2 || arg[0] != '-' || arg == "-" ||
        absl::SimpleAtoi(arg, &number)) {  // "-1" is a (negative) positional, not a flag
      positionals->emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    if (arg == "--help" || arg == "-h" || arg == "-help") {
      std::fputs(Help().c_str(), stdout);
      return Result::kHelpShown;
    }
    absl::string_view body = arg.substr(arg[1] == '-' ? 2 : 1);
    absl::string_view name = body;
    absl::string_view value;
    bool has_value = false;
    if (size_t eq = body.find('='); eq != absl::string_view::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
      has_value = true;
    }
    const Flag* flag = Find(name);
    if (flag == nullptr && !has_value && absl::StartsWith(name, "no")) {
      const Flag* negated = Find(name.substr(2));
      if (negated != nullptr && negated->is_bool) {
        negated->set("false");
        continue;
      }
    }
    if (flag == nullptr) {
      UsageError(absl::StrCat("unknown flag --", name));
      return Result::kUsageError;
    }
    if (!has_value) {
      if (flag->is_bool) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        UsageError(absl::StrCat("--", name, " needs a value"));
        return Result::kUsageError;
      }
    }
    if (std::string error = flag->set(value); !error.empty()) {
      UsageError(error);
      return Result::kUsageError;
    }
  }
  const int count = static_cast<int>(positionals->size());
  if (count < min_positional || (max_positional >= 0 && count > max_positional)) {
    UsageError(absl::StrCat(count < min_positional ? "missing arguments" : "too many arguments",
                            " (expected ", usage_, ")"));
    return Result::kUsageError;
  }
  return Result::kOk;
}

std::string ArgParser::Help() const {
  std::string out = absl::StrCat("usage: ", command_, " ", usage_, "\n\n", description_, "\n");
  if (!flags_.empty()) absl::StrAppend(&out, "\nflags:\n");
  for (const Flag& flag : flags_) {
    std::string left = absl::StrCat("  --", flag.name, flag.is_bool ? "" : "=VALUE");
    absl::StrAppendFormat(&out, "%-28s %s", left, flag.help);
    if (!flag.default_text.empty()) absl::StrAppend(&out, " (default: ", flag.default_text, ")");
    absl::StrAppend(&out, "\n");
  }
  absl::StrAppendFormat(&out, "%-28s %s\n", "  --help", "show this help");
  return out;
}

void ArgParser::UsageError(absl::string_view message) const {
  std::string text = absl::StrCat(command_, ": ", message, "\nusage: ", command_, " ", usage_,
                                  "\n(run with --help for the flags)\n");
  std::fputs(text.c_str(), stderr);
}

}  // namespace eventlog::cli
