#include "storage/format/record_batch_builder.h"

#include <algorithm>
#include <cstring>

#include "storage/format/record_batch_format.h"
#include "storage/util/coding.h"

namespace eventlog::storage {
namespace {

inline char* PutBytes(char* p, absl::string_view bytes) {
  p = util::coding::EncodeVarint(p, bytes.size());
  if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
  return p + bytes.size();
}

}  // namespace

void RecordBatchBuilder::Add(absl::string_view key, absl::string_view value,
                             absl::Span<const HeaderView> headers, int64_t timestamp_ms) {
  if (record_count_ == 0) {
    first_timestamp_ms_ = timestamp_ms;
    max_timestamp_ms_ = timestamp_ms;
  } else {
    max_timestamp_ms_ = std::max(max_timestamp_ms_, timestamp_ms);
  }
  // Wrapping subtraction; the reader adds with the same wrap.
  const uint64_t ts_delta = util::coding::ZigZagEncode(static_cast<int64_t>(
      static_cast<uint64_t>(timestamp_ms) - static_cast<uint64_t>(first_timestamp_ms_)));
  const auto offset_delta = static_cast<uint32_t>(record_count_);
  const size_t body = format::EncodedRecordBodySize(key, value, headers.data(), headers.size(),
                                                    ts_delta, offset_delta);
  const size_t size = util::coding::VarintLength(body) + body;

  // Encode in place at the end of the buffer: the payload is copied once.
  const size_t old_size = records_.size();
  if (records_.capacity() < old_size + size) {
    records_.reserve(std::max(old_size + size, records_.capacity() * 2));
  }
  records_.resize(old_size + size);
  char* p = records_.data() + old_size;
  p = util::coding::EncodeVarint(p, body);
  *p++ = 0;  // attributes
  p = util::coding::EncodeVarint(p, ts_delta);
  p = util::coding::EncodeVarint(p, offset_delta);
  p = PutBytes(p, key);
  p = PutBytes(p, value);
  p = util::coding::EncodeVarint(p, headers.size());
  for (const HeaderView& h : headers) {
    p = PutBytes(p, h.key);
    p = PutBytes(p, h.value);
  }
  ++record_count_;
  max_record_bytes_ = std::max(max_record_bytes_, size);
}

}  // namespace eventlog::storage
