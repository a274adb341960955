#include "storage/log/disk_partition_log.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "leveldb/write_batch.h"
#include "storage/format/record_batch_format.h"
#include "storage/layout.h"
#include "storage/leveldb_util.h"
#include "storage/log/partition_recovery.h"
#include "storage/log/sync_stats.h"
#include "storage/util/coding.h"
#include "storage/util/error_reason.h"
#include "storage/util/status_macros.h"

namespace eventlog::storage {

absl::StatusOr<std::shared_ptr<DiskPartitionLog>> DiskPartitionLog::Open(
    PartitionLogOptions options) {
  PartitionRecovery recovery(PartitionRecovery::Options{
      options.fs, options.dir, options.db, options.topic_id, options.partition,
      options.index_interval_bytes, options.health.get(), options.created});
  ASSIGN_OR_RETURN(RecoveredPartition recovered, recovery.Run());
  ASSIGN_OR_RETURN(std::unique_ptr<LeaderEpochCache> epochs,
                   LeaderEpochCache::Open(options.fs, layout::LeaderEpochsPath(options.dir)));
  ASSIGN_OR_RETURN(ProducerSnapshot::Loaded producers,
                   ProducerSnapshot::Load(options.db, options.topic_id, options.partition,
                                          recovered.segments, recovered.log_end_offset));
  // Not make_shared: the constructor is private.
  return std::shared_ptr<DiskPartitionLog>(new DiskPartitionLog(
      std::move(options), std::move(recovered), std::move(epochs), std::move(producers)));
}

DiskPartitionLog::DiskPartitionLog(PartitionLogOptions options, RecoveredPartition recovered,
                                   std::unique_ptr<LeaderEpochCache> epochs,
                                   ProducerSnapshot::Loaded producers)
    : options_(std::move(options)),
      offset_index_(options_.db, options_.topic_id, options_.partition),
      time_index_(options_.db, options_.topic_id, options_.partition),
      segments_(options_.partition, recovered.segments, recovered.log_start_offset,
                recovered.log_end_offset),
      reader_(&segments_, &offset_index_, &time_index_, options_.index_interval_bytes),
      epochs_(std::move(epochs)),
      recovery_bytes_scanned_(recovered.bytes_scanned),
      recovery_truncated_bytes_(recovered.truncated_bytes),
      recovery_index_scans_(recovered.index_scans),
      producer_bytes_replayed_(producers.bytes_replayed),
      retention_(&options_, &segments_, &offset_index_, &time_index_, &max_timestamp_),
      compactor_(&options_, &segments_, &offset_index_, &reader_),
      cadence_(options_.index_interval_bytes) {
  const std::shared_ptr<Segment>& active = recovered.segments.rbegin()->second;
  absl::MutexLock a(&append_mu_);
  appender_ = std::make_unique<SegmentAppender>(active, active->size());
  cadence_.Add(/*indexed=*/true, recovered.bytes_since_index);
  next_offset_ = recovered.log_end_offset;
  producers_ = std::move(producers.state);
  active_created_ms_ = recovered.active_first_timestamp;
  max_timestamp_ = recovered.max_timestamp;
  written_end_ = recovered.log_end_offset;
  durable_end_ = recovered.log_end_offset;
  checkpointed_end_ = recovered.log_end_offset;
  absl::MutexLock s(&sync_mu_);
  sync_active_ = active;
}

void DiskPartitionLog::MarkGone(LogSegments::State state) {
  std::vector<WaiterList::Callback> wake;
  {
    // Waits for a cleanup or an append in progress.
    absl::MutexLock c(&cleanup_mu_);
    absl::MutexLock a(&append_mu_);
    // A clean close keeps the producer state whole: the next open replays
    // nothing.
    if (state == LogSegments::State::kClosed && segments_.open()) SnapshotProducersLocked();
    wake = segments_.Close(state);
  }
  for (auto& callback : wake) callback();
  for (auto& completion : acks_.TakeAll(segments_.CheckOpen())) completion();
}

// ---- Waiting --------------------------------------------------------------

PartitionLog::WaiterId DiskPartitionLog::WaitForData(int64_t offset,
                                                     absl::AnyInvocable<void()> callback) {
  bool written_past = false;
  const WaiterId id = segments_.WaitForData(offset, std::move(callback), &written_past);
  // A reader waits for records that are written but not durable yet
  // (ACKS_LEADER): sync them now rather than at the next flush interval.
  if (id != 0 && written_past) options_.committer->RequestSync(shared_from_this());
  return id;
}

// ---- Append ---------------------------------------------------------------

void DiskPartitionLog::AppendAsync(RecordBatchBuilder batch, Durability durability,
                                   AppendCallback done) {
  if (batch.empty()) {
    done(absl::InvalidArgumentError("cannot append an empty batch"));
    return;
  }
  if (batch.max_record_bytes() > static_cast<size_t>(options_.config.max_message_bytes)) {
    done(absl::ResourceExhaustedError(absl::StrCat(
        "a record of ", batch.max_record_bytes(),
        " bytes exceeds the topic's max_message_bytes of ", options_.config.max_message_bytes)));
    return;
  }
  const auto total = static_cast<int64_t>(batch.size_bytes());
  if (total > format::kMaxBatchBytes) {
    done(absl::ResourceExhaustedError(absl::StrCat(
        "a batch of ", total, " bytes exceeds the limit of ", format::kMaxBatchBytes)));
    return;
  }
  if (durability == Durability::kAll) {
    const int32_t in_sync = in_sync_replicas_.load();
    const int32_t required = min_in_sync_replicas_.load();
    if (in_sync < required) {
      done(util::WithReason(
          absl::FailedPreconditionError(absl::StrCat(
              "partition ", options_.partition, " has ", in_sync,
              " in-sync replica(s) and ACKS_ALL needs ", required,
              " (min_insync_replicas); nothing was written: retry later or use ACKS_LEADER")),
          util::ErrorReason::kNotEnoughReplicas));
      return;
    }
  }
  // Everything but the offset is known now: checksum the batch before taking
  // the lock (its checksum does not cover the base offset).
  batch.Seal();
  AppendWith(durability, std::move(done), [&](AppendResult* result) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return AppendLocked(batch, result);
  });
}

