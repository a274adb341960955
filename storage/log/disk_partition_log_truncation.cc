// DiskPartitionLog::TruncateTo, apart from the append and sync paths in
// disk_partition_log.cc: a follower's cut of a suffix its leader does not
// have (docs/CLUSTER.md, "Replication").
//
// Crash order: everything written is synced first; then the recovery point
// moves down to the new end and the index entries past it go (one synced
// LevelDB write), then the segment file is cut and fsynced and later
// segment files are removed. A crash in between leaves valid batches past
// the recovery point, which recovery keeps as unacknowledged writes; the
// follower truncates again before it fetches (the leader-epoch exchange
// runs after every restart).
//
// TruncateFullyAndStartAt's crash order: the new, empty segment file at the
// new start first (directory fsynced), then the log start, recovery point
// and index (one synced LevelDB write), then the old files go. A crash
// before the LevelDB write leaves the old segments and an empty one past
// them, which recovery opens as a log with a gap (as compaction leaves) or
// a log still below the leader's start, which the follower starts again;
// a crash after it leaves files below the log start, which recovery
// removes.
#include <limits>

#include "absl/strings/str_cat.h"
#include "leveldb/write_batch.h"
#include "storage/layout.h"
#include "storage/leveldb_util.h"
#include "storage/log/disk_partition_log.h"
#include "storage/log/truncation_point.h"
#include "storage/util/coding.h"
#include "storage/util/status_macros.h"

