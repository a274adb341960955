// KafkaReader: a bounds-checked reader of Kafka protocol primitives over one
// request or response body. The first failure (truncated input, a count
// larger than the bytes left, a null where none is allowed, a malformed
// varint) is kept in status() and every later read yields defaults, so a
// decoder reads all its fields and checks once at the end.
//
// The same method names as KafkaWriter take the field by reference, so one
// template (a message's Serde) describes both directions. In a flexible
// version (`flexible`), strings, bytes and arrays are the compact forms and
// TaggedFields() skips the tagged fields (all of which are unknown here).
//
// Not thread-safe; one per body. The body must outlive the reader.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace eventlog::kafka {

using Uuid = std::array<uint8_t, 16>;

class KafkaReader {
 public:
  static constexpr bool kReading = true;

  KafkaReader(absl::string_view body, bool flexible) : data_(body), flexible_(flexible) {}

  const absl::Status& status() const { return status_; }
  bool ok() const { return status_.ok(); }
  bool flexible() const { return flexible_; }
  size_t remaining() const { return data_.size(); }
  // INVALID_ARGUMENT if bytes are left after the last field.
  absl::Status Finish();

  void Int8(int8_t& v);
  void Int16(int16_t& v);
  void Int32(int32_t& v);
  void Int64(int64_t& v);
  void Bool(bool& v);
  void Uuid(Uuid& v);
  void UnsignedVarint(uint32_t& v);
  void Varint(int32_t& v);   // zigzag
  void Varlong(int64_t& v);  // zigzag

  void String(std::string& v);
  void NullableString(std::optional<std::string>& v);
  void Bytes(std::string& v);
  void NullableBytes(std::optional<std::string>& v);

  // Elements are read by `read(element)`.
  template <typename T, typename F>
  void Array(std::vector<T>& v, F read) {
    v.clear();
    const int32_t count = ArrayCount(/*nullable=*/false);
    for (int32_t i = 0; i < count && ok(); ++i) read(v.emplace_back());
  }
  template <typename T, typename F>
  void NullableArray(std::optional<std::vector<T>>& v, F read) {
    const int32_t count = ArrayCount(/*nullable=*/true);
    if (count < 0) {
      v.reset();
      return;
    }
    v.emplace();
    for (int32_t i = 0; i < count && ok(); ++i) read(v->emplace_back());
  }

  // Skips the tagged fields of a flexible version; nothing otherwise.
  void TaggedFields();

  // The next `n` raw bytes (view into the body), for the request header.
  absl::string_view Raw(size_t n);
  // A classic (int16-length) nullable string whatever the version: the
  // request header's client id.
  void ClassicNullableString(std::optional<std::string>& v);

 private:
  bool Need(size_t n);
  void Fail(absl::string_view what);
  // -1 for null; otherwise a count checked against the bytes left (every
  // element takes at least one).
  int32_t ArrayCount(bool nullable);
  // Length of a string or bytes field: -1 for null.
  int64_t Length(bool classic_int16);

  absl::string_view data_;
  const bool flexible_;
  absl::Status status_;
};

}  // namespace eventlog::kafka
