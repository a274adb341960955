// eventlogd's config file (--config=FILE): TOML (https://toml.io/en/v1.0.0),
// one top-level key per flag, named and typed as the flag:
//
//   listen = "0.0.0.0:7070"
//   data_dir = "/var/lib/eventlog"
//   http_listen = "0.0.0.0:8080"
//   default_partitions = 3
//   reflection = false
//
// Values: strings, integers and booleans (a string is parsed as the flag
// would parse it on the command line). A key that is not one of eventlogd's
// flags is an error naming it, as is a table, an array or a value the flag
// cannot take. Command-line flags (and the container's EVENTLOG_* variables,
// which become flags) win over the file: the file is applied first.
//
// Parsed with toml++ (Debian's libtomlplusplus-dev): TOML's keys and types
// map one to one onto flags, and its errors carry line and column.
//
// Not thread-safe: call from main() before any thread starts.
#pragma once

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace eventlog::service {

// Sets flags from the file at `path`. `is_own_flag(name)` says whether a key
// names one of eventlogd's flags. NOT_FOUND if the file cannot be read,
// INVALID_ARGUMENT (naming the file, the key and its line) for a syntax
// error, an unknown key or a bad value; flags set before the error stay set
// (eventlogd exits then).
absl::Status ApplyConfigFile(const std::string& path,
                             absl::FunctionRef<bool(absl::string_view name)> is_own_flag);

// The value of --config in `argv` ("--config=F", "-config=F", "--config F"),
// or "" if absent: the file must be applied before the command line is
// parsed, so that flags win.
std::string FindConfigArgument(int argc, char** argv);

}  // namespace eventlog::service
