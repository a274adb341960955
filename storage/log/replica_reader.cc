#include "storage/log/replica_reader.h"

#include <algorithm>
#include <optional>

#include "storage/format/record_batch_format.h"
#include "storage/log/segment_reader.h"
#include "storage/util/status_macros.h"

namespace eventlog::storage {

absl::StatusOr<ReplicaRead> ReadForReplica(const LogSegments& segments, const OffsetIndex& index,
                                           int64_t offset, int64_t max_bytes) {
  LogSegments::Offsets offsets;
  std::optional<LogSegments::Span> span;
  RETURN_IF_ERROR(segments.FindWritten(offset, &offsets, &span));
  ReplicaRead out;
  out.next_offset = offset;
  out.high_watermark = offsets.high_watermark;
  out.log_end_offset = offsets.log_end;
  out.log_start_offset = offsets.log_start;
  if (!span.has_value()) return out;
  // A batch boundary at or below `offset` in the span's segment.
  int64_t position = 0;
  if (absl::StatusOr<std::optional<OffsetIndexEntry>> entry = index.Floor(offset);
      entry.ok() && entry->has_value() &&
      (*entry)->segment_base_offset == span->segment->base_offset() &&
      (*entry)->position <= span->limit) {
    // Trusted only if it still names its batch (compaction may have
    // rewritten the segment since).
    absl::StatusOr<format::BatchHeader> at =
        ReadBatchHeaderAt(*span->segment, (*entry)->position, span->limit);
    if (at.ok() && at->base_offset == (*entry)->batch_base_offset) position = (*entry)->position;
  }
  // One allocation for the common case (all of it in this segment), instead
  // of the string doubling, and copying, as batches are appended.
  out.batches.reserve(static_cast<size_t>(
      std::clamp<int64_t>(span->limit - position, 0, std::max<int64_t>(max_bytes, 0))));
  while (span.has_value()) {
    while (position < span->limit) {
      ASSIGN_OR_RETURN(format::BatchHeader header,
                       ReadBatchHeaderAt(*span->segment, position, span->limit));
      RETURN_IF_ERROR(format::CheckBatchHeader(header));
      const int64_t length = header.batch_length;
      if (header.next_offset() > offset) {
        if (!out.batches.empty() && static_cast<int64_t>(out.batches.size()) + length > max_bytes) {
          return out;
        }
        const size_t at = out.batches.size();
        out.batches.resize(at + static_cast<size_t>(length));
        RETURN_IF_ERROR(
            span->segment->ReadAt(position, static_cast<size_t>(length), out.batches.data() + at));
        out.next_offset = header.next_offset();
      }
      position += length;
    }
    // On in the same segment if appends grew it, else in the next one.
    const Segment* read = span->segment.get();
    int64_t high_watermark = 0;
    span = segments.After(*read, position, &high_watermark);
    if (span.has_value() && span->segment.get() != read) position = 0;
  }
  return out;
}

}  // namespace eventlog::storage
