// ShutdownSignal: a one-shot broadcast that the broker is shutting down, so
// parked readers and open streams end promptly (with UNAVAILABLE) instead of
// waiting for data that will never come.
//
// Thread-safe. Callbacks run on the thread that calls Trigger() (or, for a
// registration after Trigger(), not at all: Register returns 0), never under
// the signal's lock.
#pragma once

#include <cstdint>
#include <map>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace eventlog::broker {

class ShutdownSignal {
 public:
  using Id = uint64_t;

  // Keeps `callback` to run once on Trigger(). Returns 0 and drops the
  // callback if the signal was already triggered (the caller proceeds at
  // once), as PartitionLog::WaitForData does.
  Id Register(absl::AnyInvocable<void()> callback);

  // True if the callback was removed before it ran; false if it has run, is
  // running, or `id` is unknown (0 included).
  bool Unregister(Id id);

  // Runs every registered callback once. Idempotent.
  void Trigger();

  bool triggered() const;

 private:
  mutable absl::Mutex mu_;
  bool triggered_ ABSL_GUARDED_BY(mu_) = false;
  Id next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<Id, absl::AnyInvocable<void()>> callbacks_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::broker
