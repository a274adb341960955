// Fixed-width and varint integer coding shared by the batch format and the
// LevelDB key encodings. Header-only; stateless, so thread-safe.
//
// Fixed-width values in segment files are little-endian; integers in LevelDB
// keys are big-endian so that bytewise key order is numeric order.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"

namespace eventlog::util::coding {

static_assert(std::endian::native == std::endian::little,
              "segment files are little-endian; add byte swaps for this host");

inline void PutFixed32(char* dst, uint32_t v) { std::memcpy(dst, &v, sizeof(v)); }
inline void PutFixed64(char* dst, uint64_t v) { std::memcpy(dst, &v, sizeof(v)); }
inline uint32_t GetFixed32(const char* src) {
  uint32_t v;
  std::memcpy(&v, src, sizeof(v));
  return v;
}
inline uint64_t GetFixed64(const char* src) {
  uint64_t v;
  std::memcpy(&v, src, sizeof(v));
  return v;
}

inline void AppendBigEndian32(std::string* dst, uint32_t v) {
  v = __builtin_bswap32(v);
  dst->append(reinterpret_cast<const char*>(&v), sizeof(v));
}
inline void AppendBigEndian64(std::string* dst, uint64_t v) {
  v = __builtin_bswap64(v);
  dst->append(reinterpret_cast<const char*>(&v), sizeof(v));
}
inline uint32_t GetBigEndian32(const char* src) { return __builtin_bswap32(GetFixed32(src)); }
inline uint16_t GetBigEndian16(const char* src) {
  uint16_t v;
  std::memcpy(&v, src, sizeof(v));
  return __builtin_bswap16(v);
}
inline void PutBigEndian16(char* dst, uint16_t v) {
  v = __builtin_bswap16(v);
  std::memcpy(dst, &v, sizeof(v));
}
inline void PutBigEndian32(char* dst, uint32_t v) { PutFixed32(dst, __builtin_bswap32(v)); }
inline void PutBigEndian64(char* dst, uint64_t v) { PutFixed64(dst, __builtin_bswap64(v)); }
inline uint64_t GetBigEndian64(const char* src) { return __builtin_bswap64(GetFixed64(src)); }

// Maps signed to unsigned so that numeric order is kept (flips the sign bit);
// for timestamps in big-endian keys.
inline uint64_t OrderPreservingFromSigned(int64_t v) {
  return static_cast<uint64_t>(v) ^ (uint64_t{1} << 63);
}
inline int64_t SignedFromOrderPreserving(uint64_t v) {
  return static_cast<int64_t>(v ^ (uint64_t{1} << 63));
}

inline uint64_t ZigZagEncode(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t ZigZagDecode(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

inline size_t VarintLength(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Writes `v` at `dst` (room for VarintLength(v) bytes); returns the end.
inline char* EncodeVarint(char* dst, uint64_t v) {
  auto* p = reinterpret_cast<unsigned char*>(dst);
  while (v >= 0x80) {
    *p++ = static_cast<unsigned char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<unsigned char>(v);
  return reinterpret_cast<char*>(p);
}

// Reads a varint from [p, limit); returns the position after it, or nullptr
// if it is truncated or longer than 10 bytes.
inline const char* DecodeVarint(const char* p, const char* limit, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && p < limit; shift += 7) {
    const uint64_t byte = static_cast<unsigned char>(*p++);
    result |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      *v = result;
      return p;
    }
  }
  return nullptr;
}

}  // namespace eventlog::util::coding
