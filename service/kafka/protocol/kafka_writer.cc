#include "service/kafka/protocol/kafka_writer.h"

#include <algorithm>

#include "storage/util/coding.h"

namespace eventlog::kafka {

namespace coding = util::coding;

namespace {
constexpr size_t kMaxClassicString = 32767;
}  // namespace

void KafkaWriter::Int16(const int16_t& v) {
  const auto u = static_cast<uint16_t>(v);
  out_->push_back(static_cast<char>(u >> 8));
  out_->push_back(static_cast<char>(u & 0xff));
}
void KafkaWriter::Int32(const int32_t& v) {
  coding::AppendBigEndian32(out_, static_cast<uint32_t>(v));
}
void KafkaWriter::Int64(const int64_t& v) {
  coding::AppendBigEndian64(out_, static_cast<uint64_t>(v));
}

void KafkaWriter::UnsignedVarint(const uint32_t& v) {
  char buffer[5];
  out_->append(buffer, coding::EncodeVarint(buffer, v));
}
void KafkaWriter::Varint(const int32_t& v) {
  const uint32_t zigzag = (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
  UnsignedVarint(zigzag);
}
void KafkaWriter::Varlong(const int64_t& v) {
  char buffer[10];
  out_->append(buffer, coding::EncodeVarint(buffer, coding::ZigZagEncode(v)));
}

void KafkaWriter::Count(int64_t n) {
  if (flexible_) return UnsignedVarint(static_cast<uint32_t>(n + 1));
  Int32(static_cast<int32_t>(n));
}

void KafkaWriter::WriteString(absl::string_view v) {
  if (flexible_) {
    UnsignedVarint(static_cast<uint32_t>(v.size() + 1));
  } else {
    v = v.substr(0, kMaxClassicString);
    Int16(static_cast<int16_t>(v.size()));
  }
  out_->append(v.data(), v.size());
}

void KafkaWriter::NullableString(const std::optional<std::string>& v) {
  if (v.has_value()) return WriteString(*v);
  if (flexible_) return UnsignedVarint(0);
  Int16(-1);
}

void KafkaWriter::ClassicNullableString(const std::optional<std::string>& v) {
  if (!v.has_value()) return Int16(-1);
  const absl::string_view s = absl::string_view(*v).substr(0, kMaxClassicString);
  Int16(static_cast<int16_t>(s.size()));
  out_->append(s.data(), s.size());
}

void KafkaWriter::WriteBytes(absl::string_view v) {
  if (flexible_) {
    UnsignedVarint(static_cast<uint32_t>(v.size() + 1));
  } else {
    Int32(static_cast<int32_t>(v.size()));
  }
  out_->append(v.data(), v.size());
}

void KafkaWriter::NullableBytes(const std::optional<std::string>& v) {
  if (v.has_value()) return WriteBytes(*v);
  Count(-1);
}

}  // namespace eventlog::kafka
