// DiskPartitionLog: the PartitionLog of the store. Segment files in the
// partition's folder hold the batches; the store's LevelDB holds the sparse
// offset and time indexes and the persisted log start offset.
//
// Thread-safe. Locks, in acquisition order:
//   cleanup_mu_  one retention or compaction at a time
//   append_mu_   serializes appends (the write, the index put, rolls)
//   mu_          the state readers see (segments, offsets, waiters); held
//                only briefly, never across file I/O on the append path
//   sync_mu_     what is written but not yet fsynced
// A reader takes mu_ shared to pick a segment and position, then reads the
// file without locks: appenders publish a batch (Segment::size and the high
// watermark, under mu_) only after it is fully written.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "leveldb/db.h"
#include "storage/util/clock.h"
#include "storage/disk_space_guard.h"
#include "storage/group_committer.h"
#include "storage/index_cadence.h"
#include "storage/log_config.h"
#include "storage/offset_index.h"
#include "storage/partition_log.h"
#include "storage/segment.h"
#include "storage/segment_appender.h"
#include "storage/time_index.h"
#include "storage/waiter_list.h"

namespace eventlog::storage {

struct PartitionLogOptions {
  uint64_t topic_id = 0;
  int32_t partition = 0;
  LogConfig config;
  std::string dir;            // the partition's folder; created if missing
  leveldb::DB* db = nullptr;  // not owned; used until MarkDeleted/MarkClosed
  util::Clock* clock = nullptr;     // not owned
  // Shared so that it outlives the store while callers hold logs (a late
  // append then completes inline, see GroupCommitter::Submit).
  std::shared_ptr<GroupCommitter> committer;
  int64_t index_interval_bytes = 4096;
  // Synced bytes further than this from the end of the log are dropped from
  // the page cache (see StoreOptions); < 0 keeps everything.
  int64_t page_cache_window_bytes = -1;
  // Shared by the store's partitions; null admits every append.
  std::shared_ptr<DiskSpaceGuard> space_guard;
};

class DiskPartitionLog final : public PartitionLog,
                               public Syncable,
                               public std::enable_shared_from_this<DiskPartitionLog> {
 public:
  // Opens the partition folder, recovering it (see PartitionRecovery).
  static absl::StatusOr<std::shared_ptr<DiskPartitionLog>> Open(PartitionLogOptions options);

  DiskPartitionLog(const DiskPartitionLog&) = delete;
  DiskPartitionLog& operator=(const DiskPartitionLog&) = delete;
  ~DiskPartitionLog() override = default;

  int32_t partition() const override { return options_.partition; }
  void AppendAsync(RecordBatchBuilder batch, Durability durability, AppendCallback done) override;
  absl::StatusOr<AppendResult> Append(RecordBatchBuilder batch, Durability durability) override;
  absl::StatusOr<ReadResult> Read(int64_t offset, int32_t max_records,
                                  int64_t max_bytes) const override;
  absl::StatusOr<int64_t> OffsetForTimestamp(int64_t timestamp_ms) const override;
  int64_t log_start_offset() const override;
  int64_t high_watermark() const override;
  int64_t size_bytes() const override;
  WaiterId WaitForData(int64_t offset, absl::AnyInvocable<void()> callback) override;
  bool CancelWait(WaiterId id) override;
  bool closed() const override { return state_.load() != State::kOpen; }
  absl::Status Flush() override;
  absl::Status EnforceRetention() override;
  absl::Status Compact() override;

  // Syncable: fsyncs every batch written before the call.
  absl::Status SyncWritten() override;

  // The store's hooks. Both wait for an append or cleanup in progress, then
  // make later calls fail (NOT_FOUND after MarkDeleted, UNAVAILABLE after
  // MarkClosed) and wake every waiter. From then on the log no longer touches
  // LevelDB, so the store may close it.
  void MarkDeleted();
  void MarkClosed();

  const std::string& dir() const { return options_.dir; }

  // Test seams.
  std::vector<int64_t> TEST_SegmentBases() const;
  // Segment bytes the recovery at open read (it scans only past the index).
  int64_t TEST_recovery_bytes_scanned() const { return recovery_bytes_scanned_; }
  // Makes the next Compact() stop as if the process died after the given
  // step: 1 = cleaned file written and fsynced, 2 = index update and marker
  // written. 0 = run normally.
  void TEST_SetCompactionCrashPoint(int step) { compaction_crash_point_ = step; }

 private:
  // After a sync: drops the page cache of synced bytes further than
  // page_cache_window_bytes from the end (`sealed` oldest first).
  void DropColdPages(const std::vector<std::shared_ptr<Segment>>& sealed, Segment& active,
                     int64_t active_synced);
  enum class State { kOpen, kDeleted, kClosed };

  // Where a read starts: a batch boundary in a segment, and how far it may
  // read (the segment's published size).
  struct Location {
    std::shared_ptr<Segment> segment;
    int64_t position = 0;
    int64_t limit = 0;
    // The next segment's base offset: the segment's offsets end below it.
    int64_t offset_limit = std::numeric_limits<int64_t>::max();
  };

  // A remembered (offset -> batch position) from the end of a read, so that
  // a reader continuing where it stopped skips the index lookup.
  // The segment is held weakly and compared by identity: a compacted
  // segment is a new object, so hints into the old file never match it.
  struct ReadHint {
    int64_t offset = -1;
    std::weak_ptr<Segment> segment;
    int64_t position = 0;
  };
  static constexpr int kReadHints = 8;

  // Compaction: key -> offset of its newest record.
  using KeyOffsetMap = absl::flat_hash_map<std::string, int64_t>;

  explicit DiskPartitionLog(PartitionLogOptions options);

  absl::Status StateErrorLocked() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  absl::Status OutOfRangeLocked(int64_t offset) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  absl::StatusOr<Location> LocateLocked(int64_t offset) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The base offset of the first segment after `base` (the offset limit of
  // the segment at `base`), or the maximum if there is none.
  int64_t NextBaseLocked(int64_t base) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Where a reader that read `segment` up to `read_to` goes on: the rest of
  // `segment` if appends grew it meanwhile, else the start of the segment
  // after it, or nullopt at the end. Also refreshes *high_watermark.
  std::optional<Location> NextSegment(const std::shared_ptr<Segment>& segment, int64_t read_to,
                                      int64_t* high_watermark) const ABSL_LOCKS_EXCLUDED(mu_);
  void RememberHint(int64_t offset, const std::shared_ptr<Segment>& segment,
                    int64_t position) const;
  void ClearHints() const;

  // Append path, under append_mu_.
  absl::Status AppendLocked(const RecordBatchBuilder& batch, char* header, uint32_t body_crc,
                            AppendResult* result, std::vector<WaiterList::Callback>* wake)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mu_);
  absl::Status RollLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mu_);

