// DiskPartitionLog's replica side (docs/CLUSTER.md, "Replication"), apart
// from the append and sync paths in disk_partition_log.cc: a follower's
// appends of its leader's batches, the leader's reads for its followers,
// leader epochs, and the high watermark across replicas (the cap a
// replica's in-sync peers put on it, and the ACKS_ALL appends that wait for
// it).
#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "storage/format/record_batch_format.h"
#include "storage/log/disk_partition_log.h"
#include "storage/log/replica_batches.h"
#include "storage/log/replica_reader.h"
#include "storage/util/error_reason.h"
#include "storage/util/status_macros.h"

namespace eventlog::storage {

void DiskPartitionLog::AppendReplicaAsync(std::string batches, Durability durability,
                                          AppendCallback done) {
  // The checksums before the lock.
  absl::StatusOr<std::vector<format::BatchHeader>> headers = ParseReplicaBatches(batches);
  if (!headers.ok()) {
    done(headers.status());
    return;
  }
  // A follower's own fsync completes it: it is not a client's ACKS_ALL,
  // and its high watermark waits for the leader's.
  AppendWith(
      durability, std::move(done),
      [&](AppendResult* result) ABSL_NO_THREAD_SAFETY_ANALYSIS {
        return AppendReplicaLocked(batches, *headers, result);
      },
      /*wait_for_replicas=*/false);
}

absl::Status DiskPartitionLog::AppendReplicaLocked(absl::string_view batches,
                                                   const std::vector<format::BatchHeader>& headers,
                                                   AppendResult* result) {
  RETURN_IF_ERROR(segments_.CheckOpen());
  RETURN_IF_ERROR(options_.health->status());
  const format::BatchHeader& first = headers.front();
  if (first.base_offset < next_offset_) {
    return absl::FailedPreconditionError(
        absl::StrCat("a replicated batch starts at offset ", first.base_offset,
                     ", below this replica's log end ", next_offset_, " (truncate first)"));
  }
  const std::optional<EpochEntry> latest = epochs_->latest();
  if (latest.has_value() && first.leader_epoch < latest->epoch) {
    return absl::FailedPreconditionError(
        absl::StrCat("a replicated batch has leader epoch ", first.leader_epoch,
                     ", below this replica's latest epoch ", latest->epoch, " (truncate first)"));
  }
  size_t position = 0;
  for (const format::BatchHeader& header : headers) {
    if (header.leader_epoch >= 0) {
      // Recorded before the batch is written, so the cache never misses an
      // epoch the log has (a surplus entry is dropped by a truncation).
      RETURN_IF_ERROR(epochs_->Assign(header.leader_epoch, header.base_offset));
    }
    // A follower keeps its producers' state too, so that it deduplicates
    // retries once it leads.
    const ProducerState::Claim claim{header.producer_id, header.producer_epoch,
                                     header.base_sequence, header.record_count};
    RETURN_IF_ERROR(WriteBatchLocked(batches.substr(position, header.batch_length),
                                     header.base_offset, header.next_offset(),
                                     header.max_timestamp_ms, claim));
    position += header.batch_length;
  }
  result->base_offset = first.base_offset;
  result->last_offset = headers.back().last_offset();
  return absl::OkStatus();
}

absl::Status DiskPartitionLog::BecomeLeader(int32_t epoch) {
  absl::MutexLock lock(&append_mu_);
  RETURN_IF_ERROR(segments_.CheckOpen());
  if (epoch == leader_epoch_) return absl::OkStatus();
  RETURN_IF_ERROR(epochs_->Assign(epoch, next_offset_));
  leader_epoch_ = epoch;
  return absl::OkStatus();
}

absl::StatusOr<ReplicaRead> DiskPartitionLog::ReadForReplica(int64_t offset,
                                                             int64_t max_bytes) const {
  return storage::ReadForReplica(segments_, offset_index_, offset, max_bytes);
}


int32_t DiskPartitionLog::latest_leader_epoch() const {
  const std::optional<EpochEntry> latest = epochs_->latest();
  return latest.has_value() ? latest->epoch : -1;
}

std::pair<int32_t, int64_t> DiskPartitionLog::EndOffsetForEpoch(int32_t epoch) const {
  const EpochEndOffset end = epochs_->EndOffsetFor(epoch, log_end_offset());
  return {end.epoch, end.end_offset};
}

void DiskPartitionLog::SetHighWatermarkLimit(int64_t limit) {
  high_watermark_limit_.store(limit);
  AdvanceHighWatermark();
}

void DiskPartitionLog::AdvanceHighWatermark() {
  // Both the sync path (after storing durable_end_) and SetHighWatermarkLimit
  // (after storing the limit) come here and read both: whichever runs last
  // sees both new values.
  const int64_t target = std::min(durable_end_.load(), high_watermark_limit_.load());
  for (auto& callback : segments_.AdvanceHighWatermark(target)) callback();
  const int64_t high_watermark = segments_.offsets().high_watermark;
  for (auto& completion : acks_.TakeReady(high_watermark)) completion();
}

void DiskPartitionLog::SetInSyncReplicas(int32_t in_sync, int32_t required) {
  in_sync_replicas_.store(in_sync);
  min_in_sync_replicas_.store(required);
  // The appends written before the ISR shrank cannot be acknowledged as
  // ACKS_ALL asked; an append racing this call is caught when it completes
  // (WaitForReplicas).
  if (in_sync < required) FailPendingAcks(NotEnoughReplicasAfterAppend(in_sync, required));
}

absl::Status DiskPartitionLog::NotEnoughReplicasAfterAppend(int32_t in_sync,
                                                            int32_t required) const {
  return util::WithReason(
      absl::FailedPreconditionError(absl::StrCat(
          "partition ", options_.partition, " was written, but its in-sync replicas fell to ",
          in_sync, " of the ", required,
          " ACKS_ALL needs (min_insync_replicas) before every one had it: not acknowledged; "
          "the records stay in the log and a retry may write them twice")),
      util::ErrorReason::kNotEnoughReplicasAfterAppend);
}

void DiskPartitionLog::FailPendingAcks(const absl::Status& status) {
  for (auto& completion : acks_.TakeAll(status)) completion();
}

AppendCallback DiskPartitionLog::WaitForReplicas(AppendCallback done) {
  if (high_watermark_limit_.load() == std::numeric_limits<int64_t>::max()) return done;
  return [self = shared_from_this(), done = std::move(done), generation = acks_.generation()](
             absl::StatusOr<AppendResult> result) mutable {
    if (!result.ok()) {
      done(std::move(result));
      return;
    }
    // Checked again when the high watermark releases it: an ISR that shrank
    // below the minimum after the append's own check (Kafka checks here too).
    AppendCallback checked = [self, done = std::move(done)](
                                 absl::StatusOr<AppendResult> acked) mutable {
      const int32_t in_sync = self->in_sync_replicas_.load();
      const int32_t required = self->min_in_sync_replicas_.load();
      if (acked.ok() && in_sync < required) {
        acked = self->NotEnoughReplicasAfterAppend(in_sync, required);
      }
      done(std::move(acked));
    };
    for (auto& completion : self->acks_.AddOrTake(generation, *result, std::move(checked), [&] {
           return self->segments_.offsets().high_watermark;
         })) {
      completion();
    }
  };
}

}  // namespace eventlog::storage
