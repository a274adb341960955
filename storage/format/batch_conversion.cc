#include "storage/format/batch_conversion.h"

#include "storage/format/batch_record_iterator.h"
#include "storage/format/record_batch_builder.h"

namespace eventlog::storage::format {

absl::StatusOr<std::string> ConvertToMagicV2(const BatchHeader& header, absl::string_view batch) {
  if (header.magic == kMagicV2) return std::string(batch);
  RecordBatchBuilder builder;
  BatchRecordIterator records(header, batch);
  RecordView record;
  while (true) {
    absl::StatusOr<bool> next = records.Next(&record);
    if (!next.ok()) return next.status();
    if (!*next) break;
    builder.AddAt(static_cast<int32_t>(record.offset - header.base_offset), record.key,
                  record.value, record.headers, record.timestamp_ms);
  }
  builder.SetLastOffsetDelta(header.last_offset_delta);
  std::string out = std::move(builder.Seal());
  SetBaseOffset(out.data(), header.base_offset);
  SetLeaderEpoch(out.data(), header.leader_epoch);
  return out;
}

}  // namespace eventlog::storage::format
