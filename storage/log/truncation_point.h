// FindTruncationPoint: where a segment must be cut so that a log ends at a
// given offset (PartitionLog::TruncateTo, a follower dropping a suffix its
// leader does not have). Logs are cut between batches: a batch that holds
// the offset goes whole, so the log may end a little before it.
//
// Stateless; thread-safe (reads only).
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "storage/log/segment.h"

namespace eventlog::storage {

struct TruncationPoint {
  int64_t position = 0;  // bytes of the segment kept
  int64_t log_end = 0;   // the log's end after the cut (<= the asked offset)
};

// Scans `segment`'s batches in bytes [from, size) — `from` a batch boundary
// (0, or an index entry's position) — for the first batch whose records end
// past `offset`, and cuts before it; with none, keeps the whole segment.
// DATA_LOSS if a batch header on the way is damaged.
absl::StatusOr<TruncationPoint> FindTruncationPoint(const Segment& segment, int64_t from,
                                                    int64_t size, int64_t offset);

}  // namespace eventlog::storage
