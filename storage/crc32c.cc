#include "storage/crc32c.h"

#include <nmmintrin.h>

#include <array>
#include <cstring>

namespace eventlog::storage::crc32c {
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

__attribute__((target("sse4.2"))) uint32_t ExtendSse42(uint32_t crc, const char* data, size_t n) {
  const auto* p = reinterpret_cast<const uint8_t*>(data);
  uint64_t c = ~crc;
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

}  // namespace eventlog::storage::crc32c
