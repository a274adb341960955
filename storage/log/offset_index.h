// OffsetIndex: the sparse offset index of one partition in the store's
// LevelDB. An entry maps a batch's base offset to where the batch starts
// (segment and file position). There is one entry for the first batch of
// every segment and then one per `index_interval_bytes` of batches; a lookup
// takes the largest entry <= the target and the reader scans forward.
// Entries also carry the partition's running maximum timestamp before the
// batch, which retention uses as a segment's age.
//
// Entries are derived data (segments are the source of truth), written with
// sync=false and rebuilt by recovery.
//
// Offsets passed in are >= 0: keys hold them as unsigned big-endian, so a
// negative one would not sort below the others.
//
// Thread-safe (LevelDB is); the partition log orders writes.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "leveldb/db.h"
#include "leveldb/write_batch.h"

namespace eventlog::storage {

struct OffsetIndexEntry {
  int64_t batch_base_offset = 0;
  int64_t segment_base_offset = 0;
  int64_t position = 0;
  // Largest record timestamp of the partition before this batch
  // (INT64_MIN if none).
  int64_t max_timestamp_before = 0;

  bool operator==(const OffsetIndexEntry&) const = default;
};

class OffsetIndex {
 public:
  // `db` must outlive this object.
  OffsetIndex(leveldb::DB* db, uint64_t topic_id, int32_t partition);

  // The entry with the largest batch base offset <= `offset`.
  absl::StatusOr<std::optional<OffsetIndexEntry>> Floor(int64_t offset) const;
  // The entry with the smallest batch base offset >= `offset`.
  absl::StatusOr<std::optional<OffsetIndexEntry>> Ceiling(int64_t offset) const;
  absl::StatusOr<std::optional<OffsetIndexEntry>> Last() const;
  // Entries with batch base offsets in [from, to), ascending.
  absl::StatusOr<std::vector<OffsetIndexEntry>> Range(int64_t from, int64_t to) const;

  void Put(const OffsetIndexEntry& entry, leveldb::WriteBatch* batch) const;
  // Adds deletes of the entries with batch base offsets in [from, to).
  absl::Status DeleteRange(int64_t from, int64_t to, leveldb::WriteBatch* batch) const;

 private:
  std::string Key(int64_t offset) const;

  leveldb::DB* const db_;
  const std::string prefix_;
};

}  // namespace eventlog::storage
