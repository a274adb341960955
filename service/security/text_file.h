// Helpers for the security configuration files (token and ACL files): read
// a whole file, and split its text into meaningful lines. Thread-safe
// (stateless functions).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace eventlog::security {

// The file's contents; NOT_FOUND / PERMISSION_DENIED / INTERNAL naming
// `path` when it cannot be read.
absl::StatusOr<std::string> ReadTextFile(const std::string& path);

// One line of a configuration file, split on whitespace.
struct ConfigLine {
  int number = 0;  // 1-based
  std::vector<absl::string_view> fields;
};

// The non-blank lines of `text` without `#` comments (a `#` starts a comment
// anywhere on a line). The views point into `text`.
std::vector<ConfigLine> SplitConfigLines(absl::string_view text);

}  // namespace eventlog::security
