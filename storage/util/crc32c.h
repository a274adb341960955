// CRC32C (Castagnoli), the checksum of record batches. Uses the SSE4.2 crc32
// instruction when the CPU has it (detected once at run time) and a
// slicing-by-8 table otherwise. Stateless, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

namespace eventlog::util::crc32c {

// Returns the CRC32C of concat(A, data[0, n)) where `crc` is the CRC32C of
// some byte string A. Extend(0, ...) starts a new checksum.
uint32_t Extend(uint32_t crc, const char* data, size_t n);

inline uint32_t Value(const char* data, size_t n) { return Extend(0, data, n); }

// Test seams: run one implementation regardless of the CPU. The SSE4.2 one
// may only be called when TEST_HasSse42() is true.
bool TEST_HasSse42();
uint32_t TEST_ExtendPortable(uint32_t crc, const char* data, size_t n);
uint32_t TEST_ExtendSse42(uint32_t crc, const char* data, size_t n);

}  // namespace eventlog::util::crc32c
