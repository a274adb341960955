// MirroredRange: what a RangeMirror's owner keeps in the tests: key ->
// value, replaced on each reset and updated by each change, and the number
// of resets. Tests wait until it reaches a state.
//
// Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/cluster/etcd/etcd_types.h"

namespace eventlog::testing {

class MirroredRange {
 public:
  void Reset(const etcd::RangeResult& snapshot) {
    absl::MutexLock lock(&mu_);
    values_.clear();
    for (const etcd::KeyValue& kv : snapshot.kvs) values_[kv.key] = kv.value;
    ++resets_;
  }
  void Apply(const std::vector<etcd::WatchEvent>& events) {
    absl::MutexLock lock(&mu_);
    for (const etcd::WatchEvent& event : events) {
      if (event.type == etcd::WatchEvent::Type::kPut) {
        values_[event.kv.key] = event.kv.value;
      } else {
        values_.erase(event.kv.key);
      }
    }
  }
  // The copy once `done` holds of it (or as it is after a generous wait).
  std::map<std::string, std::string> WaitUntil(
      std::function<bool(const std::map<std::string, std::string>&)> done) {
    absl::MutexLock lock(&mu_);
    auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return done(values_); };
    mu_.AwaitWithTimeout(absl::Condition(&reached), absl::Seconds(30));
    return values_;
  }
  int resets() {
    absl::MutexLock lock(&mu_);
    return resets_;
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, std::string> values_ ABSL_GUARDED_BY(mu_);
  int resets_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace eventlog::testing
