// SegmentReader: iterates over the record batches of one segment, in order,
// from a batch boundary up to a byte limit, reading the file in large chunks.
//
// Not thread-safe; one per scan. Views handed out point into chunks owned by
// the reader: with `keep_chunks` every chunk stays alive until TakeChunks()
// hands them over (the read path returns them as ReadResult::backing);
// without it a view is valid only until the next call to Next().
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "storage/format/record_batch_format.h"
#include "storage/log/segment.h"

namespace eventlog::storage {

class SegmentReader {
 public:
  struct Batch {
    format::BatchHeader header;
    absl::string_view bytes;  // the whole batch, header included
    int64_t position = 0;     // in the file
  };

  // Why Next() failed.
  enum class Damage {
    kNone,
    kTruncated,   // the batch runs past `limit` (a torn write at a file's tail)
    kCorrupt,     // bad header or checksum
    kUnreadable,  // the header read fine, the body gave an I/O error (EIO)
  };

  using Chunks = std::vector<std::shared_ptr<char[]>>;

  // Reads `segment` from `position` (a batch boundary) to `limit`. Chunks
  // start at `initial_chunk_bytes` and double up to `max_chunk_bytes` (a
  // batch larger than that gets a chunk of its own size).
  SegmentReader(std::shared_ptr<const Segment> segment, int64_t position, int64_t limit,
                size_t initial_chunk_bytes, size_t max_chunk_bytes, bool keep_chunks);

  // The next batch into `*batch`: true if there is one, false at `limit`.
  // DATA_LOSS (and damage() says which kind) if the batch at position() is
  // torn or corrupt; position() then stays at that batch. With
  // `verify_crc` false the checksum is not checked (header sanity still is).
  absl::StatusOr<bool> Next(Batch* batch, bool verify_crc = true);

  // Position of the next batch.
  int64_t position() const { return position_; }
  int64_t limit() const { return limit_; }
  Damage damage() const { return damage_; }
  // The header of the batch Next() found damaged (kCorrupt, kUnreadable).
  const format::BatchHeader& damaged_header() const { return damaged_header_; }
  const std::shared_ptr<const Segment>& segment() const { return segment_; }

  // Whether the damaged batch's header is sane and its offsets fit where it
  // lies (after the batch before it, below offset_limit): only then do they
  // say which offsets the damage covers.
  bool DamagedOffsetsFit() const;

  // Moves past a damaged batch (kCorrupt or kUnreadable) whose header is
  // sane (for scans that report damage and go on). False if its length
  // cannot be trusted.
  bool SkipDamaged();

  // Offsets of this segment end below `offset_limit`: the next segment's
  // base offset (a sealed segment). A batch reaching past it is damage
  // (kCorrupt), as is one that does not follow the batch before it.
  void set_offset_limit(int64_t offset_limit) { offset_limit_ = offset_limit; }

  // The chunks read so far (keep_chunks only).
  Chunks TakeChunks() { return std::move(kept_); }

 private:
  // Makes [position_, position_ + n) available in the buffer.
  absl::Status Fill(size_t n);

  const std::shared_ptr<const Segment> segment_;
  int64_t position_;
  const int64_t limit_;
  size_t chunk_bytes_;
  const size_t max_chunk_bytes_;
  const bool keep_chunks_;

  std::shared_ptr<char[]> chunk_;
  int64_t chunk_start_ = 0;  // file position of chunk_[0]
  size_t chunk_size_ = 0;
  Chunks kept_;
  Damage damage_ = Damage::kNone;
  format::BatchHeader damaged_header_;
  int64_t offset_limit_ = std::numeric_limits<int64_t>::max();
  // The lowest base offset the next batch may have: the segment's base, then
  // the end of the last good batch.
  int64_t next_min_offset_;
};

// The header of the batch at `position` of `segment` (a batch must fit
// below `limit`), without checking it. DATA_LOSS if it cannot be read or
// its magic is unknown.
absl::StatusOr<format::BatchHeader> ReadBatchHeaderAt(const Segment& segment, int64_t position,
                                                      int64_t limit);

}  // namespace eventlog::storage
