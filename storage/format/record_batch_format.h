// The on-disk record batch format, shared by every writer (the append path,
// compaction) and reader (reads, recovery, index rebuild). Documented in
// docs/storage-format.md; change both together and bump kMagic.
//
// A segment file is a sequence of batches. A batch is a fixed 48-byte header
// (little-endian) followed by `record_count` records:
//
//   0  int64  base_offset         offset of the batch's first record
//   8  uint32 batch_length        whole batch in bytes, header included
//  12  uint32 crc                 CRC32C of bytes [16, batch_length) then [0, 12)
//  16  uint8  magic               format version (kMagic)
//  17  uint8  attributes          0 (reserved: compression, transactions)
//  18  uint16 reserved            0
//  20  int32  leader_epoch        0 on a single node
//  24  int32  last_offset_delta   last offset - base_offset (kept by compaction)
//  28  int32  record_count        records in this batch (compaction lowers it)
//  32  int64  first_timestamp_ms  timestamp deltas are relative to this
//  40  int64  max_timestamp_ms    largest record timestamp in the batch
//
// A record:
//   varint  body_length           bytes after this varint
//   uint8   attributes            0
//   varint  timestamp_delta       zigzag(timestamp_ms - first_timestamp_ms)
//   varint  offset_delta          offset - base_offset
//   varint  key_length, key bytes
//   varint  value_length, value bytes
//   varint  header_count, then per header: varint key_length, key,
//                                          varint value_length, value
//
// Stateless functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "storage/format/record.h"

namespace eventlog::storage::format {

inline constexpr uint8_t kMagic = 1;
inline constexpr size_t kBatchHeaderSize = 48;
// The CRC covers the header from here on (and then bytes [0, kCrcPos)).
inline constexpr size_t kCrcPos = 12;
inline constexpr size_t kCrcCoveredFrom = 16;
// Largest batch a writer produces (batch_length is a uint32, and readers
// refuse lengths above this as corrupt).
inline constexpr int64_t kMaxBatchBytes = int64_t{1} << 31;

struct BatchHeader {
  int64_t base_offset = 0;
  uint32_t batch_length = 0;
  uint32_t crc = 0;
  uint8_t magic = kMagic;
  uint8_t attributes = 0;
  int32_t leader_epoch = 0;
  int32_t last_offset_delta = 0;
  int32_t record_count = 0;
  int64_t first_timestamp_ms = 0;
  int64_t max_timestamp_ms = 0;

  int64_t last_offset() const { return base_offset + last_offset_delta; }
  // The offset after this batch, even if compaction removed its last records.
  int64_t next_offset() const { return base_offset + last_offset_delta + 1; }
};

// Writes the 48 header bytes to `dst` (the crc field as given).
void EncodeBatchHeader(const BatchHeader& header, char* dst);

// Reads the 48 header bytes at `src`. Does not validate.
BatchHeader DecodeBatchHeader(const char* src);

// Checks the fields a reader relies on before trusting batch_length: magic,
// length within [kBatchHeaderSize, kMaxBatchBytes], counts, offsets that fit
// in int64. DATA_LOSS if not.
absl::Status CheckBatchHeader(const BatchHeader& header);

// CRC of the part of the header after the crc field followed by the records
// (everything except base_offset and batch_length). Computable before an
// offset is assigned; FinishCrc then folds the first 12 bytes in.
uint32_t BodyCrc(const char* header, absl::string_view records);
uint32_t FinishCrc(uint32_t body_crc, const char* header);

// The crc a whole, well-formed batch (`batch.size() == batch_length`) should
// carry.
uint32_t ComputeCrc(absl::string_view batch);

// Verifies a whole batch: header sanity, length, CRC. DATA_LOSS naming
// `where` (e.g. file and position) otherwise.
absl::Status VerifyBatch(absl::string_view batch, absl::string_view where);

// Size of a record's body (everything after the body_length varint).
size_t EncodedRecordBodySize(absl::string_view key, absl::string_view value,
                             const HeaderView* headers, size_t header_count,
                             uint64_t zigzag_ts_delta, uint32_t offset_delta);

// Decodes the record starting at `*p` (records end at `limit`) into `out`
// (offset and timestamp made absolute using `header`), and advances `*p`.
// `out->headers` is cleared and refilled. Views point into the input bytes.
// Returns false if the record is malformed (including an offset past the
// batch's last offset).
bool DecodeRecord(const BatchHeader& header, const char** p, const char* limit, RecordView* out);

// Reads only the offset delta of the record at `*p` and advances `*p` past
// it. For scans that skip records. Returns false if malformed.
bool SkipRecord(const char** p, const char* limit, uint32_t* offset_delta);

}  // namespace eventlog::storage::format
