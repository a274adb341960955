#include "storage/format/record_batch_format.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "storage/util/coding.h"
#include "storage/util/crc32c.h"

namespace eventlog::storage::format {
namespace {

using util::coding::DecodeVarint;
using util::coding::GetBigEndian16;
using util::coding::GetBigEndian32;
using util::coding::GetBigEndian64;
using util::coding::GetFixed32;
using util::coding::GetFixed64;
using util::coding::PutBigEndian16;
using util::coding::PutBigEndian32;
using util::coding::PutBigEndian64;
using util::coding::PutFixed32;
using util::coding::PutFixed64;
using util::coding::VarintLength;
using util::coding::ZigZagDecode;
using util::coding::ZigZagEncode;

// Magic 1: the CRC covers the header from here on, then bytes [0, 12).
constexpr size_t kV1CrcPos = 12;
constexpr size_t kV1CrcCoveredFrom = 16;
// Magic 2: the CRC field, and what it covers (attributes to the end).
constexpr size_t kV2CrcPos = 17;
constexpr size_t kV2CrcCoveredFrom = 21;

uint32_t V1Crc(absl::string_view batch) {
  uint32_t crc =
      util::crc32c::Value(batch.data() + kV1CrcCoveredFrom, batch.size() - kV1CrcCoveredFrom);
  return util::crc32c::Extend(crc, batch.data(), kV1CrcPos);
}

uint32_t V2Crc(absl::string_view batch) {
  return util::crc32c::Value(batch.data() + kV2CrcCoveredFrom, batch.size() - kV2CrcCoveredFrom);
}

// Magic 1 (unsigned varints): a varint length and that many bytes.
bool DecodeBytesV1(const char** p, const char* limit, absl::string_view* out) {
  uint64_t n;
  const char* q = DecodeVarint(*p, limit, &n);
  if (q == nullptr || n > static_cast<uint64_t>(limit - q)) return false;
  *out = absl::string_view(q, n);
  *p = q + n;
  return true;
}

// Magic 2 (zigzag varints): a signed varint.
bool DecodeSigned(const char** p, const char* limit, int64_t* out) {
  uint64_t raw;
  const char* q = DecodeVarint(*p, limit, &raw);
  if (q == nullptr) return false;
  *out = ZigZagDecode(raw);
  *p = q;
  return true;
}

// Magic 2: a signed varint length (-1: null, read as empty) and the bytes.
bool DecodeBytesV2(const char** p, const char* limit, absl::string_view* out) {
  int64_t n;
  if (!DecodeSigned(p, limit, &n) || n < -1 || n > limit - *p) return false;
  if (n <= 0) {
    *out = absl::string_view();
    return true;
  }
  *out = absl::string_view(*p, static_cast<size_t>(n));
  *p += n;
  return true;
}

bool DecodeRecordV1(const BatchHeader& header, const char** p, const char* limit, RecordView* out) {
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
  if (!DecodeBytesV1(&q, end, &out->key) || !DecodeBytesV1(&q, end, &out->value)) return false;
  if ((q = DecodeVarint(q, end, &header_count)) == nullptr) return false;
  out->headers.clear();
  if (header_count > 0) {
    // Each header takes at least two bytes: bounds the reservation.
    if (header_count > static_cast<uint64_t>(end - q) / 2) return false;
    out->headers.reserve(header_count);
    for (uint64_t i = 0; i < header_count; ++i) {
      HeaderView h;
      if (!DecodeBytesV1(&q, end, &h.key) || !DecodeBytesV1(&q, end, &h.value)) return false;
      out->headers.push_back(h);
    }
  }
  if (q != end) return false;
  out->offset = header.base_offset + static_cast<int64_t>(offset_delta);
  // Wrapping add, mirroring the writer's wrapping subtraction.
  out->timestamp_ms = static_cast<int64_t>(static_cast<uint64_t>(header.first_timestamp_ms) +
                                           static_cast<uint64_t>(ZigZagDecode(ts_delta)));
  *p = end;
  return true;
}

bool DecodeRecordV2(const BatchHeader& header, const char** p, const char* limit, RecordView* out) {
  const char* q = *p;
  int64_t length;
  if (!DecodeSigned(&q, limit, &length) || length < 1 || length > limit - q) return false;
  const char* end = q + length;
  ++q;  // attributes
  int64_t ts_delta, offset_delta, header_count;
  if (!DecodeSigned(&q, end, &ts_delta) || !DecodeSigned(&q, end, &offset_delta)) return false;
  // A record's offset lies within its batch, which also keeps base_offset +
  // delta from overflowing.
  if (offset_delta < 0 || offset_delta > header.last_offset_delta) return false;
  if (!DecodeBytesV2(&q, end, &out->key) || !DecodeBytesV2(&q, end, &out->value)) return false;
  if (!DecodeSigned(&q, end, &header_count) || header_count < 0) return false;
  out->headers.clear();
  if (header_count > 0) {
    // Each header takes at least two bytes: bounds the reservation.
    if (header_count > (end - q) / 2) return false;
    out->headers.reserve(static_cast<size_t>(header_count));
    for (int64_t i = 0; i < header_count; ++i) {
      HeaderView h;
      if (!DecodeBytesV2(&q, end, &h.key) || !DecodeBytesV2(&q, end, &h.value)) return false;
      out->headers.push_back(h);
    }
  }
  if (q != end) return false;
  out->offset = header.base_offset + offset_delta;
  out->timestamp_ms = header.log_append_time()
                          ? header.max_timestamp_ms
                          : static_cast<int64_t>(static_cast<uint64_t>(header.first_timestamp_ms) +
                                                 static_cast<uint64_t>(ts_delta));
  *p = end;
  return true;
}

}  // namespace

size_t HeaderSizeOf(const char* src) {
  switch (static_cast<uint8_t>(src[kMagicPos])) {
    case kMagicV1:
      return kV1HeaderSize;
    case kMagicV2:
      return kV2HeaderSize;
    default:
      return 0;
  }
}

int64_t BaseOffsetOf(const char* src) {
  return static_cast<uint8_t>(src[kMagicPos]) == kMagicV1
             ? static_cast<int64_t>(GetFixed64(src))
             : static_cast<int64_t>(GetBigEndian64(src));
}

void EncodeBatchHeader(const BatchHeader& h, char* dst) {
  if (h.magic == kMagicV1) {
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
    return;
  }
  PutBigEndian64(dst + 0, static_cast<uint64_t>(h.base_offset));
  PutBigEndian32(dst + 8, h.batch_length - 12);
  PutBigEndian32(dst + 12, static_cast<uint32_t>(h.leader_epoch));
  dst[16] = static_cast<char>(h.magic);
  PutBigEndian32(dst + 17, h.crc);
  PutBigEndian16(dst + 21, static_cast<uint16_t>(h.attributes));
  PutBigEndian32(dst + 23, static_cast<uint32_t>(h.last_offset_delta));
  PutBigEndian64(dst + 27, static_cast<uint64_t>(h.first_timestamp_ms));
  PutBigEndian64(dst + 35, static_cast<uint64_t>(h.max_timestamp_ms));
  PutBigEndian64(dst + 43, static_cast<uint64_t>(h.producer_id));
  PutBigEndian16(dst + 51, static_cast<uint16_t>(h.producer_epoch));
  PutBigEndian32(dst + 53, static_cast<uint32_t>(h.base_sequence));
  PutBigEndian32(dst + 57, static_cast<uint32_t>(h.record_count));
}

BatchHeader DecodeBatchHeader(const char* src) {
  BatchHeader h;
  h.magic = static_cast<uint8_t>(src[kMagicPos]);
  if (h.magic == kMagicV1) {
    h.base_offset = static_cast<int64_t>(GetFixed64(src + 0));
    h.batch_length = GetFixed32(src + 8);
    h.crc = GetFixed32(src + 12);
    h.attributes = static_cast<uint8_t>(src[17]);
    h.leader_epoch = static_cast<int32_t>(GetFixed32(src + 20));
    h.last_offset_delta = static_cast<int32_t>(GetFixed32(src + 24));
    h.record_count = static_cast<int32_t>(GetFixed32(src + 28));
    h.first_timestamp_ms = static_cast<int64_t>(GetFixed64(src + 32));
    h.max_timestamp_ms = static_cast<int64_t>(GetFixed64(src + 40));
    return h;
  }
  h.base_offset = static_cast<int64_t>(GetBigEndian64(src + 0));
  // The length after the field; kept whole-batch here (unsigned: a negative
  // or huge value fails CheckBatchHeader).
  h.batch_length = GetBigEndian32(src + 8) + 12;
  h.leader_epoch = static_cast<int32_t>(GetBigEndian32(src + 12));
  h.crc = GetBigEndian32(src + 17);
  h.attributes = static_cast<int16_t>(GetBigEndian16(src + 21));
  h.last_offset_delta = static_cast<int32_t>(GetBigEndian32(src + 23));
  h.first_timestamp_ms = static_cast<int64_t>(GetBigEndian64(src + 27));
  h.max_timestamp_ms = static_cast<int64_t>(GetBigEndian64(src + 35));
  h.producer_id = static_cast<int64_t>(GetBigEndian64(src + 43));
  h.producer_epoch = static_cast<int16_t>(GetBigEndian16(src + 51));
  h.base_sequence = static_cast<int32_t>(GetBigEndian32(src + 53));
  h.record_count = static_cast<int32_t>(GetBigEndian32(src + 57));
  return h;
}

absl::Status CheckBatchHeader(const BatchHeader& h) {
  if (h.magic != kMagicV1 && h.magic != kMagicV2) {
    return absl::DataLossError(absl::StrCat("unknown batch magic ", h.magic));
  }
  if (h.batch_length < h.header_size() || h.batch_length > kMaxBatchBytes) {
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
  if (h.compression() > 4) {
    return absl::DataLossError(absl::StrCat("unknown compression ", h.compression()));
  }
  return absl::OkStatus();
}

uint32_t ComputeCrc(absl::string_view batch) {
  return static_cast<uint8_t>(batch[kMagicPos]) == kMagicV1 ? V1Crc(batch) : V2Crc(batch);
}

void SealBatch(char* batch, size_t size) {
  const uint32_t crc = ComputeCrc(absl::string_view(batch, size));
  if (static_cast<uint8_t>(batch[kMagicPos]) == kMagicV1) {
    PutFixed32(batch + kV1CrcPos, crc);
  } else {
    PutBigEndian32(batch + kV2CrcPos, crc);
  }
}

void SetBaseOffset(char* header, int64_t base_offset) {
  if (static_cast<uint8_t>(header[kMagicPos]) == kMagicV1) {
    PutFixed64(header, static_cast<uint64_t>(base_offset));
  } else {
    PutBigEndian64(header, static_cast<uint64_t>(base_offset));
  }
}

void SetLeaderEpoch(char* header, int32_t leader_epoch) {
  if (static_cast<uint8_t>(header[kMagicPos]) == kMagicV1) {
    PutFixed32(header + 20, static_cast<uint32_t>(leader_epoch));
  } else {
    PutBigEndian32(header + 12, static_cast<uint32_t>(leader_epoch));
  }
}

absl::Status VerifyBatch(absl::string_view batch, absl::string_view where) {
  if (batch.size() < kHeaderPrefixSize || HeaderSizeOf(batch.data()) == 0 ||
      batch.size() < HeaderSizeOf(batch.data())) {
    return absl::DataLossError(absl::StrCat("truncated or unknown batch header at ", where));
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
                             int64_t timestamp_delta, int32_t offset_delta) {
  auto signed_length = [](int64_t v) { return VarintLength(ZigZagEncode(v)); };
  size_t body = 1 + signed_length(timestamp_delta) + signed_length(offset_delta) +
                signed_length(static_cast<int64_t>(key.size())) + key.size() +
                signed_length(static_cast<int64_t>(value.size())) + value.size() +
                signed_length(static_cast<int64_t>(header_count));
  for (size_t i = 0; i < header_count; ++i) {
    body += signed_length(static_cast<int64_t>(headers[i].key.size())) + headers[i].key.size() +
            signed_length(static_cast<int64_t>(headers[i].value.size())) + headers[i].value.size();
  }
  return body;
}

bool DecodeRecord(const BatchHeader& header, const char** p, const char* limit, RecordView* out) {
  return header.magic == kMagicV1 ? DecodeRecordV1(header, p, limit, out)
                                  : DecodeRecordV2(header, p, limit, out);
}

}  // namespace eventlog::storage::format
