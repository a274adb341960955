#include "service/config_file.h"

#include <toml++/toml.h>

#include <fstream>
#include <sstream>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace eventlog::service {
namespace {

std::string Where(const std::string& path, const toml::source_region& region) {
  return absl::StrCat(path, ":", region.begin.line);
}

// The flag-syntax text of a TOML value; INVALID_ARGUMENT for other types.
absl::StatusOr<std::string> FlagText(const std::string& path, const std::string& key,
                                     const toml::node& value) {
  if (const toml::value<std::string>* s = value.as_string()) return s->get();
  if (const toml::value<int64_t>* i = value.as_integer()) return absl::StrCat(i->get());
  if (const toml::value<bool>* b = value.as_boolean()) {
    return std::string(b->get() ? "true" : "false");
  }
  if (const toml::value<double>* d = value.as_floating_point()) return absl::StrCat(d->get());
  const char* kind = value.is_table() ? "a table" : value.is_array() ? "an array" : "a date";
  return absl::InvalidArgumentError(
      absl::StrCat(Where(path, value.source()), ": key \"", key,
                   "\" must be a string, an integer or a boolean (it is ", kind,
                   "); eventlogd's config keys are its flag names, at the top level"));
}

}  // namespace

absl::Status ApplyConfigFile(const std::string& path,
                             absl::FunctionRef<bool(absl::string_view name)> is_own_flag) {
  std::ifstream file(path);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read config file ", path));
  std::stringstream text;
  text << file.rdbuf();
  toml::table table;
  try {
    table = toml::parse(text.str(), path);
  } catch (const toml::parse_error& error) {  // toml++ reports syntax errors by exception
    return absl::InvalidArgumentError(absl::StrCat(path, ":", error.source().begin.line, ":",
                                                   error.source().begin.column, ": ",
                                                   std::string(error.description())));
  }
  for (const auto& [key_node, value] : table) {
    const std::string key(key_node.str());
    if (key == "config") {
      return absl::InvalidArgumentError(
          absl::StrCat(Where(path, key_node.source()), ": \"config\" cannot name another file"));
    }
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(key);
    if (flag == nullptr || !is_own_flag(key)) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(path, key_node.source()), ": unknown key \"", key,
          "\"; eventlogd's config keys are its flag names (eventlogd --help lists them)"));
    }
    absl::StatusOr<std::string> text_value = FlagText(path, key, value);
    if (!text_value.ok()) return text_value.status();
    std::string error;
    if (!flag->ParseFrom(*text_value, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat(Where(path, value.source()), ": key \"", key, "\": ", error));
    }
  }
  return absl::OkStatus();
}

std::string FindConfigArgument(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    for (absl::string_view prefix : {"--config=", "-config="}) {
      if (absl::StartsWith(arg, prefix)) return std::string(arg.substr(prefix.size()));
    }
    if ((arg == "--config" || arg == "-config") && i + 1 < argc) return argv[i + 1];
  }
  return "";
}

}  // namespace eventlog::service
