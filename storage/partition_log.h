// PartitionLog: one topic-partition, an ordered append-only log of record
// batches stored in segment files and indexed (sparsely, by offset and by
// time) in the store's LevelDB.
//
// Thread-safe (internal synchronization): any number of appenders and readers
// may call concurrently. Appends are serialized; reads never see a partially
// written batch. Created and owned (via shared_ptr) by Store; a reader holding
// a shared_ptr may keep using it after the topic is deleted, in which case
// calls fail with NOT_FOUND.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/format/record.h"
#include "storage/format/record_batch_builder.h"
#include "storage/log_config.h"

namespace eventlog::storage {

// How durable an append must be before its completion runs. Either way
// readers see records only once they are durable (below the high watermark).
enum class Durability {
  kLeader,  // written to the segment (page cache); fsynced on the flush interval,
            // or promptly when readers wait for it
  kAll,     // fsynced; concurrent appends share one fsync (group commit)
};

struct AppendResult {
  int64_t base_offset = 0;
  int64_t last_offset = 0;
  // The batch repeated one an idempotent producer appended before (see
  // ProducerState): nothing was written; the offsets are the original's.
  bool duplicate = false;
};

using AppendCallback = absl::AnyInvocable<void(absl::StatusOr<AppendResult>)>;

struct ReadLimits {
  int32_t max_records = 0;      // 0: no limit but max_bytes
  int64_t max_bytes = 1 << 20;  // at least one record is returned regardless
  // Added to each record's stored size when counting against max_bytes:
  // what a record costs the caller beyond its stored bytes (e.g. its fields
  // in a response), so that a read of tiny records stays bounded in memory.
  int64_t per_record_overhead = 0;
};

struct ReadResult {
  // Records with offset >= the requested offset, ascending (gaps possible
  // after compaction). Views point into `backing`.
  std::vector<RecordView> records;
  std::shared_ptr<const void> backing;
  // Where the next read should start: one past the last returned record, or
  // past a compacted gap.
  int64_t next_offset = 0;
  int64_t high_watermark = 0;
  int64_t log_start_offset = 0;
};

// Whole stored batches for a follower (PartitionLog::ReadForReplica).
struct ReplicaRead {
  std::string batches;      // as stored, back to back; empty at the log end
  int64_t next_offset = 0;  // where the follower's next read starts
  int64_t high_watermark = 0;
  int64_t log_end_offset = 0;
  int64_t log_start_offset = 0;
};

// Whole stored batches, for readers that pass batches on as they are (a
// Kafka Fetch).
struct BatchReadResult {
  // Kafka's RecordBatch v2 (magic 2), in offset order, below the high
  // watermark; the first one holds the requested offset (its base offset
  // may be lower: the reader skips the records before it). Batches of the
  // first release's format are re-encoded (format::ConvertToMagicV2). Views
  // point into `backing`.
  std::vector<absl::string_view> batches;
  std::shared_ptr<const void> backing;
  int64_t bytes = 0;        // total size of `batches`
  int64_t next_offset = 0;  // after the last batch (or the requested offset if none)
  int64_t high_watermark = 0;
  int64_t log_start_offset = 0;
};

// What retention and compaction have done to a partition since it was
// opened (for metrics).
struct CleanupStats {
  int64_t retention_runs = 0;  // runs that deleted segments
  int64_t retention_segments_deleted = 0;
  int64_t retention_bytes_deleted = 0;
  int64_t compaction_runs = 0;
  int64_t compaction_segments_rewritten = 0;
  int64_t compaction_bytes_reclaimed = 0;
  int64_t damaged_batches = 0;  // damaged batches compaction stepped over or kept
};

class PartitionLog {
 public:
  using WaiterId = uint64_t;

  virtual ~PartitionLog() = default;

  virtual int32_t partition() const = 0;

  // Assigns consecutive offsets to the batch's records and writes them as
  // one record batch; `done` then runs once `durability` is met (kAll: after
  // fsync, with the high watermark past the batch, so the producer reads its
  // own write), on the calling thread or on the store's sync thread. `done`
  // must not block. The high watermark moves (and waiters wake) only when
  // the batch is durable.
  // Errors: INVALID_ARGUMENT for an empty batch, RESOURCE_EXHAUSTED if a
  // record exceeds max_message_bytes (nothing written), NOT_FOUND if the
  // topic was deleted, UNAVAILABLE if the store is closing or its storage
  // failed (a failed fsync: see StorageHealth), and the I/O error (e.g.
  // RESOURCE_EXHAUSTED on a full disk) otherwise; a failed append leaves no
  // partial batch visible. A batch with a producer id (a Kafka idempotent
  // producer's) is checked against the partition's ProducerState first: a
  // retry of a recent batch completes with the original offsets and
  // `duplicate` set, appending nothing; a sequence gap or a stale epoch is
  // FAILED_PRECONDITION with util::ErrorReason kOutOfOrderSequence or
  // kInvalidProducerEpoch.
  virtual void AppendAsync(RecordBatchBuilder batch, Durability durability,
                           AppendCallback done) = 0;

