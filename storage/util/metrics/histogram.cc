#include "storage/util/metrics/histogram.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace eventlog::metrics {

Histogram::Histogram(std::vector<int64_t> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::Observe(int64_t value) {
  // Few bounds (about 20): a linear scan is as fast as a binary search and
  // keeps the common small values cheapest.
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.bounds = bounds_;
  s.cumulative.reserve(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<int64_t> Histogram::ExponentialBounds(int64_t start, double factor, int count) {
  std::vector<int64_t> bounds;
  double next = static_cast<double>(std::max<int64_t>(start, 1));
  for (int i = 0; i < count; ++i) {
    int64_t bound = std::llround(next);
    if (!bounds.empty()) bound = std::max(bound, bounds.back() + 1);
    bounds.push_back(bound);
    next *= factor;
  }
  return bounds;
}

}  // namespace eventlog::metrics
