#include "storage/log/segment_scan.h"

#include "storage/format/batch_record_iterator.h"

namespace eventlog::storage {
namespace {

constexpr size_t kScanChunk = 1 << 20;

}  // namespace

absl::Status ForEachRecord(
    const std::shared_ptr<Segment>& segment, int64_t limit, int64_t offset_limit,
    int64_t end_offset, ScanStats* stats,
    absl::FunctionRef<void(const SegmentReader::Batch&, const RecordView&)> fn) {
  SegmentReader reader(segment, 0, limit, kScanChunk, kScanChunk, /*keep_chunks=*/false);
  reader.set_offset_limit(offset_limit);
  RecordView view;
  while (true) {
    SegmentReader::Batch batch;
    absl::StatusOr<bool> more = reader.Next(&batch);
    if (!more.ok()) {
      if (reader.damage() == SegmentReader::Damage::kNone) return more.status();
      if (reader.SkipDamaged()) {
        ++stats->damaged_batches;
        continue;
      }
      ++stats->skipped_tails;
      return absl::OkStatus();
    }
    if (!*more || batch.header.base_offset >= end_offset) return absl::OkStatus();
    BatchRecordIterator records(batch.header, batch.bytes);
    while (true) {
      absl::StatusOr<bool> next = records.Next(&view);
      if (!next.ok()) {
        ++stats->damaged_batches;  // a malformed record: the rest of the batch is unknown
        break;
      }
      if (!*next) break;
      fn(batch, view);
    }
  }
}

}  // namespace eventlog::storage
