// RecordBatchBuilder: accumulates the records of one append directly in their
// on-disk encoding (storage/record_batch_format.h), so producing costs one
// copy of the payload from the request into the segment buffer.
//
// Not thread-safe. Move-only.
#pragma once

#include <cstdint>
#include <string>

#include "absl/types/span.h"
#include "storage/format/record.h"

namespace eventlog::storage {

class RecordBatchBuilder {
 public:
  RecordBatchBuilder() = default;
  RecordBatchBuilder(RecordBatchBuilder&&) = default;
  RecordBatchBuilder& operator=(RecordBatchBuilder&&) = default;
  RecordBatchBuilder(const RecordBatchBuilder&) = delete;
  RecordBatchBuilder& operator=(const RecordBatchBuilder&) = delete;

  // Appends one record. `timestamp_ms` is stored as given: the caller (the
  // broker) replaces a producer's 0 with the append time before calling.
  // The views are copied; they need not outlive this call.
  void Add(absl::string_view key, absl::string_view value, absl::Span<const HeaderView> headers,
           int64_t timestamp_ms);

  // Makes room for `bytes` of encoded records (about the sum of the keys,
  // values and headers plus ~10 bytes per record), so that a producer that
  // knows its request size avoids regrowing the buffer. Optional.
  void Reserve(size_t bytes) { records_.reserve(bytes); }

  int32_t record_count() const { return record_count_; }
  bool empty() const { return record_count_ == 0; }
  // Encoded size of the records so far (without the batch header).
  size_t size_bytes() const { return records_.size(); }
  // Encoded size of the largest record added (checked against
  // LogConfig::max_message_bytes by PartitionLog::Append).
  size_t max_record_bytes() const { return max_record_bytes_; }
  int64_t first_timestamp_ms() const { return first_timestamp_ms_; }
  int64_t max_timestamp_ms() const { return max_timestamp_ms_; }

  // The encoded records (format in record_batch_format.h). For the log.
  const std::string& encoded_records() const { return records_; }

 private:
  std::string records_;
  int32_t record_count_ = 0;
  size_t max_record_bytes_ = 0;
  int64_t first_timestamp_ms_ = 0;
  int64_t max_timestamp_ms_ = 0;
};

}  // namespace eventlog::storage