  // Blocking form of AppendAsync.
  virtual absl::StatusOr<AppendResult> Append(RecordBatchBuilder batch, Durability durability) = 0;

  // Reads from `offset` on, below the high watermark: at most
  // `limits.max_records` records and about `limits.max_bytes` bytes, but
  // always at least one record if one exists at or after `offset` (even if
  // larger than max_bytes). At the high watermark the result is empty.
  // OUT_OF_RANGE (message names both bounds) if `offset` is below
  // log_start_offset or above high_watermark; DATA_LOSS if a stored batch in
  // the range fails its checksum (batches before it still read).
  virtual absl::StatusOr<ReadResult> Read(int64_t offset, const ReadLimits& limits) const = 0;
  absl::StatusOr<ReadResult> Read(int64_t offset, int32_t max_records, int64_t max_bytes) const {
    return Read(offset, ReadLimits{max_records, max_bytes, 0});
  }

  // Whole batches from the one holding `offset` on, below the high
  // watermark, about `max_bytes` in all but always at least one batch if
  // one exists at or after `offset` (even if larger). At the high watermark
  // the result is empty. OUT_OF_RANGE as Read; DATA_LOSS if the first batch
  // fails its checksum (a damaged batch after good ones ends the result
  // before it; the next read reports it).
  virtual absl::StatusOr<BatchReadResult> ReadBatches(int64_t offset, int64_t max_bytes) const = 0;

  // The first offset whose record timestamp is >= `timestamp_ms`, or the high
  // watermark if there is none.
  virtual absl::StatusOr<int64_t> OffsetForTimestamp(int64_t timestamp_ms) const = 0;

  virtual int64_t log_start_offset() const = 0;
  // The durable end: readers see offsets below it only.
  virtual int64_t high_watermark() const = 0;
  // The next offset to assign (>= high_watermark()).
  virtual int64_t log_end_offset() const = 0;
  virtual int64_t size_bytes() const = 0;

  // Registers `callback` to run once when high_watermark() > `offset`, or
  // when the log is deleted or the store closes. Returns 0 and does not keep
  // the callback if that is already the case (the caller proceeds at once).
  // Records written past `offset` but not yet durable are synced promptly.
  // The callback runs on a syncing (or closing) thread, never under the
  // log's lock; it must not block.
  virtual WaiterId WaitForData(int64_t offset, absl::AnyInvocable<void()> callback) = 0;

  // Removes a waiter. Returns true if it was removed before it ran; false if
  // it has run, is running, or is unknown.
  virtual bool CancelWait(WaiterId id) = 0;

  // True once the topic is deleted (reads/appends then return NOT_FOUND) or
  // the store is closing (UNAVAILABLE).
  virtual bool closed() const = 0;

  // fsyncs everything appended so far and moves the high watermark over it.
  virtual absl::Status Flush() = 0;

  // Deletes whole sealed segments past retention_ms / retention_bytes (never
  // the active one) and their index entries; advances log_start_offset.
  // Called by the store's cleanup loop; public for tests and tools.
  virtual absl::Status EnforceRetention() = 0;

  // COMPACT topics: rewrites durable sealed segments keeping the newest
  // record per key (offsets kept; a tombstone goes delete_retention_ms after
  // the cleaner first saw it). Crash-atomic. No-op for DELETE topics.
  virtual absl::Status Compact() = 0;

  // Since the log was opened; zero for logs that do no cleanup.
  virtual CleanupStats cleanup_stats() const { return {}; }

  // ---- Replication (docs/CLUSTER.md, "Replication") ----
  // The defaults answer UNIMPLEMENTED: logs that are never replicated (test
  // fakes) need not provide them.

  // A follower's append: `batches` holds one or more whole record batches
  // as the leader stored them (magic 2), appended byte for byte with the
  // offsets and leader epochs in their headers; `done` runs once
  // `durability` is met, like AppendAsync (result: the first batch's base
  // offset, the last batch's last offset; kAll: at the local fsync, never
  // waiting for the high watermark). The first base offset must be at
  // or past log_end_offset() (gaps are the leader's compaction), each next
  // one at or past the end of the one before, and leader epochs must not
  // go down; a batch of a new epoch is recorded in the leader-epoch cache.
  // Errors: INVALID_ARGUMENT for no batches, DATA_LOSS for a batch that
  // fails its checks or checksum, FAILED_PRECONDITION for an offset below
  // the log end or an epoch going down (nothing of the call is written
  // then), and AppendAsync's errors.
  virtual void AppendReplicaAsync(std::string batches, Durability durability, AppendCallback done) {
    (void)batches;
    (void)durability;
    done(absl::UnimplementedError("this log does not replicate"));
  }

  // A follower drops the records at and after `offset` that its leader
  // does not have (docs/CLUSTER.md, leader-epoch truncation): the log end
  // (and the high watermark, if above) moves back to `offset`, or to the
  // base of the batch holding it (batches go whole), and the leader-epoch
  // cache forgets epochs that started past the new end; the cut is durable
  // before this returns. Callers serve no reads of the partition meanwhile
  // (a follower serves none): a reader past the new end may fail. A no-op at
  // or past the log end. OUT_OF_RANGE below log_start_offset; NOT_FOUND /
  // UNAVAILABLE once deleted / closing; the I/O error otherwise.
  virtual absl::Status TruncateTo(int64_t offset) {
    (void)offset;
    return absl::UnimplementedError("this log does not replicate");
  }

