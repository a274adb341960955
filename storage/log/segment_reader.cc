#include "storage/log/segment_reader.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "storage/util/buffer_pool.h"

namespace eventlog::storage {
namespace {

// Reads at least this large hint the kernel to read ahead (see Fill).
constexpr size_t kReadAheadMinBytes = 256 << 10;

}  // namespace

SegmentReader::SegmentReader(std::shared_ptr<const Segment> segment, int64_t position,
                             int64_t limit, size_t initial_chunk_bytes, size_t max_chunk_bytes,
                             bool keep_chunks)
    : segment_(std::move(segment)),
      position_(position),
      limit_(limit),
      chunk_bytes_(std::max<size_t>(initial_chunk_bytes, format::kMaxHeaderSize)),
      max_chunk_bytes_(std::max(max_chunk_bytes, chunk_bytes_)),
      keep_chunks_(keep_chunks),
      next_min_offset_(segment_->base_offset()) {}

absl::Status SegmentReader::Fill(size_t n) {
  if (chunk_ != nullptr && position_ >= chunk_start_ &&
      position_ + static_cast<int64_t>(n) <= chunk_start_ + static_cast<int64_t>(chunk_size_)) {
    return absl::OkStatus();
  }
  const auto remaining = static_cast<size_t>(limit_ - position_);
  size_t size = std::min(remaining, std::max(n, chunk_bytes_));
  chunk_bytes_ = std::min(chunk_bytes_ * 2, max_chunk_bytes_);
  std::shared_ptr<char[]> chunk = util::BufferPool::Default().Get(size);
  absl::Status status = segment_->ReadAt(position_, size, chunk.get());
  if (!status.ok() && size > n) {
    // A bad block further on must not hide the batches before it: read just
    // what this step needs, so that only the damaged range fails.
    size = n;
    status = segment_->ReadAt(position_, size, chunk.get());
  }
  if (!status.ok()) return status;
  if (size >= kReadAheadMinBytes) {
    // A large read is a scan (a consumer catching up, recovery, compaction)
    // whose next read follows on: have the kernel fetch that while this
    // chunk is decoded and sent, so a cold disk does not idle between the
    // synchronous reads. Pages already cached make it a lookup.
    segment_->WillNeed(position_ + static_cast<int64_t>(size), 2 * static_cast<int64_t>(size));
  }
  if (keep_chunks_) kept_.push_back(chunk);
  chunk_ = std::move(chunk);
  chunk_start_ = position_;
  chunk_size_ = size;
  return absl::OkStatus();
}

absl::StatusOr<bool> SegmentReader::Next(Batch* batch, bool verify_crc) {
  damage_ = Damage::kNone;
  if (position_ >= limit_) return false;
  auto where = [&] { return absl::StrCat(segment_->path(), " position ", position_); };
  if (limit_ - position_ < static_cast<int64_t>(format::kHeaderPrefixSize)) {
    damage_ = Damage::kTruncated;
    return absl::DataLossError(absl::StrCat("truncated batch header at ", where()));
  }
  absl::Status status = Fill(format::kHeaderPrefixSize);
  if (!status.ok()) return status;
  const size_t header_size = format::HeaderSizeOf(chunk_.get() + (position_ - chunk_start_));
  if (header_size == 0) {
    damage_ = Damage::kCorrupt;
    damaged_header_ = format::BatchHeader{};
    damaged_header_.magic = static_cast<uint8_t>(
        chunk_.get()[position_ - chunk_start_ + format::kMagicPos]);  // fails CheckBatchHeader
    return absl::DataLossError(absl::StrCat("unknown batch magic at ", where()));
  }
  if (limit_ - position_ < static_cast<int64_t>(header_size)) {
    damage_ = Damage::kTruncated;
    return absl::DataLossError(absl::StrCat("truncated batch header at ", where()));
  }
  status = Fill(header_size);
  if (!status.ok()) return status;
  const char* header_bytes = chunk_.get() + (position_ - chunk_start_);
  format::BatchHeader header = format::DecodeBatchHeader(header_bytes);
  status = format::CheckBatchHeader(header);
  // A segment's batches ascend from its base offset (the file's name) and end
  // before the next segment's: a batch out of that order is damage, however
  // good its checksum.
  if (status.ok() && header.base_offset < next_min_offset_) {
    status = absl::DataLossError(
        next_min_offset_ == segment_->base_offset()
            ? absl::StrCat("batch base offset ", header.base_offset, " below the segment's ",
                           segment_->base_offset())
            : absl::StrCat("batch base offset ", header.base_offset,
                           " below the end of the batch before it (", next_min_offset_, ")"));
  }
  if (status.ok() && header.next_offset() > offset_limit_) {
    status = absl::DataLossError(absl::StrCat("batch offsets up to ", header.next_offset() - 1,
                                              " reach the next segment's base ", offset_limit_));
  }
  if (!status.ok()) {
    damage_ = Damage::kCorrupt;
    damaged_header_ = header;
    return absl::DataLossError(absl::StrCat(status.message(), " at ", where()));
  }
  if (position_ + header.batch_length > limit_) {
    damage_ = Damage::kTruncated;
    damaged_header_ = header;
    return absl::DataLossError(absl::StrCat("truncated batch at ", where()));
  }
  status = Fill(header.batch_length);
  if (!status.ok()) {
    if (status.code() == absl::StatusCode::kDataLoss) {
      // Unreadable bytes (EIO) inside a batch whose header read fine: its
      // sane length lets reads step over it. Not kCorrupt: recovery must not
      // mistake a read error for a torn tail and cut the file.
      damage_ = Damage::kUnreadable;
      damaged_header_ = header;
    }
    return status;
  }
  absl::string_view bytes(chunk_.get() + (position_ - chunk_start_), header.batch_length);
  if (verify_crc && format::ComputeCrc(bytes) != header.crc) {
    damage_ = Damage::kCorrupt;
    damaged_header_ = header;
    return absl::DataLossError(absl::StrCat("checksum mismatch in batch at ", where(),
                                            " (base offset ", header.base_offset, ")"));
  }
  batch->header = header;
  batch->bytes = bytes;
  batch->position = position_;
  position_ += header.batch_length;
  next_min_offset_ = header.next_offset();
  return true;
}

bool SegmentReader::DamagedOffsetsFit() const {
  return (damage_ == Damage::kCorrupt || damage_ == Damage::kUnreadable) &&
         format::CheckBatchHeader(damaged_header_).ok() &&
         damaged_header_.base_offset >= next_min_offset_ &&
         damaged_header_.next_offset() <= offset_limit_;
}

bool SegmentReader::SkipDamaged() {
  if ((damage_ != Damage::kCorrupt && damage_ != Damage::kUnreadable) ||
      !format::CheckBatchHeader(damaged_header_).ok() ||
      position_ + damaged_header_.batch_length > limit_) {
    return false;
  }
  position_ += damaged_header_.batch_length;
  damage_ = Damage::kNone;
  return true;
}

absl::StatusOr<format::BatchHeader> ReadBatchHeaderAt(const Segment& segment, int64_t position,
                                                      int64_t limit) {
  char header[format::kMaxHeaderSize];
  if (position + static_cast<int64_t>(format::kHeaderPrefixSize) > limit) {
    return absl::DataLossError("no batch header there");
  }
  absl::Status s = segment.ReadAt(position, format::kHeaderPrefixSize, header);
  if (!s.ok()) return s;
  const size_t size = format::HeaderSizeOf(header);
  if (size == 0 || position + static_cast<int64_t>(size) > limit) {
    return absl::DataLossError("no batch header there");
  }
  s = segment.ReadAt(position + format::kHeaderPrefixSize, size - format::kHeaderPrefixSize,
                     header + format::kHeaderPrefixSize);
  if (!s.ok()) return s;
  return format::DecodeBatchHeader(header);
}

}  // namespace eventlog::storage
