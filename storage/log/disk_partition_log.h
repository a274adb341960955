// DiskPartitionLog: the PartitionLog of the store. Segment files in the
// partition's folder hold the batches; the store's LevelDB holds the sparse
// offset and time indexes, the log start offset and the recovery point.
//
// It owns the append path (writes, rolls, the idempotent producers'
// ProducerState) and the sync path (what is written -> durable -> the high
// watermark), and hands the rest to its
// parts: LogSegments (the segments and the offsets readers see), LogReader
// (reads and time lookups), LogRetention and LogCompactor (cleanup), and
// PartitionRecovery (at open).
//
// Thread-safe. Locks, in acquisition order:
//   cleanup_mu_   one retention or compaction at a time
//   append_mu_    serializes appends (the write, the index put, rolls)
//   flush_mu_     serializes syncs of this log
//   sync_mu_      the segments written but not yet synced
//   (LogSegments' own lock, held briefly, never across I/O)
// A reader takes LogSegments' lock to pick a segment, then reads the file
// without locks: appenders publish a batch (the segment's size) only after
// it is fully written, and readers stop at the high watermark.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "storage/format/record_batch_format.h"
#include "storage/log/ack_waiters.h"
#include "storage/log/index_cadence.h"
#include "storage/log/leader_epoch_cache.h"
#include "storage/log/log_compactor.h"
#include "storage/log/log_reader.h"
#include "storage/log/log_retention.h"
#include "storage/log/log_segments.h"
#include "storage/log/offset_index.h"
#include "storage/log/partition_log_options.h"
#include "storage/log/partition_recovery.h"
#include "storage/log/producer_snapshot.h"
#include "storage/log/producer_state.h"
#include "storage/log/segment.h"
#include "storage/log/segment_appender.h"
#include "storage/log/syncable.h"
#include "storage/log/time_index.h"
#include "storage/partition_log.h"

