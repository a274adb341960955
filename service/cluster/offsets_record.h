// The records of the internal offsets topic (__consumer_offsets), where a
// cluster keeps committed offsets and group epochs (docs/CLUSTER.md). The
// topic is compacted: the newest record per key is what counts, and an empty
// value (a tombstone) removes the key.
//
//   key   := version:u8 (0) | type:u8 | group length:u16 BE | group
//            | type 1 (commit): topic id:u64 BE | partition:i32 BE
//            | type 2 (group epoch): nothing more
//   value := version:u8 (0) | type 1: offset:i64 BE | metadata length:u32 BE | metadata
//                           | type 2: epoch:i64 BE
//          | empty: tombstone
//
// Thread-safe (value types and stateless functions).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace eventlog::cluster {

struct OffsetsRecord {
  enum class Type : uint8_t { kCommit = 1, kGroupEpoch = 2 };

  Type type = Type::kCommit;
  std::string group;
  uint64_t topic_id = 0;   // kCommit
  int32_t partition = 0;   // kCommit
  bool tombstone = false;  // the key is removed
  int64_t value = 0;       // kCommit: the offset; kGroupEpoch: the epoch
  std::string metadata;    // kCommit

  std::string EncodeKey() const;
  // Empty for a tombstone.
  std::string EncodeValue() const;
  // DATA_LOSS for a record this release cannot read (damaged, or a newer
  // version).
  static absl::StatusOr<OffsetsRecord> Decode(absl::string_view key, absl::string_view value);
};

}  // namespace eventlog::cluster
