#include "service/kafka/protocol/kafka_reader.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "storage/util/coding.h"

namespace eventlog::kafka {

namespace coding = util::coding;

absl::Status KafkaReader::Finish() {
  if (ok() && !data_.empty()) Fail(absl::StrCat(data_.size(), " bytes after the last field"));
  return status_;
}

void KafkaReader::Fail(absl::string_view what) {
  if (status_.ok()) status_ = absl::InvalidArgumentError(absl::StrCat("malformed message: ", what));
  data_ = {};
}

bool KafkaReader::Need(size_t n) {
  if (!ok()) return false;
  if (data_.size() < n) {
    Fail("truncated");
    return false;
  }
  return true;
}

absl::string_view KafkaReader::Raw(size_t n) {
  if (!Need(n)) return {};
  absl::string_view out = data_.substr(0, n);
  data_.remove_prefix(n);
  return out;
}

void KafkaReader::Int8(int8_t& v) {
  v = 0;
  if (Need(1)) v = static_cast<int8_t>(Raw(1)[0]);
}
void KafkaReader::Int16(int16_t& v) {
  v = 0;
  if (!Need(2)) return;
  const absl::string_view b = Raw(2);
  v = static_cast<int16_t>((static_cast<uint8_t>(b[0]) << 8) | static_cast<uint8_t>(b[1]));
}
void KafkaReader::Int32(int32_t& v) {
  v = 0;
  if (Need(4)) v = static_cast<int32_t>(coding::GetBigEndian32(Raw(4).data()));
}
void KafkaReader::Int64(int64_t& v) {
  v = 0;
  if (Need(8)) v = static_cast<int64_t>(coding::GetBigEndian64(Raw(8).data()));
}
void KafkaReader::Bool(bool& v) {
  int8_t byte = 0;
  Int8(byte);
  v = byte != 0;
}
void KafkaReader::Uuid(kafka::Uuid& v) {
  v = {};
  if (Need(16)) std::memcpy(v.data(), Raw(16).data(), 16);
}

void KafkaReader::UnsignedVarint(uint32_t& v) {
  v = 0;
  uint32_t result = 0;
  // At most five bytes, the fifth holding the top four bits (as Kafka's
  // ByteUtils.readUnsignedVarint).
  for (int i = 0; i < 5; ++i) {
    if (!Need(1)) return;
    const uint8_t byte = static_cast<uint8_t>(Raw(1)[0]);
    if (i == 4 && byte > 0x0f) break;
    result |= static_cast<uint32_t>(byte & 0x7f) << (7 * i);
    if (byte < 0x80) {
      v = result;
      return;
    }
  }
  Fail("unsigned varint too long");
}

void KafkaReader::Varint(int32_t& v) {
  uint32_t raw = 0;
  UnsignedVarint(raw);
  v = static_cast<int32_t>((raw >> 1) ^ (~(raw & 1) + 1));
}

void KafkaReader::Varlong(int64_t& v) {
  v = 0;
  uint64_t raw = 0;
  const char* end = coding::DecodeVarint(data_.data(), data_.data() + data_.size(), &raw);
  if (!ok()) return;
  if (end == nullptr) {
    Fail("malformed varlong");
    return;
  }
  data_.remove_prefix(static_cast<size_t>(end - data_.data()));
  v = coding::ZigZagDecode(raw);
}

int64_t KafkaReader::Length(bool classic_int16) {
  if (flexible_) {
    uint32_t n = 0;
    UnsignedVarint(n);
    return static_cast<int64_t>(n) - 1;
  }
  if (classic_int16) {
    int16_t n = 0;
    Int16(n);
    return n;
  }
  int32_t n = 0;
  Int32(n);
  return n;
}

void KafkaReader::String(std::string& v) {
  std::optional<std::string> s;
  NullableString(s);
  if (ok() && !s.has_value()) Fail("null string where none is allowed");
  v = s.value_or("");
}

void KafkaReader::NullableString(std::optional<std::string>& v) {
  v.reset();
  const int64_t n = Length(/*classic_int16=*/true);
  if (!ok()) return;
  if (n < -1) return Fail("negative string length");
  if (n == -1) return;
  if (Need(static_cast<size_t>(n))) v.emplace(Raw(static_cast<size_t>(n)));
}

void KafkaReader::ClassicNullableString(std::optional<std::string>& v) {
  v.reset();
  int16_t n = 0;
  Int16(n);
  if (!ok()) return;
  if (n < -1) return Fail("negative string length");
  if (n >= 0 && Need(static_cast<size_t>(n))) v.emplace(Raw(static_cast<size_t>(n)));
}

void KafkaReader::Bytes(std::string& v) {
  std::optional<std::string> b;
  NullableBytes(b);
  if (ok() && !b.has_value()) Fail("null bytes where none are allowed");
  v = b.value_or("");
}

void KafkaReader::NullableBytes(std::optional<std::string>& v) {
  v.reset();
  const int64_t n = Length(/*classic_int16=*/false);
  if (!ok()) return;
  if (n < -1) return Fail("negative bytes length");
  if (n == -1) return;
  if (Need(static_cast<size_t>(n))) v.emplace(Raw(static_cast<size_t>(n)));
}

int32_t KafkaReader::ArrayCount(bool nullable) {
  const int64_t n = Length(/*classic_int16=*/false);
  if (!ok()) return 0;
  if (n == -1) {
    if (nullable) return -1;
    Fail("null array where none is allowed");
    return 0;
  }
  if (n < -1) {
    Fail("negative array length");
    return 0;
  }
  if (static_cast<uint64_t>(n) > data_.size()) {
    Fail(absl::StrCat("array of ", n, " elements in ", data_.size(), " bytes"));
    return 0;
  }
  return static_cast<int32_t>(n);
}

void KafkaReader::TaggedFields() {
  if (!flexible_) return;
  uint32_t count = 0;
  UnsignedVarint(count);
  for (uint32_t i = 0; i < count && ok(); ++i) {
    uint32_t tag = 0;
    uint32_t size = 0;
    UnsignedVarint(tag);
    UnsignedVarint(size);
    Raw(size);  // unknown to this version: skipped
  }
}

}  // namespace eventlog::kafka
