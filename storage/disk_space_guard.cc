#include "storage/disk_space_guard.h"

#include <sys/statvfs.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace eventlog::storage {

DiskSpaceGuard::DiskSpaceGuard(std::string path, int64_t min_free_bytes, util::Clock* clock)
    : path_(std::move(path)), min_free_bytes_(min_free_bytes), clock_(clock) {}

int64_t DiskSpaceGuard::QueryFreeBytes() const {
  struct statvfs fs;
  if (::statvfs(path_.c_str(), &fs) != 0) return -1;
  // f_bavail: what an unprivileged writer may use; the broker should not
  // eat into the root reserve either.
  return static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
}

absl::Status DiskSpaceGuard::Admit(int64_t bytes) {
  if (min_free_bytes_ <= 0) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  const int64_t now = clock_->NowMs();
  if (free_estimate_ < 0 || now - refreshed_ms_ >= kRefreshMs ||
      free_estimate_ - bytes < min_free_bytes_) {
    free_estimate_ = QueryFreeBytes();
    refreshed_ms_ = now;
    if (free_estimate_ < 0) return absl::OkStatus();  // cannot tell: ENOSPC still guards
  }
  if (free_estimate_ - bytes < min_free_bytes_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "disk almost full: ", free_estimate_, " bytes free in the data directory's filesystem, ",
        "and appends stop at min_free_bytes = ", min_free_bytes_));
  }
  free_estimate_ -= bytes;
  return absl::OkStatus();
}

}  // namespace eventlog::storage
