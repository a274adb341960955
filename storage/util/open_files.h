// The process's open-file limit (RLIMIT_NOFILE) and how much of it is in
// use. The broker keeps every segment file open, so its need grows with the
// partitions and segments of its data directory (storage/file_budget.h).
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"

namespace eventlog::util {

struct OpenFileLimit {
  uint64_t soft = 0;  // what open() is held to
  uint64_t hard = 0;  // how far the soft limit may be raised
};

absl::StatusOr<OpenFileLimit> GetOpenFileLimit();

// Raises the soft limit to the hard one (a common default is 1,024 soft with
// a far higher hard limit) and returns the limit now in force.
absl::StatusOr<OpenFileLimit> RaiseOpenFileLimit();

// File descriptors this process has open (entries of /proc/self/fd); -1 if
// that cannot be read.
int64_t CountOpenFiles();

}  // namespace eventlog::util
