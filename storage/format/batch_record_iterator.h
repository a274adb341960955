// BatchRecordIterator: the records of one verified record batch, in order,
// decompressing a compressed batch first. The one record-walking loop of the
// engine: reads, compaction, time lookup, the key scans and the validation
// of a Kafka producer's batch all use it (SegmentReader yields the
// batches).
//
// Not thread-safe. Views handed out point into the batch's bytes (which must
// stay alive while they are used) or, for a compressed batch, into
// decompressed(), which the caller keeps alive as long as the views.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/format/record.h"
#include "storage/format/record_batch_format.h"

namespace eventlog::storage {

class BatchRecordIterator {
 public:
  // Bound on what one compressed batch may decompress to.
  static constexpr size_t kDefaultMaxDecompressedBytes = size_t{256} << 20;

  // `batch` is the whole batch, header included, as SegmentReader returns it.
  BatchRecordIterator(const format::BatchHeader& header, absl::string_view batch,
                      size_t max_decompressed_bytes = kDefaultMaxDecompressedBytes);

  // The next record into `*out` (offset and timestamp absolute): true if
  // there is one, false after the last. DATA_LOSS if a record is malformed
  // or a compressed batch does not decompress (RESOURCE_EXHAUSTED past the
  // bound); the iterator then stays put.
  absl::StatusOr<bool> Next(RecordView* out);

  // The encoding of the record Next() returned last (for copying it into a
  // rewritten batch with the same base offset and first timestamp).
  absl::string_view record_bytes() const { return record_bytes_; }

  // Records returned so far.
  int32_t index() const { return index_; }
  const format::BatchHeader& header() const { return header_; }

  // The decompressed records of a compressed batch (null otherwise, or
  // before the first Next()).
  const std::shared_ptr<const std::string>& decompressed() const { return decompressed_; }

 private:
  absl::Status Decompress();

  const format::BatchHeader header_;
  const absl::string_view compressed_;
  const size_t max_decompressed_bytes_;
  const char* p_ = nullptr;
  const char* end_ = nullptr;
  int32_t index_ = 0;
  absl::string_view record_bytes_;
  std::shared_ptr<const std::string> decompressed_;
};

}  // namespace eventlog::storage
