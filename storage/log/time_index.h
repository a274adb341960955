// TimeIndex: the sparse time index of one partition in the store's LevelDB.
// Written next to each offset index entry: key (running maximum timestamp
// of the partition before the batch, batch base offset). Because that
// running maximum never decreases, entries sorted by key are also sorted by
// offset, and "every record before offset O has timestamp < T" holds for the
// last entry whose timestamp is < T: the first record with timestamp >= T is
// at or after that entry's offset, whatever order producers used.
//
// Derived data like the offset index. Thread-safe (LevelDB is).
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "leveldb/db.h"
#include "leveldb/write_batch.h"

namespace eventlog::storage {

struct TimeIndexEntry {
  int64_t max_timestamp_before = 0;
  int64_t offset = 0;

  bool operator==(const TimeIndexEntry&) const = default;
};

class TimeIndex {
 public:
  // `db` must outlive this object.
  TimeIndex(leveldb::DB* db, uint64_t topic_id, int32_t partition);

  // The last entry with max_timestamp_before < `timestamp_ms`.
  absl::StatusOr<std::optional<TimeIndexEntry>> LastBefore(int64_t timestamp_ms) const;

  absl::StatusOr<std::vector<TimeIndexEntry>> All() const;

  void Put(const TimeIndexEntry& entry, leveldb::WriteBatch* batch) const;
  // Adds deletes of the entries with offset < `offset` (a prefix of the
  // key order) or >= `offset` (a suffix).
  absl::Status DeleteBelow(int64_t offset, leveldb::WriteBatch* batch) const;
  absl::Status DeleteFrom(int64_t offset, leveldb::WriteBatch* batch) const;

 private:
  std::string Key(int64_t timestamp_ms, int64_t offset) const;

  leveldb::DB* const db_;
  const std::string prefix_;
};

}  // namespace eventlog::storage