void DiskPartitionLog::AppendWith(Durability durability, AppendCallback done,
                                  absl::FunctionRef<absl::Status(AppendResult*)> write,
                                  bool wait_for_replicas) {
  AppendResult result;
  absl::Status status;
  const bool sync = durability == Durability::kAll;
  if (sync) options_.committer->BeginAppend();
  {
    absl::MutexLock lock(&append_mu_);
    status = write(&result);
    // Queued under the lock so that completions keep offset order.
    if (sync) {
      if (status.ok()) {
        options_.committer->Submit(shared_from_this(), result,
                                   wait_for_replicas ? WaitForReplicas(std::move(done))
                                                     : std::move(done));
      } else {
        options_.committer->AbandonAppend();
      }
    }
  }
  if (!status.ok()) {
    done(status);
    return;
  }
  for (auto& callback : segments_.TakeWritten()) callback();
  if (!sync) {
    // Readers parked on this partition see the batch once it is durable:
    // sync it promptly for them.
    if (segments_.has_waiters()) options_.committer->RequestSync(shared_from_this());
    done(result);
  }
}

absl::StatusOr<AppendResult> DiskPartitionLog::Append(RecordBatchBuilder batch,
                                                      Durability durability) {
  absl::Notification finished;
  absl::StatusOr<AppendResult> out;
  AppendAsync(std::move(batch), durability, [&](absl::StatusOr<AppendResult> r) {
    out = std::move(r);
    finished.Notify();
  });
  finished.WaitForNotification();
  return out;
}

