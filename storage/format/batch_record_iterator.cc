#include "storage/format/batch_record_iterator.h"

#include "absl/strings/str_cat.h"

namespace eventlog::storage {

absl::StatusOr<bool> BatchRecordIterator::Next(RecordView* out) {
  if (index_ >= header_.record_count) return false;
  const char* start = p_;
  if (!format::DecodeRecord(header_, &p_, end_, out)) {
    p_ = start;
    return absl::DataLossError(absl::StrCat("malformed record ", index_,
                                            " in the batch at base offset ", header_.base_offset));
  }
  record_bytes_ = absl::string_view(start, p_ - start);
  ++index_;
  return true;
}

}  // namespace eventlog::storage