  void MarkGone(State state);

  // Cleanup helpers (disk_partition_log_cleanup.cc), under cleanup_mu_.
  absl::StatusOr<int64_t> MaxTimestampThrough(const Segment& segment, int64_t next_base) const;
  absl::Status CompactSegment(const std::shared_ptr<Segment>& segment, int64_t next_base,
                              const KeyOffsetMap& newest, int64_t now_ms)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(cleanup_mu_);

  const PartitionLogOptions options_;
  const OffsetIndex offset_index_;
  const TimeIndex time_index_;
  std::atomic<State> state_{State::kOpen};
  std::atomic<int> compaction_crash_point_{0};
  int64_t recovery_bytes_scanned_ = 0;

  absl::Mutex cleanup_mu_ ABSL_ACQUIRED_BEFORE(append_mu_);

  absl::Mutex append_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::unique_ptr<SegmentAppender> appender_ ABSL_GUARDED_BY(append_mu_);
  IndexCadence cadence_ ABSL_GUARDED_BY(append_mu_);
  // The offset the next appended record gets (log_end_offset_ for writers).
  int64_t next_offset_ ABSL_GUARDED_BY(append_mu_) = 0;
  // When the active segment got its first batch (-1: empty), for segment_ms.
  int64_t active_created_ms_ ABSL_GUARDED_BY(append_mu_) = -1;
  // Largest timestamp appended so far (written under append_mu_).
  std::atomic<int64_t> max_timestamp_{0};

  mutable absl::Mutex mu_ ABSL_ACQUIRED_BEFORE(sync_mu_);
  std::map<int64_t, std::shared_ptr<Segment>> segments_ ABSL_GUARDED_BY(mu_);
  int64_t log_start_offset_ ABSL_GUARDED_BY(mu_) = 0;
  // Log end offset (next offset to assign) and high watermark (what readers
  // may see): equal on a single node, kept apart for replication.
  int64_t log_end_offset_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t high_watermark_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t size_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  WaiterList waiters_ ABSL_GUARDED_BY(mu_);

  mutable absl::Mutex hint_mu_;
  mutable ReadHint hints_[kReadHints] ABSL_GUARDED_BY(hint_mu_);
  mutable int next_hint_ ABSL_GUARDED_BY(hint_mu_) = 0;

  // Serializes SyncWritten calls, so that one never reports data synced
  // while another still syncs a sealed segment it took.
  absl::Mutex flush_mu_ ABSL_ACQUIRED_BEFORE(sync_mu_);
  absl::Mutex sync_mu_;
  std::shared_ptr<Segment> sync_active_ ABSL_GUARDED_BY(sync_mu_);
  std::vector<std::shared_ptr<Segment>> unsynced_sealed_ ABSL_GUARDED_BY(sync_mu_);
  uint64_t synced_seq_ ABSL_GUARDED_BY(sync_mu_) = 0;
  // Batches written so far (a sequence number for SyncWritten).
  std::atomic<uint64_t> written_seq_{0};
};

}  // namespace eventlog::storage
