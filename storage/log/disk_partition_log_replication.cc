// DiskPartitionLog's high watermark across replicas (docs/CLUSTER.md, "High
// watermark and acks"), apart from the append and sync paths in
// disk_partition_log.cc: the cap a replica's in-sync peers put on it, and
// the ACKS_ALL appends that wait for it.
#include <algorithm>
#include <limits>
#include <utility>

#include "storage/log/disk_partition_log.h"

namespace eventlog::storage {

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
    for (auto& completion : self->acks_.AddOrTake(generation, *result, std::move(done), [&] {
           return self->segments_.offsets().high_watermark;
         })) {
      completion();
    }
  };
}

}  // namespace eventlog::storage
