// ForEachRecord: walks every record of a segment's batches in order, for the
// cleanup scans (compaction's key map and rewrite checks). Damaged batches
// are stepped over when their length can be trusted and counted; otherwise
// the rest of the segment is skipped (also counted). Readers report such
// damage as DATA_LOSS; cleanup must not stop at it forever.
//
// Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <memory>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "storage/format/record.h"
#include "storage/log/segment.h"
#include "storage/log/segment_reader.h"

namespace eventlog::storage {

struct ScanStats {
  int64_t damaged_batches = 0;  // stepped over
  int64_t skipped_tails = 0;    // segments whose rest was skipped
};

// Records of `segment` in bytes [0, limit), in batches whose offsets end at
// or below `offset_limit` (the next segment's base) and start below
// `end_offset` (the high watermark). An I/O error other than damage fails
// the scan.
absl::Status ForEachRecord(
    const std::shared_ptr<Segment>& segment, int64_t limit, int64_t offset_limit,
    int64_t end_offset, ScanStats* stats,
    absl::FunctionRef<void(const SegmentReader::Batch&, const RecordView&)> fn);

}  // namespace eventlog::storage
