// Histogram: how many observations fell into each of a fixed set of buckets,
// plus their count and sum, as a Prometheus histogram. Values are integers in
// the unit the owner chooses (nanoseconds for latencies, items for sizes);
// MetricWriter scales them to base units (seconds) when it writes them.
//
// Observe() costs a short scan of the bounds and three relaxed atomic adds:
// no lock, so it can sit on hot paths. A snapshot taken while others observe
// may be off by the observations in flight, never inconsistent with itself
// (its count is the sum of its buckets).
//
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace eventlog::metrics {

class Histogram {
 public:
  struct Snapshot {
    std::vector<int64_t> bounds;       // ascending upper bounds ("le"), inclusive
    std::vector<uint64_t> cumulative;  // per bound: observations <= it; then +Inf
    uint64_t count = 0;                // == cumulative.back()
    int64_t sum = 0;
  };

  // `bounds`: strictly ascending upper bounds; values above the last fall
  // into the +Inf bucket.
  explicit Histogram(std::vector<int64_t> bounds);

  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void Observe(int64_t value);
  Snapshot snapshot() const;

  // `count` bounds: start, start*factor, start*factor^2, ... (rounded, kept
  // strictly ascending). start >= 1, factor > 1.
  static std::vector<int64_t> ExponentialBounds(int64_t start, double factor, int count);

 private:
  const std::vector<int64_t> bounds_;
  // One per bound plus +Inf; not cumulative.
  const std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<int64_t> sum_{0};
};

}  // namespace eventlog::metrics