absl::Status DiskPartitionLog::AppendLocked(RecordBatchBuilder& batch, AppendResult* result) {
  RETURN_IF_ERROR(segments_.CheckOpen());
  RETURN_IF_ERROR(options_.health->status());
  const ProducerState::Claim claim{batch.producer_id(), batch.producer_epoch(),
                                   batch.base_sequence(), batch.record_count()};
  if (claim.producer_id >= 0) {
    // Checked under the append lock: a retry racing its original sees it.
    ASSIGN_OR_RETURN(std::optional<ProducerState::Batch> original, producers_.Check(claim));
    if (original.has_value()) {
      result->base_offset = original->first_offset;
      result->last_offset = original->last_offset;
      result->duplicate = true;
      return absl::OkStatus();
    }
  }
  std::string& bytes = batch.Seal();
  const int64_t base = next_offset_;
  format::SetBaseOffset(bytes.data(), base);
  // Not covered by the checksum either.
  if (leader_epoch_ >= 0) format::SetLeaderEpoch(bytes.data(), leader_epoch_);
  RETURN_IF_ERROR(
      WriteBatchLocked(bytes, base, base + batch.record_count(), batch.max_timestamp_ms(), claim));
  result->base_offset = base;
  result->last_offset = next_offset_ - 1;
  return absl::OkStatus();
}

absl::Status DiskPartitionLog::WriteBatchLocked(absl::string_view bytes, int64_t base, int64_t next,
                                                int64_t max_timestamp_ms,
                                                const ProducerState::Claim& claim) {
  const auto total = static_cast<int64_t>(bytes.size());
  if (options_.space_guard != nullptr) RETURN_IF_ERROR(options_.space_guard->Admit(total));
  const int64_t now = options_.clock->NowMs();
  if (appender_->position() > 0 &&
      (appender_->position() + total > options_.config.segment_bytes ||
       (active_created_ms_ >= 0 && now - active_created_ms_ >= options_.config.segment_ms))) {
    RETURN_IF_ERROR(RollLocked(base));
  }

  const int64_t position = appender_->position();
  RETURN_IF_ERROR(appender_->Append(bytes));
  if (active_created_ms_ < 0) active_created_ms_ = now;

  const int64_t max_before = max_timestamp_.load();
  const bool index = cadence_.ShouldIndex(position);
  if (index) {
    leveldb::WriteBatch entries;
    offset_index_.Put(
        OffsetIndexEntry{base, appender_->segment()->base_offset(), position, max_before},
        &entries);
    time_index_.Put(TimeIndexEntry{max_before, base}, &entries);
    // Derived data: if this fails, reads scan from an earlier entry and the
    // next recovery re-creates it.
    (void)leveldb_util::Write(options_.db, &entries, /*sync=*/false, "index");
  }
  cadence_.Add(index, total);
  max_timestamp_.store(std::max(max_before, max_timestamp_ms));
  next_offset_ = next;
  producers_.Record(claim, base);
  segments_.Published(*appender_->segment(), appender_->position(), next_offset_, total);
  written_end_.store(next_offset_, std::memory_order_release);
  return absl::OkStatus();
}

void DiskPartitionLog::SnapshotProducersLocked() {
  leveldb::WriteBatch snapshot;
  ProducerSnapshot::Put(options_.topic_id, options_.partition, next_offset_, producers_,
                        &snapshot);
  // Derived data: if it is lost, the next open replays more of the log.
  (void)leveldb_util::Write(options_.db, &snapshot, /*sync=*/false, "producer snapshot");
}

absl::Status DiskPartitionLog::RollLocked(int64_t base) {
  ASSIGN_OR_RETURN(std::shared_ptr<Segment> segment,
                   Segment::Open(*options_.fs, layout::SegmentPath(options_.dir, base), base,
                                 fs::OpenMode::kCreate));
  // The new file must survive a crash before anything in it is acknowledged.
  RETURN_IF_ERROR(options_.health->CheckSync(options_.fs->SyncDir(options_.dir),
                                             "fsync of directory " + options_.dir));
  {
    // The sealed segment is fsynced by the next sync, before the high
    // watermark moves past anything after it.
    absl::MutexLock s(&sync_mu_);
    unsynced_sealed_.push_back(appender_->segment());
    sync_active_ = segment;
  }
  segments_.AddSegment(segment);
  appender_ = std::make_unique<SegmentAppender>(std::move(segment), 0);
  // The next open replays the producers' batches of the new segment only.
  SnapshotProducersLocked();
  active_created_ms_ = -1;
  return absl::OkStatus();
}

// ---- Durability -----------------------------------------------------------