namespace eventlog::storage {

absl::Status DiskPartitionLog::TruncateTo(int64_t offset) {
  absl::MutexLock c(&cleanup_mu_);
  absl::MutexLock a(&append_mu_);
  RETURN_IF_ERROR(segments_.CheckOpen());
  RETURN_IF_ERROR(options_.health->status());
  if (offset >= next_offset_) return absl::OkStatus();
  const int64_t log_start = segments_.offsets().log_start;
  if (offset < log_start) {
    return absl::OutOfRangeError(absl::StrCat("cannot truncate partition ", options_.partition,
                                              " to offset ", offset, ", below its log start ",
                                              log_start));
  }
  // Durable up to the log end first (takes flush_mu_ itself), so that no
  // segment waits for a sync across the cut.
  RETURN_IF_ERROR(SyncWritten());
  absl::MutexLock f(&flush_mu_);

  // The segment holding the cut: the last one based at or below `offset`.
  std::shared_ptr<Segment> keep;
  for (const LogSegments::Sealed& segment : segments_.All()) {
    if (segment.segment->base_offset() <= offset || keep == nullptr) keep = segment.segment;
  }
  int64_t from = 0;
  if (absl::StatusOr<std::optional<OffsetIndexEntry>> entry = offset_index_.Floor(offset);
      entry.ok() && entry->has_value() && (*entry)->segment_base_offset == keep->base_offset() &&
      (*entry)->position <= keep->size()) {
    from = (*entry)->position;  // a batch boundary: skip the scan below it
  }
  ASSIGN_OR_RETURN(TruncationPoint cut, FindTruncationPoint(*keep, from, keep->size(), offset));

  // Recovery point and index first, synced.
  leveldb::WriteBatch batch;
  RETURN_IF_ERROR(
      offset_index_.DeleteRange(cut.log_end, std::numeric_limits<int64_t>::max(), &batch));
  RETURN_IF_ERROR(time_index_.DeleteFrom(cut.log_end, &batch));
  char value[8];
  util::coding::PutFixed64(value, static_cast<uint64_t>(cut.log_end));
  batch.Put(layout::PartitionPrefix(layout::kRecoveryPoint, options_.topic_id, options_.partition),
            leveldb::Slice(value, sizeof(value)));
  RETURN_IF_ERROR(leveldb_util::Write(options_.db, &batch, /*sync=*/true, "truncation"));
  checkpointed_end_.store(cut.log_end);

  // Readers stop at the cut before the bytes go.
  ASSIGN_OR_RETURN(std::vector<std::shared_ptr<Segment>> dropped,
                   segments_.TruncateTo(keep->base_offset(), cut.position, cut.log_end));
  RETURN_IF_ERROR(keep->Truncate(cut.position));
  RETURN_IF_ERROR(options_.health->CheckSync(keep->Sync(), "fdatasync of " + keep->path()));
  for (const std::shared_ptr<Segment>& segment : dropped) {
    RETURN_IF_ERROR(options_.fs->Remove(segment->path()));
  }
  RETURN_IF_ERROR(options_.health->CheckSync(options_.fs->SyncDir(options_.dir),
                                             "fsync of directory " + options_.dir));

  appender_ = std::make_unique<SegmentAppender>(keep, cut.position);
  // The next batch gets an index entry (the one at the cut, if any, is gone).
  cadence_ = IndexCadence(options_.index_interval_bytes);
  cadence_.Add(/*indexed=*/false, options_.index_interval_bytes);
  active_created_ms_ = cut.position > 0 ? options_.clock->NowMs() : -1;
  next_offset_ = cut.log_end;
  written_end_.store(cut.log_end);
  durable_end_.store(cut.log_end);
  // The producers' batches past the cut are gone; a snapshot at the new end
  // keeps the next open from replaying the state of a longer log.
  producers_.TruncateTo(cut.log_end);
  SnapshotProducersLocked();
  {
    absl::MutexLock s(&sync_mu_);
    unsynced_sealed_.clear();  // synced above
    sync_active_ = keep;
  }
  return epochs_->TruncateFromEnd(cut.log_end);
}

absl::Status DiskPartitionLog::TruncateFullyAndStartAt(int64_t offset) {
  absl::MutexLock c(&cleanup_mu_);
  absl::MutexLock a(&append_mu_);
  RETURN_IF_ERROR(segments_.CheckOpen());
  RETURN_IF_ERROR(options_.health->status());
  if (offset <= next_offset_) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot start partition ", options_.partition, " again at offset ", offset,
                     ": not past its log end ", next_offset_));
  }
  // Nothing may wait for a sync of the files about to go.
  RETURN_IF_ERROR(SyncWritten());
  absl::MutexLock f(&flush_mu_);

  ASSIGN_OR_RETURN(std::shared_ptr<Segment> fresh,
                   Segment::Open(*options_.fs, layout::SegmentPath(options_.dir, offset), offset,
                                 fs::OpenMode::kCreate));
  RETURN_IF_ERROR(options_.health->CheckSync(options_.fs->SyncDir(options_.dir),
                                             "fsync of directory " + options_.dir));

  leveldb::WriteBatch batch;
  RETURN_IF_ERROR(offset_index_.DeleteRange(0, std::numeric_limits<int64_t>::max(), &batch));
  RETURN_IF_ERROR(time_index_.DeleteFrom(0, &batch));
  char value[8];
  util::coding::PutFixed64(value, static_cast<uint64_t>(offset));
  batch.Put(layout::PartitionPrefix(layout::kLogStart, options_.topic_id, options_.partition),
            leveldb::Slice(value, sizeof(value)));
  batch.Put(layout::PartitionPrefix(layout::kRecoveryPoint, options_.topic_id, options_.partition),
            leveldb::Slice(value, sizeof(value)));
  RETURN_IF_ERROR(leveldb_util::Write(options_.db, &batch, /*sync=*/true, "full truncation"));
  checkpointed_end_.store(offset);

  ASSIGN_OR_RETURN(std::vector<std::shared_ptr<Segment>> dropped, segments_.ResetTo(fresh, offset));
  for (const std::shared_ptr<Segment>& segment : dropped) {
    RETURN_IF_ERROR(options_.fs->Remove(segment->path()));
  }
  RETURN_IF_ERROR(options_.health->CheckSync(options_.fs->SyncDir(options_.dir),
                                             "fsync of directory " + options_.dir));

  appender_ = std::make_unique<SegmentAppender>(fresh, 0);
  cadence_ = IndexCadence(options_.index_interval_bytes);
  active_created_ms_ = -1;
  next_offset_ = offset;
  written_end_.store(offset);
  durable_end_.store(offset);
  producers_ = ProducerState();
  SnapshotProducersLocked();
  {
    absl::MutexLock s(&sync_mu_);
    unsynced_sealed_.clear();  // synced above, and gone
    sync_active_ = fresh;
  }
  return epochs_->TruncateFromEnd(0);  // every epoch it knew started below
}

}  // namespace eventlog::storage
