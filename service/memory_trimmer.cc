#include "service/memory_trimmer.h"

#include <malloc.h>

#include "absl/time/time.h"

namespace eventlog::service {

MemoryTrimmer::MemoryTrimmer(int64_t interval_ms) {
  if (interval_ms <= 0) return;
  thread_ = std::thread([this, interval_ms] {
    while (!stop_.WaitForNotificationWithTimeout(absl::Milliseconds(interval_ms))) {
      malloc_trim(0);
    }
  });
}

MemoryTrimmer::~MemoryTrimmer() {
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

}  // namespace eventlog::service
