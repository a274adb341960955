// OffsetStore: committed consumer offsets, (group, topic id, partition) ->
// (offset, metadata), and each group's epoch (the highest generation it ever
// used, so that generations never repeat across restarts). Keyed by topic id,
// not name: a commit racing a topic's deletion can never be inherited by a
// new topic of the same name.
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

  // Applies a commit: Get sees it at once, a crash may lose it until the
  // next Sync() returns. (The broker writes under its group lock, then
  // syncs outside it, so concurrent commits share one fsync.)
  virtual absl::Status Write(absl::string_view group, uint64_t topic_id, int32_t partition,
                             int64_t offset, absl::string_view metadata) = 0;
  // Makes every Write that returned before it durable.
  virtual absl::Status Sync() = 0;
  // Write + Sync.
  absl::Status Commit(absl::string_view group, uint64_t topic_id, int32_t partition, int64_t offset,
                      absl::string_view metadata) {
    absl::Status s = Write(group, topic_id, partition, offset, metadata);
    return s.ok() ? Sync() : s;
  }

  // nullopt if the partition was never committed by the group.
  virtual absl::StatusOr<std::optional<CommittedOffset>> Get(absl::string_view group,
                                                             uint64_t topic_id,
                                                             int32_t partition) const = 0;

  // All committed partitions of a topic for `group`.
  virtual absl::StatusOr<std::map<int32_t, CommittedOffset>> GetAll(absl::string_view group,
                                                                    uint64_t topic_id) const = 0;

  // (topic id -> partition -> offset) for every topic the group committed.
  virtual absl::StatusOr<std::map<uint64_t, std::map<int32_t, CommittedOffset>>> GetGroup(
      absl::string_view group) const = 0;

  // Every group with at least one committed offset, sorted.
  virtual absl::StatusOr<std::vector<std::string>> ListGroups() const = 0;

  // The group's epoch: the highest generation it ever announced (0: none).
  virtual absl::StatusOr<int64_t> GroupEpoch(absl::string_view group) const = 0;
  // Durably raises the group's epoch to `epoch` before it returns.
  virtual absl::Status SaveGroupEpoch(absl::string_view group, int64_t epoch) = 0;
};

}  // namespace eventlog::storage
