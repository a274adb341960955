// TopicRegistry: the persisted list of topics (id, name, partition count,
// effective config) and the topic id counter, in the store's LevelDB.
// Callers batch its writes with others (e.g. a topic's deletion with its
// committed offsets) and write them synchronously.
//
// Each topic folder also holds a copy of its record (`topic.meta`), so that
// when the LevelDB folder is lost the store rebuilds the registry (and the
// indexes) from the files instead of discarding every topic as unknown.
//
// Thread-safe (stateless over LevelDB); the store serializes changes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "leveldb/db.h"
#include "leveldb/write_batch.h"
#include "storage/fs/file_system.h"
#include "storage/log_config.h"

namespace eventlog::storage {

struct TopicRecord {
  uint64_t id = 0;
  std::string name;
  int32_t partitions = 0;
  LogConfig config;
};

class TopicRegistry {
 public:
  // `db` must outlive this object.
  explicit TopicRegistry(leveldb::DB* db) : db_(db) {}

  absl::StatusOr<std::vector<TopicRecord>> LoadAll() const;
  // The next unused topic id (1 for a new store).
  absl::StatusOr<uint64_t> LoadNextId() const;

  // Adds the record and the counter's new value to `batch`.
  void Put(const TopicRecord& record, uint64_t next_id, leveldb::WriteBatch* batch) const;
  void Delete(uint64_t id, leveldb::WriteBatch* batch) const;

  // `topic.meta` in a topic folder: written once at creation (atomically,
  // fsynced); read back only to rebuild a lost registry.
  static absl::Status WriteMetaFile(fs::FileSystem& fs, const std::string& topic_dir,
                                    const TopicRecord& record);
  // NOT_FOUND if there is none; DATA_LOSS if it is damaged.
  static absl::StatusOr<TopicRecord> ReadMetaFile(fs::FileSystem& fs, const std::string& topic_dir,
                                                  uint64_t id);

  static std::string Encode(const TopicRecord& record);
  static absl::StatusOr<TopicRecord> Decode(uint64_t id, absl::string_view value);

 private:
  leveldb::DB* const db_;
};

}  // namespace eventlog::storage
