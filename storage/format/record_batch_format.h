// The on-disk record batch formats, shared by every writer (the append path,
// compaction) and reader (reads, recovery, index rebuild). Documented in
// docs/storage-format.md; change both together.
//
// A segment file is a sequence of batches. Byte 16 of every batch is its
// magic, which says its layout; readers take both, writers write magic 2.
//
// Magic 2: Kafka's RecordBatch v2, byte for byte (big-endian), so that a
// Kafka client's batch is stored as it came and served as it is stored:
//
//   0  int64  base_offset
//   8  int32  batch_length          bytes after this field (whole batch - 12)
//  12  int32  leader_epoch
//  16  int8   magic = 2
//  17  uint32 crc                   CRC32C of bytes [21, end)
//  21  int16  attributes            bits 0-2 compression (none, gzip, snappy,
//                                   lz4, zstd), bit 3 timestamps are the log
//                                   append time (max_timestamp)
//  23  int32  last_offset_delta
//  27  int64  first_timestamp_ms
//  35  int64  max_timestamp_ms
//  43  int64  producer_id           -1: none (idempotent producers set it)
//  51  int16  producer_epoch
//  53  int32  base_sequence
//  57  int32  record_count
//  61         records (compressed as one block when bits 0-2 say so)
//
// A record (magic 2): varint length (zigzag, like every varint below) of the
// rest, int8 attributes, varlong timestamp_delta, varint offset_delta, varint
// key_length (-1: null) and key, varint value_length (-1: null) and value,
// varint header_count, then per header varint key_length, key, varint
// value_length (-1: null), value.
//
// Magic 1: eventlog's first format (48-byte little-endian header, CRC over
// everything but itself, unsigned varints); see docs/storage-format.md.
//
// Stateless functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "storage/format/record.h"

namespace eventlog::storage::format {

inline constexpr uint8_t kMagicV1 = 1;
inline constexpr uint8_t kMagicV2 = 2;
// What writers write.
inline constexpr uint8_t kMagic = kMagicV2;

inline constexpr size_t kMagicPos = 16;
// Enough bytes of a batch to know its magic (hence its header size).
inline constexpr size_t kHeaderPrefixSize = kMagicPos + 1;
inline constexpr size_t kV1HeaderSize = 48;
inline constexpr size_t kV2HeaderSize = 61;
inline constexpr size_t kMaxHeaderSize = kV2HeaderSize;
// The smallest possible batch (a magic 1 header; compaction may leave an
// empty batch of just a header).
inline constexpr size_t kMinBatchSize = kV1HeaderSize;
// Largest batch a writer produces; readers refuse larger lengths as corrupt.
inline constexpr int64_t kMaxBatchBytes = int64_t{1} << 31;

// Magic 2 attribute bits.
inline constexpr int16_t kCompressionMask = 0x07;
inline constexpr int16_t kLogAppendTimeBit = 0x08;
inline constexpr int16_t kTransactionalBit = 0x10;
inline constexpr int16_t kControlBit = 0x20;

struct BatchHeader {
  int64_t base_offset = 0;
  uint32_t batch_length = 0;  // the whole batch, header included (both magics)
  uint32_t crc = 0;
  uint8_t magic = kMagic;
  int16_t attributes = 0;
  int32_t leader_epoch = 0;
  int32_t last_offset_delta = 0;
  int32_t record_count = 0;
  int64_t first_timestamp_ms = 0;
  int64_t max_timestamp_ms = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;

  size_t header_size() const { return magic == kMagicV1 ? kV1HeaderSize : kV2HeaderSize; }
  // Kafka's compression codec number (0: none).
  int compression() const { return magic == kMagicV2 ? attributes & kCompressionMask : 0; }
  // Every record's timestamp is max_timestamp_ms (LOG_APPEND_TIME).
  bool log_append_time() const { return magic == kMagicV2 && (attributes & kLogAppendTimeBit); }
  int64_t last_offset() const { return base_offset + last_offset_delta; }
  // The offset after this batch, even if compaction removed its last records.
  int64_t next_offset() const { return base_offset + last_offset_delta + 1; }
};

// The header size of the batch whose first kHeaderPrefixSize bytes are at
// `src`; 0 for an unknown magic.
size_t HeaderSizeOf(const char* src);

// The base offset of the batch whose first kHeaderPrefixSize bytes are at
// `src` (of a known magic).
int64_t BaseOffsetOf(const char* src);

// Writes header.header_size() bytes to `dst` (the crc field as given).
void EncodeBatchHeader(const BatchHeader& header, char* dst);

// Reads a header (HeaderSizeOf(src) bytes at `src`, which must not be 0).
// Does not validate.
BatchHeader DecodeBatchHeader(const char* src);

// Checks the fields a reader relies on before trusting batch_length: magic,
// length within [header size, kMaxBatchBytes], counts, offsets that fit in
// int64, a known compression codec. DATA_LOSS if not.
absl::Status CheckBatchHeader(const BatchHeader& header);

// The crc a whole, well-formed batch (`batch.size() == batch_length`)
// should carry, by its magic.
uint32_t ComputeCrc(absl::string_view batch);

// Fills in the crc of a whole batch of `size` bytes at `batch`. Magic 2's
// crc does not cover the base offset, length or leader epoch, so a batch can
// be sealed before its offset is known; magic 1's covers everything, so its
// base offset must be set first.
void SealBatch(char* batch, size_t size);

// Sets the base offset / leader epoch field of a batch header.
void SetBaseOffset(char* header, int64_t base_offset);
void SetLeaderEpoch(char* header, int32_t leader_epoch);

// Verifies a whole batch: header sanity, length, CRC. DATA_LOSS naming
// `where` (e.g. file and position) otherwise.
absl::Status VerifyBatch(absl::string_view batch, absl::string_view where);

// Magic 2: the encoded size of a record with these fields, without its
// length prefix (the length that prefix holds).
size_t EncodedRecordBodySize(absl::string_view key, absl::string_view value,
                             const HeaderView* headers, size_t header_count,
                             int64_t timestamp_delta, int32_t offset_delta);

// Decodes the record at `*p` (records end at `limit`; for a compressed batch
// these are the decompressed records) into `out` (offset and timestamp made
// absolute using `header`), and advances `*p`. `out->headers` is cleared and
// refilled. Views point into the input bytes; a null key or value reads as
// empty. Returns false if the record is malformed (including an offset past
// the batch's last offset).
bool DecodeRecord(const BatchHeader& header, const char** p, const char* limit, RecordView* out);

}  // namespace eventlog::storage::format