namespace eventlog::storage {

class DiskPartitionLog final : public PartitionLog,
                               public Syncable,
                               public std::enable_shared_from_this<DiskPartitionLog> {
 public:
  // Opens the partition folder, recovering it (see PartitionRecovery).
  static absl::StatusOr<std::shared_ptr<DiskPartitionLog>> Open(PartitionLogOptions options);

  DiskPartitionLog(const DiskPartitionLog&) = delete;
  DiskPartitionLog& operator=(const DiskPartitionLog&) = delete;
  ~DiskPartitionLog() override = default;

  using PartitionLog::Read;

  int32_t partition() const override { return options_.partition; }
  void AppendAsync(RecordBatchBuilder batch, Durability durability, AppendCallback done) override;
  absl::StatusOr<AppendResult> Append(RecordBatchBuilder batch, Durability durability) override;
  void AppendReplicaAsync(std::string batches, Durability durability, AppendCallback done) override;
  absl::Status TruncateTo(int64_t offset) override;
  absl::Status TruncateFullyAndStartAt(int64_t offset) override;
  absl::Status BecomeLeader(int32_t epoch) override;
  absl::StatusOr<ReplicaRead> ReadForReplica(int64_t offset, int64_t max_bytes) const override;
  int32_t latest_leader_epoch() const override;
  std::pair<int32_t, int64_t> EndOffsetForEpoch(int32_t epoch) const override;
  int64_t durable_end() const override { return durable_end_.load(); }
  void SetHighWatermarkLimit(int64_t limit) override;
  void FailPendingAcks(const absl::Status& status) override;
  void SetInSyncReplicas(int32_t in_sync, int32_t required) override;
  WaiterId WaitForWritten(int64_t offset, absl::AnyInvocable<void()> callback) override {
    return segments_.WaitForWritten(offset, std::move(callback));
  }
  bool CancelWaitForWritten(WaiterId id) override { return segments_.CancelWaitForWritten(id); }
  absl::StatusOr<ReadResult> Read(int64_t offset, const ReadLimits& limits) const override;
  absl::StatusOr<BatchReadResult> ReadBatches(int64_t offset, int64_t max_bytes) const override {
    return reader_.ReadBatches(offset, max_bytes);
  }
  absl::StatusOr<int64_t> OffsetForTimestamp(int64_t timestamp_ms) const override;
  int64_t log_start_offset() const override { return segments_.offsets().log_start; }
  int64_t high_watermark() const override { return segments_.offsets().high_watermark; }
  int64_t log_end_offset() const override { return segments_.offsets().log_end; }
  int64_t size_bytes() const override { return segments_.offsets().size_bytes; }
  WaiterId WaitForData(int64_t offset, absl::AnyInvocable<void()> callback) override;
  bool CancelWait(WaiterId id) override { return segments_.CancelWait(id); }
  bool closed() const override { return !segments_.open(); }
  absl::Status Flush() override;
  absl::Status EnforceRetention() override;
  absl::Status Compact() override;
  // Reads the cleaners' atomic counters without cleanup_mu_.
  CleanupStats cleanup_stats() const override ABSL_NO_THREAD_SAFETY_ANALYSIS;

  // Syncable.
  absl::Status SyncWritten() override;
  // Records written and not yet durable (a hint: it may change at once).
  bool has_unsynced() const { return written_end_.load() > durable_end_.load(); }
  void CheckpointRecoveryPoint(leveldb::WriteBatch* batch) override;

  // The store's hooks. Both wait for an append or cleanup in progress, then
  // make later calls fail (NOT_FOUND after MarkDeleted, UNAVAILABLE after
  // MarkClosed) and wake every waiter. From then on the log no longer touches
  // LevelDB, so the store may close it.
  void MarkDeleted() { MarkGone(LogSegments::State::kDeleted); }
  void MarkClosed() { MarkGone(LogSegments::State::kClosed); }

  const std::string& dir() const { return options_.dir; }
  // Where each leader epoch of this replica starts (docs/CLUSTER.md,
  // "Replication"). Thread-safe; lives as long as the log.
  const LeaderEpochCache& leader_epochs() const { return *epochs_; }

  // Test seams.
  std::vector<int64_t> TEST_SegmentBases() const { return segments_.bases(); }
  // Segment bytes the recovery at open read (it scans only past the index
  // or the recovery point).
  int64_t TEST_recovery_bytes_scanned() const { return recovery_bytes_scanned_; }
  int64_t TEST_recovery_truncated_bytes() const { return recovery_truncated_bytes_; }
  // LevelDB range lookups the recovery at open made (none for a partition
  // created just now).
  int64_t TEST_recovery_index_scans() const { return recovery_index_scans_; }
  LogCompactor& TEST_compactor() { return compactor_; }
  // Segment bytes replayed at open to rebuild the producer state.
  int64_t TEST_producer_bytes_replayed() const { return producer_bytes_replayed_; }

 private:
  DiskPartitionLog(PartitionLogOptions options, RecoveredPartition recovered,
                   std::unique_ptr<LeaderEpochCache> epochs, ProducerSnapshot::Loaded producers);

  // Append path, under append_mu_.
  // `batch` is sealed; the base offset is set here.
  absl::Status AppendLocked(RecordBatchBuilder& batch, AppendResult* result)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mu_);
  // `batches` passed ParseReplicaBatches (giving `headers`).
  absl::Status AppendReplicaLocked(absl::string_view batches,
                                   const std::vector<format::BatchHeader>& headers,
                                   AppendResult* result) ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mu_);
  // Writes one whole batch whose header is final (offsets [base, next)),
  // rolling first if needed, and indexes and publishes it.
  // `claim` is the batch's producer (producer_id -1: none).
  absl::Status WriteBatchLocked(absl::string_view bytes, int64_t base, int64_t next,
                                int64_t max_timestamp_ms, const ProducerState::Claim& claim)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mu_);
  // The new active segment starts at `base` (>= next_offset_).
  absl::Status RollLocked(int64_t base) ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mu_);
  // Runs `write` under append_mu_, then `done` once `durability` is met
  // (queued under the lock, so that completions keep offset order), or at
  // once with the write's error. `wait_for_replicas`: an ACKS_ALL `done`
  // also waits for the high watermark (WaitForReplicas).
  void AppendWith(Durability durability, AppendCallback done,
                  absl::FunctionRef<absl::Status(AppendResult*)> write,
                  bool wait_for_replicas = true) ABSL_LOCKS_EXCLUDED(append_mu_);
  // `done` for an ACKS_ALL append: as is without a high watermark limit,
  // else deferred through acks_ until the high watermark passes the batch.
  AppendCallback WaitForReplicas(AppendCallback done);
  // The error of an ACKS_ALL append written while enough replicas were in
  // sync and not acknowledged before too few were (Kafka's
  // NOT_ENOUGH_REPLICAS_AFTER_APPEND).
  absl::Status NotEnoughReplicasAfterAppend(int32_t in_sync, int32_t required) const;
  // Moves the high watermark to min(durable end, limit) and completes what
  // that releases.
  void AdvanceHighWatermark();
  // Writes the producer state at next_offset_ (not synced: derived data).
  void SnapshotProducersLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mu_);

  // After a sync: drops the page cache of synced bytes further than
  // page_cache_window_bytes from the end (`sealed` oldest first).
  void DropColdPages(const std::vector<std::shared_ptr<Segment>>& sealed, Segment& active,
                     int64_t active_synced);
  void MarkGone(LogSegments::State state);

  const PartitionLogOptions options_;
  const OffsetIndex offset_index_;
  const TimeIndex time_index_;
  LogSegments segments_;
  LogReader reader_;
  const std::unique_ptr<LeaderEpochCache> epochs_;
  const int64_t recovery_bytes_scanned_;
  const int64_t recovery_truncated_bytes_;
  const int64_t recovery_index_scans_;
  const int64_t producer_bytes_replayed_;

  absl::Mutex cleanup_mu_ ABSL_ACQUIRED_BEFORE(append_mu_);
  LogRetention retention_ ABSL_GUARDED_BY(cleanup_mu_);
  LogCompactor compactor_;  // called under cleanup_mu_

  absl::Mutex append_mu_ ABSL_ACQUIRED_BEFORE(flush_mu_);
  std::unique_ptr<SegmentAppender> appender_ ABSL_GUARDED_BY(append_mu_);
  IndexCadence cadence_ ABSL_GUARDED_BY(append_mu_);
  // The offset the next appended record gets.
  int64_t next_offset_ ABSL_GUARDED_BY(append_mu_) = 0;
  // The epoch written into appended batches (BecomeLeader); -1: as built.
  int32_t leader_epoch_ ABSL_GUARDED_BY(append_mu_) = -1;
  ProducerState producers_ ABSL_GUARDED_BY(append_mu_);
  // When the active segment got its first batch (-1: empty), for segment_ms.
  int64_t active_created_ms_ ABSL_GUARDED_BY(append_mu_) = -1;
  // Largest timestamp appended so far (written under append_mu_).
  std::atomic<int64_t> max_timestamp_{0};
  // The end of what is written (published after each write, read by syncs).
  std::atomic<int64_t> written_end_{0};

  absl::Mutex flush_mu_ ABSL_ACQUIRED_BEFORE(sync_mu_);
  absl::Mutex sync_mu_;
  std::shared_ptr<Segment> sync_active_ ABSL_GUARDED_BY(sync_mu_);
  std::vector<std::shared_ptr<Segment>> unsynced_sealed_ ABSL_GUARDED_BY(sync_mu_);
  // Everything below it is durable (the high watermark's source).
  std::atomic<int64_t> durable_end_{0};
  // SetHighWatermarkLimit's cap (INT64_MAX: none).
  std::atomic<int64_t> high_watermark_limit_{std::numeric_limits<int64_t>::max()};
  AckWaiters acks_;
  // SetInSyncReplicas.
  std::atomic<int32_t> in_sync_replicas_{1};
  std::atomic<int32_t> min_in_sync_replicas_{1};
  // The recovery point last handed to CheckpointRecoveryPoint.
  std::atomic<int64_t> checkpointed_end_{0};
};

}  // namespace eventlog::storage
