// Gauge: a value that goes up and down (bytes in flight, streams open),
// kept by the code that changes it. Add() and Set() are one relaxed atomic
// operation each, no lock.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>

namespace eventlog::metrics {

class alignas(64) Gauge {
 public:
  void Add(int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  void Set(int64_t value) { value_.store(value, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

}  // namespace eventlog::metrics
