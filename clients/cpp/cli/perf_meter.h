// PerfMeter: counts the records and bytes of a perf run, prints a progress
// line to stderr every second (as kafka-producer-perf-test does) and the
// final rate. Bytes are payload bytes (keys + values); MB = 10^6 bytes.
//
// Thread-safe: Add may be called from any thread while the meter runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "clients/cpp/cli/perf_samples.h"

namespace eventlog::cli {

class PerfMeter {
 public:
  // `verb` goes into the progress line ("sent", "received"); `latencies`
  // (may be null, must outlive the meter) adds a latency column.
  PerfMeter(std::string verb, PerfSamples* latencies);
  ~PerfMeter();
  PerfMeter(const PerfMeter&) = delete;
  PerfMeter& operator=(const PerfMeter&) = delete;

  // Starts the clock and the progress line.
  void Start();
  // Stops the clock and the progress line. Idempotent.
  void Stop();

  void Add(int64_t records, int64_t bytes) {
    records_.fetch_add(records, std::memory_order_relaxed);
    bytes_.fetch_add(bytes, std::memory_order_relaxed);
  }
  int64_t records() const { return records_.load(std::memory_order_relaxed); }
  int64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  double seconds() const;
  double RecordsPerSecond() const;
  double MegabytesPerSecond() const;
  // "1000000 records in 0.331 s: 3021148 records/s, 302.11 MB/s".
  std::string RateSummary() const;

 private:
  void ProgressLoop();

  const std::string verb_;
  PerfSamples* const latencies_;
  std::atomic<int64_t> records_{0};
  std::atomic<int64_t> bytes_{0};
  absl::Time start_;
  absl::Time end_;  // InfiniteFuture() while running
  absl::Notification stop_;
  std::thread progress_;
};

}  // namespace eventlog::cli
