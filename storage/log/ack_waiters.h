// AckWaiters: ACKS_ALL appends of a replicated partition's leader that are
// durable here but not yet on every in-sync replica: each completes once the
// high watermark passes its last offset (docs/CLUSTER.md, "High watermark and
// acks"), or fails when the replica stops leading.
//
// Thread-safe. Completions are handed back to the caller, to run without
// locks held.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "storage/partition_log.h"

namespace eventlog::storage {

class AckWaiters {
 public:
  using Completion = absl::AnyInvocable<void()>;

  // Completes `done` with `result` now (returned, for the caller to run) if
  // `high_watermark()` is past result.last_offset, else keeps it. The high
  // watermark is read under this object's lock, so a concurrent TakeReady
  // after the watermark moved never misses the waiter.
  // `generation` is generation() from when the append was made: if TakeAll
  // ran since, `done` fails with TakeAll's status instead (the append was
  // queued for its fsync when the replica stopped leading).
  template <typename ReadHighWatermark>
  std::vector<Completion> AddOrTake(uint64_t generation, const AppendResult& result,
                                    AppendCallback done, ReadHighWatermark high_watermark) {
    std::vector<Completion> ready;
    absl::MutexLock lock(&mu_);
    if (generation != generation_) {
      ready.push_back([done = std::move(done), status = failed_]() mutable { done(status); });
    } else if (high_watermark() > result.last_offset) {
      ready.push_back([done = std::move(done), result]() mutable { done(result); });
    } else {
      waiting_.emplace(result.last_offset, Waiter{result, std::move(done)});
    }
    return ready;
  }

  // The waiters `high_watermark` passed.
  std::vector<Completion> TakeReady(int64_t high_watermark) ABSL_LOCKS_EXCLUDED(mu_);

  uint64_t generation() const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return generation_;
  }

  // Every waiter, to fail with `status` (the replica stopped leading, or
  // the log closed); appends of an earlier generation fail too.
  std::vector<Completion> TakeAll(const absl::Status& status) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Waiter {
    AppendResult result;
    AppendCallback done;
  };

  mutable absl::Mutex mu_;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status failed_ ABSL_GUARDED_BY(mu_);
  std::multimap<int64_t, Waiter> waiting_ ABSL_GUARDED_BY(mu_);  // by last offset
};

}  // namespace eventlog::storage