absl::Status DiskPartitionLog::SyncWritten() {
  absl::MutexLock f(&flush_mu_);
  RETURN_IF_ERROR(options_.health->status());
  // Every offset below `target` is in a segment taken below: the lists are
  // read after it.
  const int64_t target = written_end_.load(std::memory_order_acquire);
  if (target <= durable_end_.load()) return absl::OkStatus();
  std::vector<std::shared_ptr<Segment>> sealed;
  std::shared_ptr<Segment> active;
  {
    absl::MutexLock s(&sync_mu_);
    sealed.swap(unsynced_sealed_);
    active = sync_active_;
  }
  for (const std::shared_ptr<Segment>& segment : sealed) {
    RETURN_IF_ERROR(
        options_.health->CheckSync(SyncStats::Global().TimeFsync([&] { return segment->Sync(); }),
                                   "fdatasync of " + segment->path()));
  }
  const int64_t active_synced = active->size();  // all of it is durable after the sync
  RETURN_IF_ERROR(
      options_.health->CheckSync(SyncStats::Global().TimeFsync([&] { return active->Sync(); }),
                                 "fdatasync of " + active->path()));
  durable_end_.store(target);
  AdvanceHighWatermark();
  DropColdPages(sealed, *active, active_synced);
  return absl::OkStatus();
}

void DiskPartitionLog::CheckpointRecoveryPoint(leveldb::WriteBatch* batch) {
  // A deleted topic's keys are being removed (a closed log's are not).
  if (absl::IsNotFound(segments_.CheckOpen())) return;
  const int64_t durable = durable_end_.load();
  int64_t checkpointed = checkpointed_end_.load();
  while (durable > checkpointed) {
    if (checkpointed_end_.compare_exchange_weak(checkpointed, durable)) {
      char value[8];
      util::coding::PutFixed64(value, static_cast<uint64_t>(durable));
      batch->Put(
          layout::PartitionPrefix(layout::kRecoveryPoint, options_.topic_id, options_.partition),
          leveldb::Slice(value, sizeof(value)));
      return;
    }
  }
}

void DiskPartitionLog::DropColdPages(const std::vector<std::shared_ptr<Segment>>& sealed,
                                     Segment& active, int64_t active_synced) {
  int64_t keep = options_.page_cache_window_bytes;
  if (keep < 0) return;
  active.DropCachedBytes(active_synced - keep);
  keep -= active_synced;
  for (auto it = sealed.rbegin(); it != sealed.rend(); ++it) {  // newest first
    (*it)->DropCachedBytes((*it)->size() - std::max<int64_t>(keep, 0));
    keep -= (*it)->size();
  }
}

absl::Status DiskPartitionLog::Flush() {
  RETURN_IF_ERROR(segments_.CheckOpen());
  return SyncWritten();
}

// ---- Read and cleanup -----------------------------------------------------

absl::StatusOr<ReadResult> DiskPartitionLog::Read(int64_t offset, const ReadLimits& limits) const {
  return reader_.Read(offset, limits);
}

absl::StatusOr<int64_t> DiskPartitionLog::OffsetForTimestamp(int64_t timestamp_ms) const {
  RETURN_IF_ERROR(segments_.CheckOpen());
  return reader_.OffsetForTimestamp(timestamp_ms);
}

absl::Status DiskPartitionLog::EnforceRetention() {
  absl::MutexLock c(&cleanup_mu_);
  RETURN_IF_ERROR(retention_.Enforce());
  // Epochs wholly below the new log start are forgotten, as Kafka does, so
  // that no end offset answered for them lies below the log.
  return epochs_->TruncateFromStart(segments_.offsets().log_start);
}

absl::Status DiskPartitionLog::Compact() {
  absl::MutexLock c(&cleanup_mu_);
  return compactor_.Compact();
}

CleanupStats DiskPartitionLog::cleanup_stats() const {
  // Both read atomics only: no cleanup lock, so a scrape never waits for a
  // compaction.
  const LogRetention::Stats retention = retention_.stats();
  const LogCompactor::Stats compaction = compactor_.stats();
  return CleanupStats{retention.runs,
                      retention.segments_deleted,
                      retention.bytes_deleted,
                      compaction.runs,
                      compaction.segments_rewritten,
                      compaction.bytes_reclaimed,
                      compaction.damaged_batches};
}

}  // namespace eventlog::storage
