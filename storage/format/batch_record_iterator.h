// BatchRecordIterator: the records of one verified record batch, in order.
// The one record-walking loop of the engine: reads, compaction, time lookup
// and the key scans all use it (SegmentReader yields the batches).
//
// Not thread-safe. Views handed out point into the batch's bytes, which must
// stay alive while they are used.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/format/record.h"
#include "storage/format/record_batch_format.h"

namespace eventlog::storage {

class BatchRecordIterator {
 public:
  // `batch` is the whole batch, header included, as SegmentReader returns it.
  BatchRecordIterator(const format::BatchHeader& header, absl::string_view batch)
      : header_(header),
        p_(batch.data() + format::kBatchHeaderSize),
        end_(batch.data() + batch.size()) {}

  // The next record into `*out` (offset and timestamp absolute): true if
  // there is one, false after the last. DATA_LOSS if the record is
  // malformed; the iterator then stays put.
  absl::StatusOr<bool> Next(RecordView* out);

  // The encoding of the record Next() returned last (for copying it into a
  // rewritten batch with the same base offset and first timestamp).
  absl::string_view record_bytes() const { return record_bytes_; }

  // Records returned so far.
  int32_t index() const { return index_; }
  const format::BatchHeader& header() const { return header_; }

 private:
  const format::BatchHeader header_;
  const char* p_;
  const char* const end_;
  int32_t index_ = 0;
  absl::string_view record_bytes_;
};

}  // namespace eventlog::storage
