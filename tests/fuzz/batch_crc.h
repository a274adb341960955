// FixBatchCrcs: rewrites the crc field of every batch whose header length
// fits in `bytes`, walking them back to back as a segment file holds them.
// Lets a fuzzer reach the code behind checksum verification: without it
// almost every mutated batch stops at "checksum mismatch".
#pragma once

#include <cstddef>
#include <string>

#include "storage/format/record_batch_format.h"
#include "storage/util/coding.h"

namespace eventlog::fuzz {

inline void FixBatchCrcs(std::string* bytes) {
  namespace format = storage::format;
  size_t pos = 0;
  while (bytes->size() - pos >= format::kBatchHeaderSize) {
    const format::BatchHeader h = format::DecodeBatchHeader(bytes->data() + pos);
    if (h.batch_length < format::kBatchHeaderSize || h.batch_length > bytes->size() - pos) return;
    char* batch = bytes->data() + pos;
    util::coding::PutFixed32(batch + format::kCrcPos,
                             format::ComputeCrc(absl::string_view(batch, h.batch_length)));
    pos += h.batch_length;
  }
}

}  // namespace eventlog::fuzz
