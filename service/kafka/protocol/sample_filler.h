// testing::SampleFiller: a third Serde direction that fills every field a
// version has with varied, deterministic values (two elements per array,
// some nulls), so that tests and the fuzzers' seed corpus get a populated
// message of every API at every version without a hand-written sample per
// message. Exposed for testing only; the server never uses it.
//
// Not thread-safe; one per message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "service/kafka/protocol/kafka_reader.h"

namespace eventlog::kafka::testing {

class SampleFiller {
 public:
  // Behaves as a reader in Serde (fills the struct from "the wire").
  static constexpr bool kReading = true;

  explicit SampleFiller(uint32_t seed) : state_(seed * 2654435761u + 1) {}

  bool flexible() const { return false; }
  bool ok() const { return true; }

  void Int8(int8_t& v) { v = static_cast<int8_t>(Next()); }
  void Int16(int16_t& v) { v = static_cast<int16_t>(Next()); }
  void Int32(int32_t& v) { v = static_cast<int32_t>(Next()); }
  void Int64(int64_t& v) { v = static_cast<int64_t>((uint64_t{Next()} << 32) | Next()); }
  void Bool(bool& v) { v = (Next() & 1) != 0; }
  void Uuid(kafka::Uuid& v) {
    for (uint8_t& b : v) b = static_cast<uint8_t>(Next());
  }
  void UnsignedVarint(uint32_t& v) { v = Next(); }
  void Varint(int32_t& v) { Int32(v); }
  void Varlong(int64_t& v) { Int64(v); }

  void String(std::string& v) { v = absl::StrCat("s", Next() % 1000); }
  void NullableString(std::optional<std::string>& v) {
    if (Next() % 4 == 0) {
      v.reset();
    } else {
      v = absl::StrCat("n", Next() % 1000);
    }
  }
  void ClassicNullableString(std::optional<std::string>& v) { NullableString(v); }
  void Bytes(std::string& v) { v = std::string(Next() % 8, static_cast<char>(Next())); }
  void NullableBytes(std::optional<std::string>& v) {
    if (Next() % 4 == 0) {
      v.reset();
    } else {
      v.emplace();
      Bytes(*v);
    }
  }

  template <typename T, typename F>
  void Array(std::vector<T>& v, F fill) {
    v.assign(2, T{});
    for (T& element : v) fill(element);
  }
  template <typename T, typename F>
  void NullableArray(std::optional<std::vector<T>>& v, F fill) {
    if (Next() % 4 == 0) {
      v.reset();
      return;
    }
    v.emplace();
    Array(*v, fill);
  }

  void TaggedFields() {}

 private:
  uint32_t Next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return state_;
  }

  uint32_t state_;
};

}  // namespace eventlog::kafka::testing
