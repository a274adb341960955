#include "storage/log/log_retention.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "leveldb/write_batch.h"
#include "storage/layout.h"
#include "storage/leveldb_util.h"
#include "storage/util/coding.h"
#include "storage/util/status_macros.h"

namespace eventlog::storage {

absl::StatusOr<int64_t> LogRetention::MaxTimestampBefore(int64_t next_base) const {
  // The entry of the next segment's first batch holds the running maximum
  // before it, i.e. through the end of the segment before.
  ASSIGN_OR_RETURN(std::optional<OffsetIndexEntry> entry, offset_index_->Ceiling(next_base));
  if (entry.has_value()) return entry->max_timestamp_before;
  return max_timestamp_->load();
}

absl::Status LogRetention::Enforce() {
  RETURN_IF_ERROR(segments_->CheckOpen());
  const LogConfig& config = options_->config;
  if (config.cleanup_policy != CleanupPolicy::kDelete) return absl::OkStatus();
  const std::vector<LogSegments::Sealed> sealed = segments_->DurableSealed();
  int64_t size = segments_->offsets().size_bytes;
  const int64_t now = options_->clock->NowMs();
  size_t doomed = 0;
  for (; doomed < sealed.size(); ++doomed) {
    const Segment& segment = *sealed[doomed].segment;
    // By size as Kafka does it: drop the oldest segment while what is left
    // still holds retention_bytes.
    bool expired = config.retention_bytes != LogConfig::kUnlimited &&
                   size - segment.size() >= config.retention_bytes;
    if (!expired && config.retention_ms != LogConfig::kUnlimited) {
      ASSIGN_OR_RETURN(int64_t max_ts, MaxTimestampBefore(sealed[doomed].next_base));
      expired = max_ts < now - config.retention_ms;
    }
    if (!expired) break;
    size -= segment.size();
  }
  if (doomed == 0) return absl::OkStatus();

  // Persist the new start first, so that a crash below never brings back
  // offsets and recovery finishes the deletion.
  const int64_t new_start = sealed[doomed - 1].next_base;
  char value[8];
  util::coding::PutFixed64(value, static_cast<uint64_t>(new_start));
  leveldb::WriteBatch persist;
  persist.Put(layout::PartitionPrefix(layout::kLogStart, options_->topic_id, options_->partition),
              leveldb::Slice(value, sizeof(value)));
  RETURN_IF_ERROR(leveldb_util::Write(options_->db, &persist, /*sync=*/true,
                                      "cannot persist log start offset"));
  if (!segments_->DropBelow(new_start).ok()) return segments_->CheckOpen();
  int64_t deleted_bytes = 0;
  for (size_t i = 0; i < doomed; ++i) {
    deleted_bytes += sealed[i].segment->size();
    RETURN_IF_ERROR(options_->fs->Remove(sealed[i].segment->path()));
  }
  ++runs_;
  segments_deleted_ += static_cast<int64_t>(doomed);
  bytes_deleted_ += deleted_bytes;
  RETURN_IF_ERROR(options_->health->CheckSync(options_->fs->SyncDir(options_->dir),
                                              "fsync of directory " + options_->dir));
  leveldb::WriteBatch drop;
  RETURN_IF_ERROR(offset_index_->DeleteRange(0, new_start, &drop));
  RETURN_IF_ERROR(time_index_->DeleteBelow(new_start, &drop));
  return leveldb_util::Write(options_->db, &drop, /*sync=*/false, "cannot update index");
}

}  // namespace eventlog::storage
