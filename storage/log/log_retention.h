// LogRetention: deletes a partition's oldest durable sealed segments once
// they are past retention_ms (by the newest timestamp they hold) or the log
// is larger than retention_bytes without them, and moves the log start
// offset past them. Never the active segment, never a segment holding
// records that are not yet durable. DELETE topics only (COMPACT topics are
// not subject to retention, as in Kafka).
//
// Crash-safe: the new log start offset is persisted (synced) before any file
// goes, so a crash never brings offsets back and recovery finishes the
// deletion.
//
// Not thread-safe: the partition log runs one cleanup at a time. The
// pointers must outlive it.
#pragma once

#include <atomic>
#include <cstdint>

#include "absl/status/status.h"
#include "storage/log/log_segments.h"
#include "storage/log/offset_index.h"
#include "storage/log/partition_log_options.h"
#include "storage/log/time_index.h"

namespace eventlog::storage {

class LogRetention {
 public:
  LogRetention(const PartitionLogOptions* options, LogSegments* segments,
               const OffsetIndex* offset_index, const TimeIndex* time_index,
               const std::atomic<int64_t>* max_timestamp)
      : options_(options),
        segments_(segments),
        offset_index_(offset_index),
        time_index_(time_index),
        max_timestamp_(max_timestamp) {}

  absl::Status Enforce();

  // Runs that deleted segments, segments and bytes deleted since the log was
  // opened. Thread-safe.
  struct Stats {
    int64_t runs = 0;
    int64_t segments_deleted = 0;
    int64_t bytes_deleted = 0;
  };
  Stats stats() const {
    return Stats{runs_.load(), segments_deleted_.load(), bytes_deleted_.load()};
  }

 private:
  // The largest timestamp of the log through the end of the segment before
  // `next_base`.
  absl::StatusOr<int64_t> MaxTimestampBefore(int64_t next_base) const;

  const PartitionLogOptions* const options_;
  LogSegments* const segments_;
  const OffsetIndex* const offset_index_;
  const TimeIndex* const time_index_;
  const std::atomic<int64_t>* const max_timestamp_;
  std::atomic<int64_t> runs_{0};
  std::atomic<int64_t> segments_deleted_{0};
  std::atomic<int64_t> bytes_deleted_{0};
};

}  // namespace eventlog::storage
