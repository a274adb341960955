// LeaderEpochCache: for one partition replica, the offset at which each
// leader epoch's records start (Kafka's leader-epoch cache, KIP-101/279;
// docs/CLUSTER.md "Replication"). A replica answers "where does epoch E
// end?" from it (EndOffsetFor), and a follower uses the answer to truncate
// a suffix its new leader does not have, so replicas never diverge.
//
// Entries have strictly increasing epochs and non-decreasing start
// offsets. The cache is persisted in the partition folder
// (`leader-epoch-checkpoint`, docs/storage-format.md), rewritten atomically
// on every change; it is derived data (every batch header carries its
// leader epoch), so a lost file can be rebuilt from the log.
//
// Thread-safe (internal synchronization).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "storage/fs/file_system.h"

namespace eventlog::storage {

struct EpochEntry {
  int32_t epoch = 0;
  int64_t start_offset = 0;
  bool operator==(const EpochEntry& other) const {
    return epoch == other.epoch && start_offset == other.start_offset;
  }
};

// The answer to "where does epoch E end?": the largest epoch at or below E
// this replica has, and the offset its records end at (exclusive). Both
// kUndefined when the replica knows nothing at or after E.
struct EpochEndOffset {
  static constexpr int32_t kUndefinedEpoch = -1;
  static constexpr int64_t kUndefinedOffset = -1;
  int32_t epoch = kUndefinedEpoch;
  int64_t end_offset = kUndefinedOffset;
  bool operator==(const EpochEndOffset& other) const {
    return epoch == other.epoch && end_offset == other.end_offset;
  }
};

class LeaderEpochCache {
 public:
  // Reads the checkpoint at `path` if it exists (an empty cache if not).
  // `fs` must outlive the cache. DATA_LOSS if the file is damaged (the
  // caller may rebuild it from the log), or the file system's error.
  static absl::StatusOr<std::unique_ptr<LeaderEpochCache>> Open(fs::FileSystem* fs,
                                                                std::string path);

  LeaderEpochCache(const LeaderEpochCache&) = delete;
  LeaderEpochCache& operator=(const LeaderEpochCache&) = delete;

  // Records that `epoch` starts at `start_offset` (a new leader's log end
  // when it takes over; on a follower, the base offset of the first batch
  // of that epoch it appends). A no-op for the latest epoch already
  // recorded. FAILED_PRECONDITION, nothing changed, for an epoch below the
  // latest or an offset below the latest entry's start (the caller must
  // truncate first); the file system's error if the checkpoint cannot be
  // written (the cache keeps the entry in memory then).
  absl::Status Assign(int32_t epoch, int64_t start_offset) ABSL_LOCKS_EXCLUDED(mu_);

  // KIP-279's OffsetsForLeaderEpoch, given this replica's log end offset:
  //  - `epoch` is the latest epoch: (latest, log_end_offset);
  //  - otherwise the start offset of the first epoch above `epoch`, with the
  //    largest epoch at or below `epoch` (or `epoch` itself if the cache
  //    starts above it);
  //  - `epoch` above the latest, or an empty cache: both undefined.
  EpochEndOffset EndOffsetFor(int32_t epoch, int64_t log_end_offset) const ABSL_LOCKS_EXCLUDED(mu_);

  // The log was truncated to `end_offset` (records at and after it are
  // gone): drops the entries starting at or after it.
  absl::Status TruncateFromEnd(int64_t end_offset) ABSL_LOCKS_EXCLUDED(mu_);

  // Retention moved the log start to `start_offset`: drops the entries
  // wholly below it and moves the start of the one that spans it there.
  absl::Status TruncateFromStart(int64_t start_offset) ABSL_LOCKS_EXCLUDED(mu_);

  std::optional<EpochEntry> latest() const ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<EpochEntry> entries() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  LeaderEpochCache(fs::FileSystem* fs, std::string path, std::vector<EpochEntry> entries)
      : fs_(fs), path_(std::move(path)), entries_(std::move(entries)) {}

  absl::Status PersistLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  fs::FileSystem* const fs_;
  const std::string path_;
  mutable absl::Mutex mu_;
  std::vector<EpochEntry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::storage
