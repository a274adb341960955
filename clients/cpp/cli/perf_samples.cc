#include "clients/cpp/cli/perf_samples.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"

namespace eventlog::cli {

void PerfSamples::Add(int64_t nanos) {
  absl::MutexLock lock(&mu_);
  samples_.push_back(nanos);
  sorted_ = false;
  ++window_count_;
  window_sum_ += nanos;
  window_max_ = std::max(window_max_, nanos);
}

int64_t PerfSamples::count() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(samples_.size());
}

int64_t PerfSamples::Quantile(double q) const {
  absl::MutexLock lock(&mu_);
  if (samples_.empty()) return 0;
  if (!sorted_) {
    std::sort(samples_.begin(), samples_.end());
    sorted_ = true;
  }
  // Nearest rank: the smallest sample with at least q of them at or below it.
  const double rank = std::ceil(q * static_cast<double>(samples_.size()));
  const size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return samples_[std::min(index, samples_.size() - 1)];
}

PerfSamples::Window PerfSamples::TakeWindow() {
  absl::MutexLock lock(&mu_);
  Window window;
  window.count = window_count_;
  window.mean_nanos = window_count_ == 0
                          ? 0
                          : static_cast<double>(window_sum_) / static_cast<double>(window_count_);
  window.max_nanos = window_max_;
  window_count_ = window_sum_ = window_max_ = 0;
  return window;
}

std::string PerfSamples::Summary() const {
  auto ms = [](int64_t nanos) { return static_cast<double>(nanos) / 1e6; };
  return absl::StrFormat("p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms", ms(Quantile(0.5)),
                         ms(Quantile(0.99)), ms(Quantile(0.999)), ms(Quantile(1.0)));
}

}  // namespace eventlog::cli
