// KafkaWriter: appends Kafka protocol primitives to a string, with the same
// method names as KafkaReader (fields by reference) so that one Serde
// template per message writes and reads. In a flexible version strings,
// bytes and arrays take their compact forms and TaggedFields() writes an
// empty tag section (this server sends no tagged fields).
//
// Writing cannot fail: a classic string longer than 32767 bytes is cut to
// that length (only free-text error messages can be that long).
//
// Not thread-safe. `*out` must outlive the writer.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "service/kafka/protocol/kafka_reader.h"

namespace eventlog::kafka {

class KafkaWriter {
 public:
  static constexpr bool kReading = false;

  KafkaWriter(std::string* out, bool flexible) : out_(out), flexible_(flexible) {}

  bool flexible() const { return flexible_; }
  bool ok() const { return true; }

  void Int8(const int8_t& v) { out_->push_back(static_cast<char>(v)); }
  void Int16(const int16_t& v);
  void Int32(const int32_t& v);
  void Int64(const int64_t& v);
  void Bool(const bool& v) { out_->push_back(v ? 1 : 0); }
  void Uuid(const kafka::Uuid& v) { out_->append(reinterpret_cast<const char*>(v.data()), 16); }
  void UnsignedVarint(const uint32_t& v);
  void Varint(const int32_t& v);
  void Varlong(const int64_t& v);

  void String(const std::string& v) { WriteString(v); }
  void NullableString(const std::optional<std::string>& v);
  void Bytes(const std::string& v) { WriteBytes(v); }
  void NullableBytes(const std::optional<std::string>& v);

  template <typename T, typename F>
  void Array(std::vector<T>& v, F write) {
    Count(static_cast<int64_t>(v.size()));
    for (T& element : v) write(element);
  }
  template <typename T, typename F>
  void NullableArray(std::optional<std::vector<T>>& v, F write) {
    if (!v.has_value()) return Count(-1);
    Array(*v, write);
  }

  void TaggedFields() {
    if (flexible_) out_->push_back(0);
  }

  void ClassicNullableString(const std::optional<std::string>& v);

 private:
  void Count(int64_t n);  // -1: null
  void WriteString(absl::string_view v);
  void WriteBytes(absl::string_view v);

  std::string* const out_;
  const bool flexible_;
};

}  // namespace eventlog::kafka
