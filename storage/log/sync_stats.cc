#include "storage/log/sync_stats.h"

#include <chrono>

#include "storage/util/no_destructor.h"

namespace eventlog::storage {

SyncStats::SyncStats()
    // 50 us .. ~3.3 s by factors of 2: a small fdatasync on a good disk is
    // ~0.2 ms; seconds mean a sick disk.
    : fsync_nanos_(metrics::Histogram::ExponentialBounds(50'000, 2, 17)),
      // 1 .. 4096 appends per round.
      group_commit_appends_(metrics::Histogram::ExponentialBounds(1, 2, 13)) {}

SyncStats& SyncStats::Global() {
  static util::NoDestructor<SyncStats> stats;
  return *stats.get();
}

void SyncStats::Write(metrics::MetricWriter& writer) const {
  writer.Begin("eventlog_fsync_duration_seconds", metrics::MetricWriter::Type::kHistogram,
               "Time taken by each fdatasync of a segment file (group commit, flush interval, "
               "roll).");
  writer.Histogram({}, fsync_nanos_.snapshot(), 1e9);
  writer.Begin("eventlog_group_commit_batch_size", metrics::MetricWriter::Type::kHistogram,
               "ACKS_ALL appends acknowledged by one group-commit round (one fdatasync per "
               "partition involved).");
  writer.Histogram({}, group_commit_appends_.snapshot());
}

absl::Status SyncStats::TimeFsync(absl::FunctionRef<absl::Status()> sync) {
  const auto start = std::chrono::steady_clock::now();
  absl::Status status = sync();
  fsync_nanos_.Observe(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count());
  return status;
}

}  // namespace eventlog::storage
