#include "storage/format/record_batch_builder.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "storage/compression/compression.h"
#include "storage/format/batch_record_iterator.h"
#include "storage/format/record_batch_format.h"
#include "storage/util/coding.h"

namespace eventlog::storage {
namespace {

inline char* PutSigned(char* p, int64_t v) {
  return util::coding::EncodeVarint(p, util::coding::ZigZagEncode(v));
}

inline char* PutBytes(char* p, absl::string_view bytes) {
  p = PutSigned(p, static_cast<int64_t>(bytes.size()));
  if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
  return p + bytes.size();
}

}  // namespace

RecordBatchBuilder::RecordBatchBuilder() : batch_(format::kV2HeaderSize, '\0') {}

absl::StatusOr<RecordBatchBuilder> RecordBatchBuilder::FromKafkaBatch(
    std::string batch, size_t max_decompressed_bytes) {
  if (batch.size() < format::kV2HeaderSize ||
      static_cast<uint8_t>(batch[format::kMagicPos]) != format::kMagicV2) {
    return absl::InvalidArgumentError("not a RecordBatch v2 (magic 2)");
  }
  const format::BatchHeader h = format::DecodeBatchHeader(batch.data());
  if (absl::Status s = format::CheckBatchHeader(h); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("malformed record batch: ", s.message()));
  }
  if (h.batch_length != batch.size()) {
    return absl::InvalidArgumentError(absl::StrCat("the record batch says ", h.batch_length,
                                                   " bytes but ", batch.size(), " came"));
  }
  if (format::ComputeCrc(batch) != h.crc) {
    return absl::InvalidArgumentError("the record batch fails its checksum (CRC32C)");
  }
  if (h.attributes & (format::kTransactionalBit | format::kControlBit)) {
    return absl::InvalidArgumentError("transactional and control batches are not supported");
  }
  if (h.record_count < 1 || h.record_count != h.last_offset_delta + 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("a produced batch must hold records with offset "
                     "deltas 0 to n-1; it says ",
                     h.record_count, " records and last delta ", h.last_offset_delta));
  }
  RecordBatchBuilder out;
  out.batch_ = std::move(batch);
  out.record_count_ = h.record_count;
  out.last_offset_delta_ = h.last_offset_delta;
  out.first_timestamp_ms_ = h.first_timestamp_ms;
  out.attributes_ = h.attributes;
  out.producer_id_ = h.producer_id;
  out.producer_epoch_ = h.producer_epoch;
  out.base_sequence_ = h.base_sequence;
  out.from_kafka_ = true;
  // Every record must decode, in offset order; their sizes and timestamps
  // bound what the log accepts.
  BatchRecordIterator records(h, out.batch_, max_decompressed_bytes);
  RecordView view;
  int32_t expected = 0;
  while (true) {
    absl::StatusOr<bool> next = records.Next(&view);
    if (!next.ok()) {
      return absl::IsResourceExhausted(next.status())
                 ? next.status()
                 : absl::InvalidArgumentError(
                       absl::StrCat("malformed record batch: ", next.status().message()));
    }
    if (!*next) break;
    if (view.offset != h.base_offset + expected) {
      return absl::InvalidArgumentError(absl::StrCat(
          "record ", expected, " of the batch has offset delta ", view.offset - h.base_offset));
    }
    out.max_record_bytes_ = std::max(out.max_record_bytes_, records.record_bytes().size());
    out.min_timestamp_ms_ =
        expected == 0 ? view.timestamp_ms : std::min(out.min_timestamp_ms_, view.timestamp_ms);
    out.max_timestamp_ms_ =
        expected == 0 ? view.timestamp_ms : std::max(out.max_timestamp_ms_, view.timestamp_ms);
    ++expected;
  }
  if (expected != h.record_count) {
    return absl::InvalidArgumentError(
        absl::StrCat("the batch says ", h.record_count, " records but holds ", expected));
  }
  return out;
}

void RecordBatchBuilder::AddAt(int32_t offset_delta, absl::string_view key,
                               absl::string_view value, absl::Span<const HeaderView> headers,
                               int64_t timestamp_ms) {
  if (record_count_ == 0) {
    first_timestamp_ms_ = timestamp_ms;
    min_timestamp_ms_ = timestamp_ms;
    max_timestamp_ms_ = timestamp_ms;
  } else {
    min_timestamp_ms_ = std::min(min_timestamp_ms_, timestamp_ms);
    max_timestamp_ms_ = std::max(max_timestamp_ms_, timestamp_ms);
  }
  // Wrapping subtraction; the reader adds with the same wrap.
  const auto ts_delta = static_cast<int64_t>(static_cast<uint64_t>(timestamp_ms) -
                                             static_cast<uint64_t>(first_timestamp_ms_));
  const size_t body = format::EncodedRecordBodySize(key, value, headers.data(), headers.size(),
                                                    ts_delta, offset_delta);
  const size_t size =
      util::coding::VarintLength(util::coding::ZigZagEncode(static_cast<int64_t>(body))) + body;
  // Encode in place at the end of the buffer: the payload is copied once.
  const size_t old_size = batch_.size();
  if (batch_.capacity() < old_size + size) {
    batch_.reserve(std::max(old_size + size, batch_.capacity() * 2));
  }
  batch_.resize(old_size + size);
  char* p = PutSigned(batch_.data() + old_size, static_cast<int64_t>(body));
  *p++ = 0;  // attributes
  p = PutSigned(p, ts_delta);
  p = PutSigned(p, offset_delta);
  p = PutBytes(p, key);
  p = PutBytes(p, value);
  p = PutSigned(p, static_cast<int64_t>(headers.size()));
  for (const HeaderView& h : headers) {
    p = PutBytes(p, h.key);
    p = PutBytes(p, h.value);
  }
  ++record_count_;
  last_offset_delta_ = offset_delta;
  max_record_bytes_ = std::max(max_record_bytes_, size);
}

void RecordBatchBuilder::SetLogAppendTime(int64_t now_ms) {
  attributes_ |= format::kLogAppendTimeBit;
  min_timestamp_ms_ = now_ms;
  max_timestamp_ms_ = now_ms;
}

std::string& RecordBatchBuilder::Seal() {
  if (sealed_) return batch_;
  sealed_ = true;
  format::BatchHeader h;
  if (from_kafka_) {
    h = format::DecodeBatchHeader(batch_.data());
    if (!(attributes_ & format::kLogAppendTimeBit) || (h.attributes & format::kLogAppendTimeBit)) {
      return batch_;  // stored as it came: its checksum stands
    }
    h.attributes = attributes_;
    h.max_timestamp_ms = max_timestamp_ms_;
  } else {
    h.magic = format::kMagicV2;
    h.attributes = attributes_;
    h.last_offset_delta = last_offset_delta_;
    h.record_count = record_count_;
    h.first_timestamp_ms = first_timestamp_ms_;
    h.max_timestamp_ms = max_timestamp_ms_;
  }
  h.batch_length = static_cast<uint32_t>(batch_.size());
  format::EncodeBatchHeader(h, batch_.data());
  format::SealBatch(batch_.data(), batch_.size());
  return batch_;
}

}  // namespace eventlog::storage
