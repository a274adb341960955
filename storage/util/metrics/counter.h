// Counter: a count that only goes up (records appended, requests answered),
// for hot paths: Add() is one relaxed atomic add, no lock. Its own cache
// line, so counters updated by different threads do not share one.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>

namespace eventlog::metrics {

class alignas(64) Counter {
 public:
  void Add(int64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

}  // namespace eventlog::metrics