  // A follower whose log ends below its leader's log start (retention
  // deleted what it lacks, or it is a new, empty replica) drops its whole
  // log and starts again, empty, at the leader's log start `offset` (Kafka's
  // truncateFullyAndStartAt): log start, high watermark and log end all
  // become `offset`, the leader-epoch cache and the producers' state are
  // cleared; durable before this returns. FAILED_PRECONDITION for an
  // `offset` not past the log end (TruncateTo is the cut for those);
  // NOT_FOUND / UNAVAILABLE once deleted / closing; the I/O error otherwise.
  virtual absl::Status TruncateFullyAndStartAt(int64_t offset) {
    (void)offset;
    return absl::UnimplementedError("this log does not replicate");
  }

  // The leader's side of the replication stream: whole batches as stored,
  // from the one holding `offset` on, up to the log end (past the high
  // watermark: followers copy what is written, so that the leader and its
  // followers fsync side by side), about `max_bytes` of them but at least
  // one. Empty at the log end. OUT_OF_RANGE outside [log_start_offset,
  // log_end_offset]; DATA_LOSS for a damaged batch header on the way.
  virtual absl::StatusOr<ReplicaRead> ReadForReplica(int64_t offset, int64_t max_bytes) const {
    (void)offset;
    (void)max_bytes;
    return absl::UnimplementedError("this log does not replicate");
  }

  // The replica becomes the partition's leader for `epoch`: the leader-
  // epoch cache records that `epoch` starts at the log end, and later
  // appends carry `epoch` in their batch headers (before any call, batches
  // keep the epoch they were built with: 0). A no-op for the current epoch;
  // FAILED_PRECONDITION for one below the latest recorded.
  virtual absl::Status BecomeLeader(int32_t epoch) {
    (void)epoch;
    return absl::UnimplementedError("this log does not replicate");
  }

  // The leader-epoch cache (docs/CLUSTER.md, "Leader epochs and
  // truncation"): the latest epoch this replica holds records of or leads
  // (-1: none), and Kafka's OffsetForLeaderEpoch answer for `epoch`: (the
  // largest epoch at or below it, where that epoch's records end), both -1
  // when unknown.
  virtual int32_t latest_leader_epoch() const { return -1; }
  virtual std::pair<int32_t, int64_t> EndOffsetForEpoch(int32_t epoch) const {
    (void)epoch;
    return {-1, -1};
  }

  // Everything below it is fsynced here (>= high_watermark() on a leader
  // alone; a replicated partition's high watermark may be lower).
  virtual int64_t durable_end() const { return high_watermark(); }

  // Caps the high watermark at `limit` (never moving it down): a leader's
  // limit is the lowest durable end its in-sync followers reported, a
  // follower's the leader's high watermark it was last sent
  // (docs/CLUSTER.md, "High watermark and acks"). INT64_MAX (the default):
  // the durable end alone, as on a single broker. While a limit is set,
  // ACKS_ALL appends complete once the high watermark passes them (not at
  // the local fsync). Waiters the move releases are woken.
  virtual void SetHighWatermarkLimit(int64_t limit) { (void)limit; }

  // A leader's ISR has `in_sync` members and ACKS_ALL needs `required`:
  // while in_sync < required, ACKS_ALL appends fail before anything is
  // written, FAILED_PRECONDITION with util::ErrorReason kNotEnoughReplicas
  // (Kafka's NOT_ENOUGH_REPLICAS), and ACKS_ALL appends already written but
  // not yet acknowledged (waiting for the high watermark, or for their
  // fsync) fail with FAILED_PRECONDITION and kNotEnoughReplicasAfterAppend
  // (Kafka's NOT_ENOUGH_REPLICAS_AFTER_APPEND): their records stay in the
  // log and may be read once the smaller ISR has them. Both 1 until called.
  virtual void SetInSyncReplicas(int32_t in_sync, int32_t required) {
    (void)in_sync;
    (void)required;
  }

  // The ACKS_ALL appends waiting for the high watermark fail with `status`
  // (the replica stopped leading: UNAVAILABLE). Appends made later wait
  // again while a limit is set.
  virtual void FailPendingAcks(const absl::Status& status) { (void)status; }

  // The leader's wait for its followers: `callback` runs once when
  // log_end_offset() > `offset` (written, not necessarily durable), or when
  // the log is deleted or closes; on an appending thread, without the log's
  // locks; it must not block. Returns 0 and keeps nothing if that is
  // already so (also for logs that do not replicate).
  virtual WaiterId WaitForWritten(int64_t offset, absl::AnyInvocable<void()> callback) {
    (void)offset;
    (void)callback;
    return 0;
  }
  virtual bool CancelWaitForWritten(WaiterId id) {
    (void)id;
    return false;
  }
};

}  // namespace eventlog::storage
