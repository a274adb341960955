// StorageHealth: the store's fail-stop latch for durability failures.
//
// The first failed fsync/fdatasync of a segment, directory or LevelDB file
// latches the store as failed, for good: after a failed sync the kernel may
// have dropped the unwritten pages and a later sync can report success
// without them (fsyncgate, Linux >= 4.13), so no later sync may ever be
// trusted. From then on every pending and new acknowledgement fails with the
// latched error, new appends are refused, nothing is reported durable, and
// the owner's callback asks the process to exit, so that its supervisor
// restarts it and recovery reads what is really on disk (as Kafka takes the
// log directory offline and Redpanda and PostgreSQL stop).
//
// Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace eventlog::storage {

class StorageHealth {
 public:
  // `on_failure` (may be empty) runs once, on the thread that latched,
  // without locks held. It must not block for long.
  explicit StorageHealth(std::function<void(const absl::Status&)> on_failure = {})
      : on_failure_(std::move(on_failure)) {}

  // Passes an OK `sync_status` through. Otherwise latches (logging the first
  // failure once, with `what`) and returns the latched error.
  absl::Status CheckSync(const absl::Status& sync_status, const std::string& what);

  // OK, or UNAVAILABLE naming the first failure.
  absl::Status status() const;
  bool failed() const { return failed_.load(std::memory_order_acquire); }

 private:
  const std::function<void(const absl::Status&)> on_failure_;
  std::atomic<bool> failed_{false};
  mutable absl::Mutex mu_;
  absl::Status latched_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::storage
