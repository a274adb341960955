// Recorder<T>: collects values that callbacks hand over from other threads
// (watch events, lease and leadership changes), and lets a test wait, with a
// generous deadline, until enough have arrived.
//
// Thread-safe.
#pragma once

#include <cstddef>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace eventlog::testing {

template <typename T>
class Recorder {
 public:
  void Add(T value) {
    absl::MutexLock lock(&mu_);
    values_.push_back(std::move(value));
  }

  // Everything recorded once there are at least `count` values, or what
  // there is when `timeout` passes (a safety net, not a timed assertion).
  std::vector<T> WaitForCount(size_t count, absl::Duration timeout = absl::Seconds(30)) {
    absl::MutexLock lock(&mu_);
    auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return values_.size() >= count; };
    mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
    return values_;
  }

  std::vector<T> values() const {
    absl::MutexLock lock(&mu_);
    return values_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<T> values_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::testing
