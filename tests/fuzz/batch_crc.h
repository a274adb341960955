// FixBatchCrcs: rewrites the crc field of every batch whose header length
// fits in `bytes`, walking them back to back as a segment file holds them.
// Lets a fuzzer reach the code behind checksum verification: without it
// almost every mutated batch stops at "checksum mismatch".
#pragma once

#include <cstddef>
#include <string>

#include "storage/format/record_batch_format.h"

namespace eventlog::fuzz {

inline void FixBatchCrcs(std::string* bytes) {
  namespace format = storage::format;
  size_t pos = 0;
  while (bytes->size() - pos >= format::kHeaderPrefixSize) {
    const size_t header_size = format::HeaderSizeOf(bytes->data() + pos);
    if (header_size == 0 || bytes->size() - pos < header_size) return;
    const format::BatchHeader h = format::DecodeBatchHeader(bytes->data() + pos);
    if (h.batch_length < header_size || h.batch_length > bytes->size() - pos) return;
    format::SealBatch(bytes->data() + pos, h.batch_length);
    pos += h.batch_length;
  }
}

}  // namespace eventlog::fuzz
