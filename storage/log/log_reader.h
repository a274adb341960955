// LogReader: the read path of a partition log: reads from an offset and
// finds offsets by timestamp, over the log's segments, its sparse indexes
// and a few remembered positions. Reads stop at the high watermark: records
// written but not yet durable are never returned.
//
// Damage: a batch that fails its checks (checksum, header sanity, offset
// order) is DATA_LOSS for the offsets it covers; reads step over damage that
// lies wholly before the requested offset, and return what precedes damage
// after it (the next read then reports it).
//
// Index entries are hints: one that does not point at the batch it names (a
// segment rewritten by compaction after the entry was read) is ignored and
// the segment is scanned from its start.
//
// Thread-safe; `segments`, the indexes and the LevelDB behind them must
// outlive it.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "storage/log/log_segments.h"
#include "storage/log/offset_index.h"
#include "storage/log/read_hints.h"
#include "storage/log/time_index.h"
#include "storage/partition_log.h"

namespace eventlog::storage {

class LogReader {
 public:
  LogReader(const LogSegments* segments, const OffsetIndex* offset_index,
            const TimeIndex* time_index, int64_t index_interval_bytes)
      : segments_(segments),
        offset_index_(offset_index),
        time_index_(time_index),
        index_interval_bytes_(index_interval_bytes) {}

  // See PartitionLog::Read.
  absl::StatusOr<ReadResult> Read(int64_t offset, const ReadLimits& limits) const;
  // See PartitionLog::ReadBatches.
  absl::StatusOr<BatchReadResult> ReadBatches(int64_t offset, int64_t max_bytes) const;
  // See PartitionLog::OffsetForTimestamp.
  absl::StatusOr<int64_t> OffsetForTimestamp(int64_t timestamp_ms) const;

  // Forgets remembered positions (after a segment was replaced).
  void ClearHints() { hints_.Clear(); }

 private:
  // Where to start reading `span` for `offset`: a remembered position, the
  // floor index entry if it points at its batch, or the segment's start.
  absl::StatusOr<int64_t> StartPosition(const LogSegments::Span& span, int64_t offset) const;

  const LogSegments* const segments_;
  const OffsetIndex* const offset_index_;
  const TimeIndex* const time_index_;
  const int64_t index_interval_bytes_;
  mutable ReadHints hints_;
};

}  // namespace eventlog::storage
