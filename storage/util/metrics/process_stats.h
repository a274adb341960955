// ProcessStats: what the operating system says about this process, for the
// standard process_* metrics (resident and virtual memory, open and maximum
// file descriptors, CPU time) and the uptime. Linux: reads /proc/self.
//
// Thread-safe (Read() only reads the kernel's figures).
#pragma once

#include <cstdint>

#include "absl/time/time.h"

namespace eventlog::metrics {

class ProcessStats {
 public:
  struct Sample {
    int64_t resident_bytes = 0;
    int64_t virtual_bytes = 0;
    int64_t open_fds = 0;
    int64_t max_fds = 0;
    double cpu_seconds = 0;
    double start_time_seconds = 0;  // since the Unix epoch
    double uptime_seconds = 0;
  };

  // `start`: when the process started (e.g. absl::Now() early in main).
  explicit ProcessStats(absl::Time start) : start_(start) {}

  // Figures that cannot be read stay 0.
  Sample Read() const;

 private:
  const absl::Time start_;
};

}  // namespace eventlog::metrics
