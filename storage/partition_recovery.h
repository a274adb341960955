// PartitionRecovery: brings one partition folder and its index entries back
// to a consistent state when the store opens, and reports what the partition
// log needs to resume:
//  - finishes an interrupted compaction (roll forward) and removes leftover
//    temporary files;
//  - deletes segments retention had already given up (below the persisted
//    log start offset);
//  - drops index entries that do not match the segments (past the end, or
//    pointing at a batch that is not there);
//  - scans only what the index does not cover (from the last index entry to
//    the end of the log), re-creating the missing entries;
//  - truncates a torn last batch of the active segment (a partial write, or
//    a bad checksum with no valid batch after it). A damaged batch anywhere
//    else is left in place: reads report it as DATA_LOSS.
//
// Not thread-safe; runs before the log is shared.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "leveldb/db.h"
#include "storage/segment.h"

namespace eventlog::storage {

struct RecoveredPartition {
  std::map<int64_t, std::shared_ptr<Segment>> segments;  // by base offset; never empty
  int64_t log_start_offset = 0;
  int64_t log_end_offset = 0;
  int64_t max_timestamp = 0;            // running max over the log (INT64_MIN if empty)
  int64_t bytes_since_index = 0;        // for IndexCadence of the active segment
  int64_t active_first_timestamp = -1;  // first batch of the active segment, -1 if empty
  int64_t bytes_scanned = 0;            // segment bytes read to recover (for tests)
};

class PartitionRecovery {
 public:
  // `db` must outlive the call.
  PartitionRecovery(std::string dir, leveldb::DB* db, uint64_t topic_id, int32_t partition,
                    int64_t index_interval_bytes);

  absl::StatusOr<RecoveredPartition> Run();

  // Key of the persisted log start offset; shared with the partition log.
  static std::string LogStartKey(uint64_t topic_id, int32_t partition);
  // Key of the marker of a compaction whose index update is written but
  // whose rename may not be; shared with the partition log.
  static std::string CompactionMarkerKey(uint64_t topic_id, int32_t partition,
                                         int64_t segment_base);

 private:
  const std::string dir_;
  leveldb::DB* const db_;
  const uint64_t topic_id_;
  const int32_t partition_;
  const int64_t index_interval_bytes_;
};

}  // namespace eventlog::storage
