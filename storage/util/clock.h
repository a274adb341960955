// Time source, injectable so that retention, compaction grace periods and
// segment roll-by-age can be tested without sleeping. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>

namespace eventlog::util {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t NowMs() const = 0;

  // The process-wide wall clock. Never null; lives forever.
  static Clock* Real();
};

// A clock that only moves when told to. For tests.
class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t now_ms) : now_ms_(now_ms) {}
  int64_t NowMs() const override { return now_ms_.load(); }
  void AdvanceMs(int64_t delta_ms) { now_ms_ += delta_ms; }
  void SetMs(int64_t now_ms) { now_ms_ = now_ms; }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace eventlog::util
