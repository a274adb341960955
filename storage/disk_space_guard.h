// DiskSpaceGuard: refuses appends before the data directory's filesystem
// fills up, so that a full disk never leaves a half-written batch behind and
// the LevelDB index and committed offsets keep room to write (Redpanda's
// storage_min_free_bytes works the same way).
//
// Keeps an estimate of the free bytes: statvfs at most every kRefreshMs, and
// in between the estimate shrinks by what was admitted. Whenever an append
// would cross the floor by the estimate, statvfs is asked again first, so a
// disk freed by an operator is noticed on the next append.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "storage/util/clock.h"

namespace eventlog::storage {

class DiskSpaceGuard {
 public:
  static constexpr int64_t kRefreshMs = 100;

  // `min_free_bytes` <= 0 admits everything (the filesystem's own ENOSPC
  // is then the only limit). `clock` is not owned.
  DiskSpaceGuard(std::string path, int64_t min_free_bytes, util::Clock* clock);

  // OK if `bytes` can be written leaving at least min_free_bytes free;
  // otherwise RESOURCE_EXHAUSTED naming the free space and the floor.
  absl::Status Admit(int64_t bytes);

 private:
  // statvfs of path_; -1 if it fails (then the guard admits).
  int64_t QueryFreeBytes() const;

  const std::string path_;
  const int64_t min_free_bytes_;
  util::Clock* const clock_;
  absl::Mutex mu_;
  int64_t free_estimate_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t refreshed_ms_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace eventlog::storage
