#include "storage/format/batch_record_iterator.h"

#include "absl/strings/str_cat.h"
#include "storage/compression/compression.h"

namespace eventlog::storage {

BatchRecordIterator::BatchRecordIterator(const format::BatchHeader& header, absl::string_view batch,
                                         size_t max_decompressed_bytes)
    : header_(header),
      compressed_(header.compression() != 0 ? batch.substr(header.header_size())
                                            : absl::string_view()),
      max_decompressed_bytes_(max_decompressed_bytes) {
  if (header.compression() == 0) {
    p_ = batch.data() + header.header_size();
    end_ = batch.data() + batch.size();
  }
}

absl::Status BatchRecordIterator::Decompress() {
  absl::StatusOr<std::string> records = compression::Decompress(
      static_cast<compression::Codec>(header_.compression()), compressed_, max_decompressed_bytes_);
  if (!records.ok()) {
    if (absl::IsResourceExhausted(records.status())) return records.status();
    return absl::DataLossError(absl::StrCat("the batch at base offset ", header_.base_offset,
                                            " does not decompress: ", records.status().message()));
  }
  auto owned = std::make_shared<const std::string>(*std::move(records));
  p_ = owned->data();
  end_ = owned->data() + owned->size();
  decompressed_ = std::move(owned);
  return absl::OkStatus();
}

absl::StatusOr<bool> BatchRecordIterator::Next(RecordView* out) {
  if (index_ >= header_.record_count) return false;
  if (p_ == nullptr) {
    absl::Status s = Decompress();
    if (!s.ok()) return s;
  }
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
