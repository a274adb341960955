// PartitionRecovery: brings one partition folder and its index entries back
// to a consistent state when the store opens, and reports what the partition
// log needs to resume:
//  - finishes a compaction that reached its commit point (a .swap file) and
//    removes the output of one that did not (.cleaned);
//  - deletes segments retention had already given up (below the persisted
//    log start offset);
//  - scans the log from the recovery point (the durable end persisted after
//    the last successful sync; see docs/storage-format.md) or the last index
//    entry, whichever is earlier, re-creating index entries;
//  - damage above the recovery point is a write that was never acknowledged
//    (torn by a crash): the log is cut there and later segments removed.
//    Damage below it is real corruption: it stays, and reads report
//    DATA_LOSS for its offsets only. Without a recovery point (a directory
//    from layout version 1, or a lost index) only a torn tail of the active
//    segment is cut, as that release did;
//  - fsyncs what it scanned, so that everything it recovered is durable
//    before readers may see it.
// A partition created just now (Options::created) has nothing to recover:
// its folder and segment are made and no index is read, so that creating a
// topic never walks what LevelDB keeps of deleted ones.
//
// Not thread-safe; runs before the log is shared.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "leveldb/db.h"
#include "storage/fs/file_system.h"
#include "storage/log/segment.h"
#include "storage/storage_health.h"

namespace eventlog::storage {

struct RecoveredPartition {
  std::map<int64_t, std::shared_ptr<Segment>> segments;  // by base offset; never empty
  int64_t log_start_offset = 0;
  int64_t log_end_offset = 0;           // also durable: the high watermark
  int64_t max_timestamp = 0;            // running max over the log (INT64_MIN if empty)
  int64_t bytes_since_index = 0;        // for IndexCadence of the active segment
  int64_t active_first_timestamp = -1;  // first batch of the active segment, -1 if empty
  int64_t bytes_scanned = 0;            // segment bytes read to recover (for tests)
  int64_t truncated_bytes = 0;          // torn writes cut away (for tests and logs)
  int64_t index_scans = 0;              // LevelDB range lookups made (for tests)
};

class PartitionRecovery {
 public:
  struct Options {
    fs::FileSystem* fs = nullptr;
    std::string dir;
    leveldb::DB* db = nullptr;
    uint64_t topic_id = 0;
    int32_t partition = 0;
    int64_t index_interval_bytes = 4096;
    StorageHealth* health = nullptr;
    // The partition belongs to a topic id created just now: the store made
    // sure that neither its folder nor any LevelDB key of the id exists.
    // The caller then fsyncs the folder before anything is written to it:
    // CreateTopic does so for all partitions after creating them all, so
    // that one journal commit covers most of them instead of one each.
    bool created = false;
  };

  // Everything in `options` must outlive the call.
  explicit PartitionRecovery(Options options) : options_(std::move(options)) {}

  absl::StatusOr<RecoveredPartition> Run();

 private:
  // Run() for Options::created: an empty segment at offset 0 and the
  // recovery point 0, nothing read.
  absl::StatusOr<RecoveredPartition> Create();
  // Finishes or discards compactions cut short, leaving only segments.
  absl::Status FinishCompactions(std::vector<int64_t>* bases, int64_t* rescan_from,
                                 int64_t* index_scans);
  absl::Status Sync(const absl::Status& status, const std::string& what);

  const Options options_;
};

}  // namespace eventlog::storage
