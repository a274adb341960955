#include "storage/util/crc32c.h"

#include <nmmintrin.h>

#include <array>
#include <cstring>

namespace eventlog::util::crc32c {
namespace {

constexpr uint32_t kPolynomial = 0x82f63b78;  // reflected Castagnoli

using Tables = std::array<std::array<uint32_t, 256>, 8>;

// tables[k][b]: CRC of byte b followed by k zero bytes (slicing-by-8).
constexpr Tables MakeTables() {
  Tables t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t crc = b;
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ ((crc & 1) ? kPolynomial : 0);
    t[0][b] = crc;
  }
  for (uint32_t b = 0; b < 256; ++b) {
    for (int k = 1; k < 8; ++k) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
  }
  return t;
}

constexpr Tables kTables = MakeTables();

uint32_t ExtendPortable(uint32_t crc, const char* data, size_t n) {
  const auto* p = reinterpret_cast<const uint8_t*>(data);
  uint32_t c = ~crc;
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    const uint32_t lo = static_cast<uint32_t>(word) ^ c;
    const uint32_t hi = static_cast<uint32_t>(word >> 32);
    c = kTables[7][lo & 0xff] ^ kTables[6][(lo >> 8) & 0xff] ^ kTables[5][(lo >> 16) & 0xff] ^
        kTables[4][lo >> 24] ^ kTables[3][hi & 0xff] ^ kTables[2][(hi >> 8) & 0xff] ^
        kTables[1][(hi >> 16) & 0xff] ^ kTables[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = (c >> 8) ^ kTables[0][(c ^ *p++) & 0xff];
  return ~c;
}

// The SSE4.2 path runs three independent crc32 streams over consecutive
// blocks of kStride bytes (the instruction has a latency of three cycles but
// a throughput of one per cycle), then merges them: for the raw CRC
// register, crc(R, A|B|C) = shift(crc(R, A), 2L) ^ shift(crc(0, B), L) ^
// crc(0, C), where shift(x, n) appends n zero bytes. Shifting is linear, so
// it is four table lookups per byte of the register.
constexpr size_t kStride = 2048;

struct ShiftTables {
  uint32_t by_stride[4][256];
  uint32_t by_two_strides[4][256];
};

uint32_t ShiftByZeros(uint32_t crc, size_t n) {
  for (size_t i = 0; i < n; ++i) crc = (crc >> 8) ^ kTables[0][crc & 0xff];
  return crc;
}

ShiftTables MakeShiftTables() {
  ShiftTables t;
  for (int k = 0; k < 4; ++k) {
    for (uint32_t v = 0; v < 256; ++v) {
      t.by_stride[k][v] = ShiftByZeros(v << (8 * k), kStride);
      t.by_two_strides[k][v] = ShiftByZeros(v << (8 * k), 2 * kStride);
    }
  }
  return t;
}

const ShiftTables& GetShiftTables() {
  static const ShiftTables tables = MakeShiftTables();  // trivially destructible
  return tables;
}

inline uint32_t Shift(const uint32_t (&table)[4][256], uint32_t crc) {
  return table[0][crc & 0xff] ^ table[1][(crc >> 8) & 0xff] ^ table[2][(crc >> 16) & 0xff] ^
         table[3][crc >> 24];
}

__attribute__((target("sse4.2"))) uint32_t ExtendSse42(uint32_t crc, const char* data, size_t n) {
  const auto* p = reinterpret_cast<const uint8_t*>(data);
  uint64_t c = ~crc;
  if (n >= 3 * kStride) {
    const ShiftTables& shift = GetShiftTables();
    do {
      uint64_t c1 = 0;
      uint64_t c2 = 0;
      for (size_t i = 0; i < kStride; i += 8) {
        uint64_t w0, w1, w2;
        std::memcpy(&w0, p + i, 8);
        std::memcpy(&w1, p + kStride + i, 8);
        std::memcpy(&w2, p + 2 * kStride + i, 8);
        c = _mm_crc32_u64(c, w0);
        c1 = _mm_crc32_u64(c1, w1);
        c2 = _mm_crc32_u64(c2, w2);
      }
      c = Shift(shift.by_two_strides, static_cast<uint32_t>(c)) ^
          Shift(shift.by_stride, static_cast<uint32_t>(c1)) ^ static_cast<uint32_t>(c2);
      p += 3 * kStride;
      n -= 3 * kStride;
    } while (n >= 3 * kStride);
  }
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (n-- > 0) c32 = _mm_crc32_u8(c32, *p++);
  return ~c32;
}

bool DetectSse42() {
  __builtin_cpu_init();  // may run before libgcc's own initializer
  return __builtin_cpu_supports("sse4.2");
}

const bool kHasSse42 = DetectSse42();

}  // namespace

uint32_t Extend(uint32_t crc, const char* data, size_t n) {
  return kHasSse42 ? ExtendSse42(crc, data, n) : ExtendPortable(crc, data, n);
}

bool TEST_HasSse42() { return kHasSse42; }
uint32_t TEST_ExtendPortable(uint32_t crc, const char* data, size_t n) {
  return ExtendPortable(crc, data, n);
}
uint32_t TEST_ExtendSse42(uint32_t crc, const char* data, size_t n) {
  return ExtendSse42(crc, data, n);
}

}  // namespace eventlog::util::crc32c
