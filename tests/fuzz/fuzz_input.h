// FuzzInput: reads typed values from a fuzzer's input bytes, front to back.
// Past the end every read yields zeros / empty strings, so a target never
// needs to check for exhaustion (short inputs simply mean "defaults").
//
// Not thread-safe; one per input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"

namespace eventlog::fuzz {

class FuzzInput {
 public:
  // `data` must outlive this object.
  FuzzInput(const uint8_t* data, size_t size)
      : data_(reinterpret_cast<const char*>(data)), size_(size) {}

  bool empty() const { return pos_ >= size_; }
  size_t remaining() const { return size_ - pos_; }

  uint8_t Byte() {
    if (empty()) return 0;
    return static_cast<uint8_t>(data_[pos_++]);
  }
  uint16_t U16() { return static_cast<uint16_t>(Byte() | (Byte() << 8)); }
  uint32_t U32() { return U16() | (static_cast<uint32_t>(U16()) << 16); }
  uint64_t U64() { return U32() | (static_cast<uint64_t>(U32()) << 32); }
  int64_t I64() { return static_cast<int64_t>(U64()); }

  // Up to `n` bytes (fewer at the end).
  absl::string_view Bytes(size_t n) {
    n = n < remaining() ? n : remaining();
    absl::string_view out(data_ + pos_, n);
    pos_ += n;
    return out;
  }
  // A length-prefixed (u16) chunk.
  absl::string_view Chunk() { return Bytes(U16()); }
  absl::string_view Rest() { return Bytes(remaining()); }

 private:
  const char* const data_;
  const size_t size_;
  size_t pos_ = 0;
};

}  // namespace eventlog::fuzz
