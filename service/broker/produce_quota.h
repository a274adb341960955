// ProduceQuota: a per-connection produce rate limit, as a token bucket per
// connection key (the gRPC peer address). Each bucket holds at most one
// second's worth of bytes (the burst) and refills at the quota's rate. A
// request fits when the bucket holds its size; a request larger than the
// burst is let through when the bucket is full (so a record bigger than the
// quota can still be written) and leaves the bucket in debt, which delays the
// connection's next requests until it is paid back. A refused request takes
// nothing from the bucket. Buckets that have refilled are forgotten, so the
// map stays as small as the set of busy connections.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "storage/util/clock.h"

namespace eventlog::broker {

class ProduceQuota {
 public:
  // `bytes_per_sec` of 0 or less: unlimited. `clock` (not owned) must
  // outlive the quota.
  ProduceQuota(int64_t bytes_per_sec, const util::Clock* clock);

  // Takes `bytes` from `connection`'s bucket, or RESOURCE_EXHAUSTED (and
  // takes nothing) when they do not fit now.
  absl::Status Charge(absl::string_view connection, int64_t bytes);

  int64_t bytes_per_sec() const { return bytes_per_sec_; }

 private:
  struct Bucket {
    double tokens = 0;  // may be negative (debt of an over-burst request)
    int64_t updated_ms = 0;
  };

  // Drops buckets that are full again (idle connections).
  void ForgetFullLocked(int64_t now_ms) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int64_t bytes_per_sec_;
  const util::Clock* const clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
  int64_t last_sweep_ms_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace eventlog::broker
