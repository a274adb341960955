#include "storage/format/record_batch_format.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "storage/util/coding.h"
#include "storage/util/crc32c.h"

namespace eventlog::storage::format {

using util::coding::DecodeVarint;
using util::coding::GetFixed32;
using util::coding::GetFixed64;
using util::coding::PutFixed32;
using util::coding::PutFixed64;
using util::coding::VarintLength;

void EncodeBatchHeader(const BatchHeader& h, char* dst) {
  PutFixed64(dst + 0, static_cast<uint64_t>(h.base_offset));
  PutFixed32(dst + 8, h.batch_length);
  PutFixed32(dst + 12, h.crc);
  dst[16] = static_cast<char>(h.magic);
  dst[17] = static_cast<char>(h.attributes);
  dst[18] = 0;
  dst[19] = 0;
  PutFixed32(dst + 20, static_cast<uint32_t>(h.leader_epoch));
  PutFixed32(dst + 24, static_cast<uint32_t>(h.last_offset_delta));
  PutFixed32(dst + 28, static_cast<uint32_t>(h.record_count));
  PutFixed64(dst + 32, static_cast<uint64_t>(h.first_timestamp_ms));
  PutFixed64(dst + 40, static_cast<uint64_t>(h.max_timestamp_ms));
}

BatchHeader DecodeBatchHeader(const char* src) {
  BatchHeader h;
  h.base_offset = static_cast<int64_t>(GetFixed64(src + 0));
  h.batch_length = GetFixed32(src + 8);
  h.crc = GetFixed32(src + 12);
  h.magic = static_cast<uint8_t>(src[16]);
  h.attributes = static_cast<uint8_t>(src[17]);
  h.leader_epoch = static_cast<int32_t>(GetFixed32(src + 20));
  h.last_offset_delta = static_cast<int32_t>(GetFixed32(src + 24));
  h.record_count = static_cast<int32_t>(GetFixed32(src + 28));
  h.first_timestamp_ms = static_cast<int64_t>(GetFixed64(src + 32));
  h.max_timestamp_ms = static_cast<int64_t>(GetFixed64(src + 40));
  return h;
}

absl::Status CheckBatchHeader(const BatchHeader& h) {
  if (h.magic != kMagic) {
    return absl::DataLossError(absl::StrCat("unknown batch magic ", h.magic));
  }
  if (h.batch_length < kBatchHeaderSize || h.batch_length > kMaxBatchBytes) {
    return absl::DataLossError(absl::StrCat("bad batch length ", h.batch_length));
  }
  // In 64 bits: last_offset_delta may be INT32_MAX. The batch's offsets must
  // fit in int64 (next_offset() included).
  if (h.base_offset < 0 || h.record_count < 0 || h.last_offset_delta < 0 ||
      h.record_count > int64_t{h.last_offset_delta} + 1 ||
      h.base_offset > std::numeric_limits<int64_t>::max() - 1 - h.last_offset_delta) {
    return absl::DataLossError(absl::StrCat("bad batch header (base offset ", h.base_offset, ", ",
                                            h.record_count, " records)"));
  }
  return absl::OkStatus();
}

uint32_t BodyCrc(const char* header, absl::string_view records) {
  uint32_t crc = util::crc32c::Value(header + kCrcCoveredFrom, kBatchHeaderSize - kCrcCoveredFrom);
  return util::crc32c::Extend(crc, records.data(), records.size());
}

uint32_t FinishCrc(uint32_t body_crc, const char* header) {
  return util::crc32c::Extend(body_crc, header, kCrcPos);
}

uint32_t ComputeCrc(absl::string_view batch) {
  return FinishCrc(BodyCrc(batch.data(), batch.substr(kBatchHeaderSize)), batch.data());
}

absl::Status VerifyBatch(absl::string_view batch, absl::string_view where) {
  if (batch.size() < kBatchHeaderSize) {
    return absl::DataLossError(absl::StrCat("truncated batch header at ", where));
  }
  const BatchHeader h = DecodeBatchHeader(batch.data());
  absl::Status s = CheckBatchHeader(h);
  if (!s.ok()) return absl::DataLossError(absl::StrCat(s.message(), " at ", where));
  if (h.batch_length != batch.size()) {
    return absl::DataLossError(absl::StrCat("truncated batch at ", where));
  }
  if (ComputeCrc(batch) != h.crc) {
    return absl::DataLossError(absl::StrCat("checksum mismatch in batch at ", where,
                                            " (base offset ", h.base_offset, ")"));
  }
  return absl::OkStatus();
}

size_t EncodedRecordBodySize(absl::string_view key, absl::string_view value,
                             const HeaderView* headers, size_t header_count,
                             uint64_t zigzag_ts_delta, uint32_t offset_delta) {
  size_t body = 1 + VarintLength(zigzag_ts_delta) + VarintLength(offset_delta) +
                VarintLength(key.size()) + key.size() + VarintLength(value.size()) + value.size() +
                VarintLength(header_count);
  for (size_t i = 0; i < header_count; ++i) {
    body += VarintLength(headers[i].key.size()) + headers[i].key.size() +
            VarintLength(headers[i].value.size()) + headers[i].value.size();
  }
  return body;
}

namespace {

// Reads a varint length and that many bytes from [*p, limit).
inline bool DecodeBytes(const char** p, const char* limit, absl::string_view* out) {
  uint64_t n;
  const char* q = DecodeVarint(*p, limit, &n);
  if (q == nullptr || n > static_cast<uint64_t>(limit - q)) return false;
  *out = absl::string_view(q, n);
  *p = q + n;
  return true;
}

}  // namespace

bool DecodeRecord(const BatchHeader& header, const char** p, const char* limit, RecordView* out) {
  uint64_t body_length;
  const char* q = DecodeVarint(*p, limit, &body_length);
  if (q == nullptr || body_length > static_cast<uint64_t>(limit - q) || body_length < 1) {
    return false;
  }
  const char* end = q + body_length;
  ++q;  // attributes
  uint64_t ts_delta, offset_delta, header_count;
  if ((q = DecodeVarint(q, end, &ts_delta)) == nullptr) return false;
  if ((q = DecodeVarint(q, end, &offset_delta)) == nullptr) return false;
  // A record's offset lies within its batch (compaction keeps
  // last_offset_delta), which also keeps base_offset + delta from overflowing.
  if (offset_delta > static_cast<uint64_t>(header.last_offset_delta)) return false;
  if (!DecodeBytes(&q, end, &out->key) || !DecodeBytes(&q, end, &out->value)) return false;
  if ((q = DecodeVarint(q, end, &header_count)) == nullptr) return false;
  out->headers.clear();
  if (header_count > 0) {
    // Each header takes at least two bytes: bounds the reservation.
    if (header_count > static_cast<uint64_t>(end - q) / 2) return false;
    out->headers.reserve(header_count);
    for (uint64_t i = 0; i < header_count; ++i) {
      HeaderView h;
      if (!DecodeBytes(&q, end, &h.key) || !DecodeBytes(&q, end, &h.value)) return false;
      out->headers.push_back(h);
    }
  }
  if (q != end) return false;
  out->offset = header.base_offset + static_cast<int64_t>(offset_delta);
  // Wrapping add, mirroring the builder's wrapping subtraction.
  out->timestamp_ms =
      static_cast<int64_t>(static_cast<uint64_t>(header.first_timestamp_ms) +
                           static_cast<uint64_t>(util::coding::ZigZagDecode(ts_delta)));
  *p = end;
  return true;
}

bool SkipRecord(const char** p, const char* limit, uint32_t* offset_delta) {
  uint64_t body_length;
  const char* q = DecodeVarint(*p, limit, &body_length);
  if (q == nullptr || body_length > static_cast<uint64_t>(limit - q) || body_length < 1) {
    return false;
  }
  const char* end = q + body_length;
  uint64_t ts_delta, delta;
  const char* r = DecodeVarint(q + 1, end, &ts_delta);
  if (r == nullptr || DecodeVarint(r, end, &delta) == nullptr) return false;
  *offset_delta = static_cast<uint32_t>(delta);
  *p = end;
  return true;
}

}  // namespace eventlog::storage::format
