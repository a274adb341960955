// PartitionLogOptions: what a DiskPartitionLog is built from. The pointers
// are not owned; the store keeps them alive while any log may use them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "leveldb/db.h"
#include "storage/disk_space_guard.h"
#include "storage/fs/file_system.h"
#include "storage/log/group_committer.h"
#include "storage/log_config.h"
#include "storage/storage_health.h"
#include "storage/util/clock.h"

namespace eventlog::storage {

struct PartitionLogOptions {
  uint64_t topic_id = 0;
  int32_t partition = 0;
  LogConfig config;
  std::string dir;               // the partition's folder; created if missing
  fs::FileSystem* fs = nullptr;  // every file operation goes through it
  leveldb::DB* db = nullptr;     // used until MarkDeleted/MarkClosed
  util::Clock* clock = nullptr;
  // Shared so that they outlive the store while callers hold logs (a late
  // append then completes inline, see GroupCommitter::Submit).
  std::shared_ptr<GroupCommitter> committer;
  std::shared_ptr<StorageHealth> health;
  int64_t index_interval_bytes = 4096;
  // Synced bytes further than this from the end of the log are dropped from
  // the page cache (see StoreOptions); < 0 keeps everything.
  int64_t page_cache_window_bytes = -1;
  // Shared by the store's partitions; null admits every append.
  std::shared_ptr<DiskSpaceGuard> space_guard;
  // A partition of a topic id created just now, with no folder and no
  // LevelDB key yet: opening it reads nothing, and the caller fsyncs the
  // folder (PartitionRecovery::Options).
  bool created = false;
};

}  // namespace eventlog::storage
