// RecordBatchBuilder: one record batch in its on-disk encoding (magic 2,
// Kafka's RecordBatch v2; storage/format/record_batch_format.h), so that
// appending costs one copy of the payload into the segment. Built record by
// record (the gRPC path encodes each record straight into the batch), or
// taken whole from a Kafka producer (FromKafkaBatch: validated, then stored
// as it came, compressed or not).
//
// Not thread-safe. Move-only.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "storage/format/record.h"

namespace eventlog::storage {

class RecordBatchBuilder {
 public:
  RecordBatchBuilder();
  RecordBatchBuilder(RecordBatchBuilder&&) = default;
  RecordBatchBuilder& operator=(RecordBatchBuilder&&) = default;
  RecordBatchBuilder(const RecordBatchBuilder&) = delete;
  RecordBatchBuilder& operator=(const RecordBatchBuilder&) = delete;

  // A RecordBatch v2 as a Kafka producer sent it (one batch, any codec). It
  // is checked as a whole: header, checksum, a known codec, no transactions,
  // and every record decodes (after decompression, bounded by
  // `max_decompressed_bytes`) with offset deltas 0, 1, 2, ... INVALID_ARGUMENT
  // (RESOURCE_EXHAUSTED for a decompression bomb) naming what is wrong.
  static absl::StatusOr<RecordBatchBuilder> FromKafkaBatch(std::string batch,
                                                           size_t max_decompressed_bytes);

  // Appends one record (not for a batch from FromKafkaBatch). The views are
  // copied; they need not outlive this call.
  void Add(absl::string_view key, absl::string_view value, absl::Span<const HeaderView> headers,
           int64_t timestamp_ms) {
    AddAt(last_offset_delta_ + 1, key, value, headers, timestamp_ms);
  }

  // Appends one record at `offset_delta` from the batch's base offset, which
  // must be above the previous record's (gaps are allowed: a compacted
  // batch being re-encoded, see ConvertToMagicV2).
  void AddAt(int32_t offset_delta, absl::string_view key, absl::string_view value,
             absl::Span<const HeaderView> headers, int64_t timestamp_ms);

  // The batch spans offsets up to base + `last_offset_delta` even if its
  // last records are gone (compaction); at least the last record's delta.
  void SetLastOffsetDelta(int32_t last_offset_delta) {
    if (last_offset_delta > last_offset_delta_) last_offset_delta_ = last_offset_delta;
  }

  // Makes room for `bytes` of encoded records (about the sum of the keys,
  // values and headers plus ~10 bytes per record). Optional.
  void Reserve(size_t bytes) { batch_.reserve(batch_.size() + bytes); }

  int32_t record_count() const { return record_count_; }
  bool empty() const { return record_count_ == 0; }
  // The whole batch's size, header included.
  size_t size_bytes() const { return batch_.size(); }
  // Encoded size of the largest record (a compressed batch's records count
  // uncompressed), checked against LogConfig::max_message_bytes.
  size_t max_record_bytes() const { return max_record_bytes_; }
  int64_t first_timestamp_ms() const { return first_timestamp_ms_; }
  int64_t min_timestamp_ms() const { return min_timestamp_ms_; }
  int64_t max_timestamp_ms() const { return max_timestamp_ms_; }
  // Kafka's idempotent producer fields (-1 when not set).
  int64_t producer_id() const { return producer_id_; }
  int16_t producer_epoch() const { return producer_epoch_; }
  int32_t base_sequence() const { return base_sequence_; }

  // LOG_APPEND_TIME: every record's timestamp becomes `now_ms` (the
  // batch's max timestamp, with the attribute bit set).
  void SetLogAppendTime(int64_t now_ms);

  // Finishes the header and its checksum (once; later calls return the same
  // bytes); the base offset and leader epoch (outside the checksum) are set
  // by the log. Returns the whole batch. No Add or SetLogAppendTime after.
  std::string& Seal();

 private:
  std::string batch_;  // header (reserved) then records
  int32_t record_count_ = 0;
  int32_t last_offset_delta_ = -1;
  size_t max_record_bytes_ = 0;
  int64_t first_timestamp_ms_ = 0;
  int64_t min_timestamp_ms_ = 0;
  int64_t max_timestamp_ms_ = 0;
  int16_t attributes_ = 0;
  int64_t producer_id_ = -1;
  int16_t producer_epoch_ = -1;
  int32_t base_sequence_ = -1;
  bool from_kafka_ = false;
  bool sealed_ = false;
};

}  // namespace eventlog::storage
