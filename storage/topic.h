// Topic: a named set of partition logs with one effective config.
//
// Thread-safe: immutable after creation except for the deleted flag.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "storage/log_config.h"
#include "storage/partition_log.h"

namespace eventlog::storage {

class Topic {
 public:
  Topic(std::string name, uint64_t id, LogConfig config,
        std::vector<std::shared_ptr<PartitionLog>> partitions)
      : name_(std::move(name)),
        id_(id),
        config_(config),
        partitions_(std::move(partitions)) {}

  const std::string& name() const { return name_; }
  // Stable internal id: names the topic's folder and its LevelDB keys, so a
  // topic name never becomes a path.
  uint64_t id() const { return id_; }
  const LogConfig& config() const { return config_; }
  int32_t partition_count() const { return static_cast<int32_t>(partitions_.size()); }

  // nullptr when `partition` is out of [0, partition_count()).
  std::shared_ptr<PartitionLog> partition(int32_t partition) const {
    if (partition < 0 || partition >= partition_count()) return nullptr;
    return partitions_[partition];
  }

  bool deleted() const { return deleted_.load(); }
  void MarkDeleted() { deleted_.store(true); }

 private:
  const std::string name_;
  const uint64_t id_;
  const LogConfig config_;
  const std::vector<std::shared_ptr<PartitionLog>> partitions_;
  std::atomic<bool> deleted_{false};
};

}  // namespace eventlog::storage
