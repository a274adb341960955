// OffsetStore: committed consumer offsets, (group, topic, partition) ->
// (offset, metadata), kept in the store's LevelDB with synchronous writes so
// a commit that returned OK survives a crash.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace eventlog::storage {

struct CommittedOffset {
  int64_t offset = 0;
  std::string metadata;
};

class OffsetStore {
 public:
  virtual ~OffsetStore() = default;

  // Durable before it returns.
  virtual absl::Status Commit(absl::string_view group, absl::string_view topic,
                              int32_t partition, int64_t offset,
                              absl::string_view metadata) = 0;

  // nullopt if the partition was never committed by the group.
  virtual absl::StatusOr<std::optional<CommittedOffset>> Get(absl::string_view group,
                                                              absl::string_view topic,
                                                              int32_t partition) const = 0;

  // All committed partitions of `topic` for `group`.
  virtual absl::StatusOr<std::map<int32_t, CommittedOffset>> GetAll(
      absl::string_view group, absl::string_view topic) const = 0;

  // (topic -> partition -> offset) for every topic the group committed.
  virtual absl::StatusOr<std::map<std::string, std::map<int32_t, CommittedOffset>>>
  GetGroup(absl::string_view group) const = 0;

  // Every group with at least one committed offset, sorted.
  virtual absl::StatusOr<std::vector<std::string>> ListGroups() const = 0;

  // Removes every group's commits for `topic` (called when it is deleted).
  virtual absl::Status DeleteTopic(absl::string_view topic) = 0;
};

}  // namespace eventlog::storage
