#include "storage/log/log_reader.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "storage/format/batch_conversion.h"
#include "storage/format/batch_record_iterator.h"
#include "storage/log/segment_reader.h"
#include "storage/util/status_macros.h"

namespace eventlog::storage {
namespace {

constexpr size_t kMinReadChunk = 16 << 10;
constexpr size_t kMaxReadChunk = 8 << 20;
constexpr size_t kTimeScanChunk = 256 << 10;

}  // namespace

absl::StatusOr<int64_t> LogReader::StartPosition(const LogSegments::Span& span,
                                                 int64_t offset) const {
  if (std::optional<int64_t> hint = hints_.Find(offset, span.segment)) return *hint;
  ASSIGN_OR_RETURN(std::optional<OffsetIndexEntry> entry, offset_index_->Floor(offset));
  if (!entry.has_value() || entry->segment_base_offset != span.segment->base_offset()) return 0;
  // The entry must point at the batch it names: after compaction rewrote the
  // segment, entries read before the rewrite point into the old file.
  absl::StatusOr<format::BatchHeader> header =
      ReadBatchHeaderAt(*span.segment, entry->position, span.limit);
  if (!header.ok() || header->base_offset != entry->batch_base_offset) return 0;
  return entry->position;
}

absl::StatusOr<ReadResult> LogReader::Read(int64_t offset, const ReadLimits& limits) const {
  ReadResult result;
  LogSegments::Offsets bounds;
  std::optional<LogSegments::Span> found;
  RETURN_IF_ERROR(segments_->Find(offset, &bounds, &found));
  result.high_watermark = bounds.high_watermark;
  result.log_start_offset = bounds.log_start;
  result.next_offset = offset;
  if (!found.has_value()) return result;
  LogSegments::Span span = *std::move(found);
  ASSIGN_OR_RETURN(int64_t position, StartPosition(span, offset));

  const int64_t max_bytes = std::max<int64_t>(limits.max_bytes, 1);
  const size_t record_limit = limits.max_records > 0 ? static_cast<size_t>(limits.max_records)
                                                     : std::numeric_limits<size_t>::max();
  // Guess the bytes needed from the average record size, so that a small
  // read does not pull in max_bytes from the file.
  const int64_t span_records = std::max<int64_t>(1, bounds.high_watermark - bounds.log_start);
  const int64_t average = std::clamp<int64_t>(bounds.size_bytes / span_records, 1, 1 << 20);
  int64_t want = max_bytes;
  if (limits.max_records > 0) {
    want = std::min(want, (static_cast<int64_t>(limits.max_records) + 1) * average * 5 / 4);
  }
  const size_t expected_records =
      static_cast<size_t>(std::min<int64_t>(want / average + 1, 1 << 16));
  const size_t initial_chunk = static_cast<size_t>(
      std::clamp<int64_t>(want + index_interval_bytes_ + int64_t{format::kMaxHeaderSize},
                          kMinReadChunk, kMaxReadChunk));
  const size_t max_chunk = static_cast<size_t>(std::clamp<int64_t>(
      max_bytes, static_cast<int64_t>(initial_chunk), static_cast<int64_t>(kMaxReadChunk)));

  result.records.reserve(std::min(record_limit, expected_records));
  // Keeps every buffer the views point into: file chunks and decompressed
  // records.
  auto chunks = std::make_shared<std::vector<std::shared_ptr<const void>>>();
  int64_t bytes = 0;
  bool done = false;
  int64_t hint_position = -1;
  while (!done) {
    SegmentReader reader(span.segment, position, span.limit, initial_chunk, max_chunk,
                         /*keep_chunks=*/true);
    reader.set_offset_limit(span.offset_limit);
    int64_t skip_floor = -1;  // offsets the next batch must reach after a skip
    // After stepping over a batch whose offsets are unknown: the status to
    // return if the next batch starts past the target (which is then lost).
    absl::Status target_lost;
    bool damaged = false;
    while (!done) {
      SegmentReader::Batch batch;
      absl::StatusOr<bool> next = reader.Next(&batch);
      if (!next.ok()) {
        // Damage wholly before the target (between an index entry and the
        // offset asked for) must not hide the batches after it: step over
        // it, and check the next batch follows it. Offsets that fit where
        // the batch lies say where the damage ends; offsets that do not
        // (and a header that fails its checks) are not used: the damage
        // then ends where the next good batch starts.
        if (result.records.empty() && reader.damage() != SegmentReader::Damage::kNone) {
          if (reader.DamagedOffsetsFit()) {
            const int64_t damaged_end = reader.damaged_header().next_offset();
            if (damaged_end <= result.next_offset && skip_floor < damaged_end &&
                reader.SkipDamaged()) {
              skip_floor = damaged_end;
              continue;
            }
          } else if (reader.SkipDamaged()) {
            if (target_lost.ok()) target_lost = next.status();
            continue;
          }
        }
        if (result.records.empty()) return target_lost.ok() ? next.status() : target_lost;
        damaged = true;  // return what precedes it; the next read reports it
        break;
      }
      if (!*next) {
        if (!target_lost.ok()) return target_lost;
        break;
      }
      const format::BatchHeader& h = batch.header;
      if (h.base_offset >= result.high_watermark) {
        done = true;  // written but not yet durable: not for readers
        break;
      }
      if (h.base_offset < skip_floor) {
        return absl::DataLossError(absl::StrCat("batch at ", span.segment->path(), " position ",
                                                batch.position,
                                                " does not follow the damaged batch before it"));
      }
      if (!target_lost.ok()) {
        if (h.base_offset > result.next_offset) return target_lost;
        target_lost = absl::OkStatus();
      }
      if (h.next_offset() <= result.next_offset) continue;  // wholly before the target
      const size_t needed = result.records.size() +
                            std::min<size_t>(record_limit, static_cast<size_t>(h.record_count));
      if (needed > result.records.capacity()) {
        result.records.reserve(std::max(needed, 2 * result.records.capacity()));
      }
      BatchRecordIterator records(h, batch.bytes);
      bool consumed_batch = true;
      while (true) {
        RecordView& view = result.records.emplace_back();
        absl::StatusOr<bool> more = records.Next(&view);
        if (!more.ok() || !*more) {
          result.records.pop_back();
          if (more.ok()) break;
          if (result.records.empty()) {
            return absl::DataLossError(absl::StrCat(more.status().message(), " at ",
                                                    span.segment->path(), " position ",
                                                    batch.position));
          }
          damaged = true;
          consumed_batch = false;
          break;
        }
        if (view.offset < result.next_offset) {
          result.records.pop_back();
          continue;
        }
        const int64_t size =
            static_cast<int64_t>(records.record_bytes().size()) + limits.per_record_overhead;
        if (result.records.size() > 1 && bytes + size > max_bytes) {
          result.records.pop_back();
          consumed_batch = false;
          done = true;
          break;
        }
        bytes += size;
        result.next_offset = view.offset + 1;
        if (result.records.size() >= record_limit) {
          done = true;
          consumed_batch = records.index() == h.record_count;
          break;
        }
      }
      if (records.decompressed() != nullptr) chunks->push_back(records.decompressed());
      if (damaged) break;
      if (consumed_batch) {
        // Past offsets compaction removed at the batch's end, if any.
        result.next_offset = h.next_offset();
        hint_position = reader.position();
      } else {
        hint_position = batch.position;
      }
    }
    std::vector<std::shared_ptr<char[]>> kept = reader.TakeChunks();
    chunks->insert(chunks->end(), std::make_move_iterator(kept.begin()),
                   std::make_move_iterator(kept.end()));
    if (damaged || done) {
      if (hint_position >= 0) hints_.Remember(result.next_offset, span.segment, hint_position);
      break;
    }
    // The segment is exhausted: go on with the next one (past any gap).
    int64_t high_watermark;
    std::optional<LogSegments::Span> next =
        segments_->After(*span.segment, span.limit, &high_watermark);
    const bool grew = next.has_value() && next->segment == span.segment;
    if (hint_position >= 0 && !next.has_value()) {
      hints_.Remember(result.next_offset, span.segment, hint_position);
    }
    result.high_watermark = std::max(result.high_watermark, high_watermark);
    if (!next.has_value()) break;
    if (next->segment->base_offset() >= result.high_watermark) {
      // No segment holds the offsets before the next one: a gap.
      result.next_offset = std::max(result.next_offset, next->segment->base_offset());
      break;
    }
    position = grew ? span.limit : 0;
    result.next_offset = std::max(result.next_offset, next->segment->base_offset());
    span = *std::move(next);
    hint_position = -1;
  }
  result.next_offset = std::min(result.next_offset, result.high_watermark);
  result.backing = std::move(chunks);
  return result;
}

absl::StatusOr<BatchReadResult> LogReader::ReadBatches(int64_t offset, int64_t max_bytes) const {
  BatchReadResult result;
  LogSegments::Offsets bounds;
  std::optional<LogSegments::Span> found;
  RETURN_IF_ERROR(segments_->Find(offset, &bounds, &found));
  result.high_watermark = bounds.high_watermark;
  result.log_start_offset = bounds.log_start;
  result.next_offset = offset;
  if (!found.has_value()) return result;
  LogSegments::Span span = *std::move(found);
  ASSIGN_OR_RETURN(int64_t position, StartPosition(span, offset));
  max_bytes = std::max<int64_t>(max_bytes, 1);
  const size_t chunk = static_cast<size_t>(
      std::clamp<int64_t>(max_bytes + index_interval_bytes_ + int64_t{format::kMaxHeaderSize},
                          kMinReadChunk, kMaxReadChunk));
  // File chunks and re-encoded batches the views point into.
  auto backing = std::make_shared<std::vector<std::shared_ptr<const void>>>();
  while (true) {
    SegmentReader reader(span.segment, position, span.limit, chunk, chunk, /*keep_chunks=*/true);
    reader.set_offset_limit(span.offset_limit);
    int64_t skip_floor = -1;  // offsets the next batch must reach after a skip
    int64_t hint_position = -1;
    bool done = false;
    while (true) {
      SegmentReader::Batch batch;
      absl::StatusOr<bool> next = reader.Next(&batch);
      if (!next.ok()) {
        // As Read: damage wholly before the target is stepped over.
        if (result.batches.empty() && reader.damage() != SegmentReader::Damage::kNone &&
            reader.DamagedOffsetsFit()) {
          const int64_t damaged_end = reader.damaged_header().next_offset();
          if (damaged_end <= offset && skip_floor < damaged_end && reader.SkipDamaged()) {
            skip_floor = damaged_end;
            continue;
          }
        }
        if (result.batches.empty()) return next.status();
        done = true;  // return what precedes it; the next read reports it
        break;
      }
      if (!*next) break;
      const format::BatchHeader& h = batch.header;
      if (h.base_offset >= result.high_watermark) {
        done = true;  // written but not yet durable
        break;
      }
      if (h.base_offset < skip_floor) {
        return absl::DataLossError(absl::StrCat("batch at ", span.segment->path(), " position ",
                                                batch.position,
                                                " does not follow the damaged batch before it"));
      }
      if (h.next_offset() <= offset) continue;  // wholly before the target
      const auto size = static_cast<int64_t>(batch.bytes.size());
      if (!result.batches.empty() && result.bytes + size > max_bytes) {
        hint_position = batch.position;
        done = true;
        break;
      }
      absl::string_view view = batch.bytes;
      if (h.magic != format::kMagicV2) {
        absl::StatusOr<std::string> converted = format::ConvertToMagicV2(h, batch.bytes);
        if (!converted.ok()) {
          if (result.batches.empty()) {
            return absl::DataLossError(absl::StrCat(converted.status().message(), " at ",
                                                    span.segment->path(), " position ",
                                                    batch.position));
          }
          done = true;
          break;
        }
        auto owned = std::make_shared<const std::string>(*std::move(converted));
        view = *owned;
        backing->push_back(std::move(owned));
      }
      result.batches.push_back(view);
      result.bytes += size;
      result.next_offset = h.next_offset();
      hint_position = reader.position();
    }
    std::vector<std::shared_ptr<char[]>> kept = reader.TakeChunks();
    backing->insert(backing->end(), std::make_move_iterator(kept.begin()),
                    std::make_move_iterator(kept.end()));
    if (done) {
      if (hint_position >= 0) hints_.Remember(result.next_offset, span.segment, hint_position);
      break;
    }
    // The segment is exhausted: go on with the next one (past any gap).
    int64_t high_watermark;
    std::optional<LogSegments::Span> next =
        segments_->After(*span.segment, span.limit, &high_watermark);
    if (!next.has_value()) {
      if (hint_position >= 0) hints_.Remember(result.next_offset, span.segment, hint_position);
      break;
    }
    if (next->segment->base_offset() >= result.high_watermark) break;
    position = next->segment == span.segment ? span.limit : 0;
    span = *std::move(next);
  }
  result.next_offset = std::min(std::max(result.next_offset, offset), result.high_watermark);
  result.backing = std::move(backing);
  return result;
}

absl::StatusOr<int64_t> LogReader::OffsetForTimestamp(int64_t timestamp_ms) const {
  ASSIGN_OR_RETURN(std::optional<TimeIndexEntry> entry, time_index_->LastBefore(timestamp_ms));
  LogSegments::Offsets bounds = segments_->offsets();
  const int64_t from =
      std::max(bounds.log_start, entry.has_value() ? entry->offset : bounds.log_start);
  std::optional<LogSegments::Span> found;
  absl::Status s = segments_->Find(from, &bounds, &found);
  if (absl::IsOutOfRange(s)) return bounds.high_watermark;  // retention moved past it
  RETURN_IF_ERROR(s);
  if (!found.has_value()) return bounds.high_watermark;
  LogSegments::Span span = *std::move(found);
  ASSIGN_OR_RETURN(int64_t position, StartPosition(span, from));
  const int64_t high_watermark = bounds.high_watermark;
  while (true) {
    SegmentReader reader(span.segment, position, span.limit, kTimeScanChunk, kTimeScanChunk,
                         /*keep_chunks=*/false);
    reader.set_offset_limit(span.offset_limit);
    while (true) {
      SegmentReader::Batch batch;
      ASSIGN_OR_RETURN(bool more, reader.Next(&batch));
      if (!more) break;
      const format::BatchHeader& h = batch.header;
      if (h.base_offset >= high_watermark) return high_watermark;
      if (h.next_offset() <= from || h.max_timestamp_ms < timestamp_ms) continue;
      BatchRecordIterator records(h, batch.bytes);
      RecordView view;
      while (true) {
        absl::StatusOr<bool> next = records.Next(&view);
        if (!next.ok()) {
          return absl::DataLossError(absl::StrCat(
              next.status().message(), " at ", span.segment->path(), " position ", batch.position));
        }
        if (!*next) break;
        if (view.offset >= from && view.timestamp_ms >= timestamp_ms) return view.offset;
      }
    }
    int64_t ignored;
    std::optional<LogSegments::Span> next = segments_->After(*span.segment, span.limit, &ignored);
    if (!next.has_value() || next->segment->base_offset() >= high_watermark) break;
    position = next->segment == span.segment ? span.limit : 0;
    span = *std::move(next);
  }
  return high_watermark;
}

}  // namespace eventlog::storage
