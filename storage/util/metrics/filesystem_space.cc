#include "storage/util/metrics/filesystem_space.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace eventlog::metrics {

absl::StatusOr<FilesystemSpace> FilesystemSpace::Of(const std::string& path) {
  struct statvfs fs;
  if (statvfs(path.c_str(), &fs) != 0) {
    const int error = errno;
    return absl::Status(absl::ErrnoToStatusCode(error),
                        absl::StrCat("statvfs of ", path, ": ", std::strerror(error)));
  }
  FilesystemSpace space;
  space.free_bytes = static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
  space.capacity_bytes = static_cast<int64_t>(fs.f_blocks) * static_cast<int64_t>(fs.f_frsize);
  return space;
}

}  // namespace eventlog::metrics
