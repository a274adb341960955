#include "clients/cpp/cli/perf_meter.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "absl/strings/str_format.h"

namespace eventlog::cli {

PerfMeter::PerfMeter(std::string verb, PerfSamples* latencies)
    : verb_(std::move(verb)), latencies_(latencies), end_(absl::InfiniteFuture()) {}

PerfMeter::~PerfMeter() { Stop(); }

void PerfMeter::Start() {
  start_ = absl::Now();
  progress_ = std::thread([this] { ProgressLoop(); });
}

void PerfMeter::Stop() {
  if (!progress_.joinable()) return;
  end_ = absl::Now();
  stop_.Notify();
  progress_.join();
}

double PerfMeter::seconds() const {
  const absl::Time end = end_ == absl::InfiniteFuture() ? absl::Now() : end_;
  return std::max(1e-9, absl::ToDoubleSeconds(end - start_));
}

double PerfMeter::RecordsPerSecond() const { return static_cast<double>(records()) / seconds(); }

double PerfMeter::MegabytesPerSecond() const {
  return static_cast<double>(bytes()) / 1e6 / seconds();
}

std::string PerfMeter::RateSummary() const {
  return absl::StrFormat("%d records in %.3f s: %.0f records/s, %.2f MB/s", records(), seconds(),
                         RecordsPerSecond(), MegabytesPerSecond());
}

void PerfMeter::ProgressLoop() {
  int64_t last_records = records(), last_bytes = bytes();
  absl::Time last = start_;
  while (!stop_.WaitForNotificationWithTimeout(absl::Seconds(1))) {
    const absl::Time now = absl::Now();
    const int64_t r = records(), b = bytes();
    const double secs = absl::ToDoubleSeconds(now - last);
    std::string line =
        absl::StrFormat("%d records %s, %.1f records/s (%.2f MB/s)", r - last_records, verb_,
                        static_cast<double>(r - last_records) / secs,
                        static_cast<double>(b - last_bytes) / 1e6 / secs);
    if (latencies_ != nullptr) {
      const PerfSamples::Window window = latencies_->TakeWindow();
      line += absl::StrFormat(", %.3f ms avg latency, %.3f ms max latency", window.mean_nanos / 1e6,
                              static_cast<double>(window.max_nanos) / 1e6);
    }
    std::fprintf(stderr, "%s\n", line.c_str());
    last_records = r;
    last_bytes = b;
    last = now;
  }
}

}  // namespace eventlog::cli
