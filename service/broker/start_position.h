// Where a reader starts in a partition, and the ONE function that turns every
// kind of start position into an offset (Subscribe's start_from, ListOffsets'
// spec, and later a consumer group's committed offset), in the manner of
// Liftbridge's getStartOffset.
#pragma once

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/partition_log.h"

namespace eventlog::broker {

struct StartPosition {
  enum class Kind {
    kEarliest,   // log_start_offset
    kLatest,     // high_watermark: only records appended from now on
    kOffset,     // `offset`, which must lie in [log_start_offset, high_watermark]
    kTimestamp,  // first record with timestamp >= `timestamp_ms`
    kCommitted,  // `committed` when it lies in the log, else `reset_to`
  };

  static StartPosition Of(Kind kind) {
    StartPosition p;
    p.kind = kind;
    return p;
  }
  static StartPosition AtOffset(int64_t offset) {
    StartPosition p = Of(Kind::kOffset);
    p.offset = offset;
    return p;
  }
  static StartPosition AtTimestamp(int64_t timestamp_ms) {
    StartPosition p = Of(Kind::kTimestamp);
    p.timestamp_ms = timestamp_ms;
    return p;
  }

  Kind kind = Kind::kLatest;
  int64_t offset = 0;        // kOffset
  int64_t timestamp_ms = 0;  // kTimestamp
  // kCommitted: the group's committed offset for the partition, if any.
  std::optional<int64_t> committed;
  // kCommitted without a usable committed offset: kEarliest or kLatest.
  Kind reset_to = Kind::kLatest;
};

// Resolves `position` on `log` (of topic `topic`, named in messages).
// INVALID_ARGUMENT for a negative offset or timestamp or a reset_to other
// than earliest/latest; OUT_OF_RANGE, naming both bounds, for an offset
// outside [log_start_offset, high_watermark]; the log's error (NOT_FOUND once
// deleted, UNAVAILABLE when closing) otherwise.
absl::StatusOr<int64_t> ResolveStartOffset(const storage::PartitionLog& log,
                                           absl::string_view topic, const StartPosition& position);

}  // namespace eventlog::broker
