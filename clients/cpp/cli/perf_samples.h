// PerfSamples: latency samples (nanoseconds) of a perf run and their
// percentiles. Keeps every sample (a run has at most a few million), so the
// percentiles are exact rather than bucketed.
//
// Thread-safe: Add and the readers take a mutex; each sample is one lock,
// which is cheap next to the request it measures.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace eventlog::cli {

class PerfSamples {
 public:
  void Add(int64_t nanos);
  int64_t count() const;
  // The q-quantile (0 <= q <= 1) in nanoseconds; 0 without samples.
  int64_t Quantile(double q) const;
  // Mean and max of the samples added since the last TakeWindow(), for the
  // once-a-second progress line; starts a new window.
  struct Window {
    int64_t count = 0;
    double mean_nanos = 0;
    int64_t max_nanos = 0;
  };
  Window TakeWindow();
  // "p50 0.41 ms, p99 1.20 ms, p99.9 2.03 ms, max 4.51 ms".
  std::string Summary() const;

 private:
  mutable absl::Mutex mu_;
  mutable std::vector<int64_t> samples_ ABSL_GUARDED_BY(mu_);
  mutable bool sorted_ ABSL_GUARDED_BY(mu_) = true;
  int64_t window_count_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t window_sum_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t window_max_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace eventlog::cli
