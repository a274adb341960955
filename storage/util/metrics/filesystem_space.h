// FilesystemSpace: free and total bytes of the filesystem holding a path
// (statvfs), for the disk metrics of the data directory.
//
// Thread-safe (a system call).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace eventlog::metrics {

struct FilesystemSpace {
  int64_t free_bytes = 0;      // available to unprivileged writers
  int64_t capacity_bytes = 0;  // the filesystem's size
  // The filesystem of `path`; the errno's error if statvfs fails.
  static absl::StatusOr<FilesystemSpace> Of(const std::string& path);
};

}  // namespace eventlog::metrics
