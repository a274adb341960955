// DiskStore: the Store of one data directory:
//   <data_dir>/index/                         LevelDB (index, registry, offsets)
//   <data_dir>/topics/<topic id>/<partition>/ segment files
// It owns LevelDB (whose LOCK file keeps a second process out), the topic
// registry, the offset store, the group commit / flush thread and the
// cleanup thread.
//
// Thread-safe. Topic creation and deletion are serialized (ops_mu_); lookups
// only take mu_.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "leveldb/db.h"
#include "storage/disk_partition_log.h"
#include "storage/group_committer.h"
#include "storage/leveldb_offset_store.h"
#include "storage/store.h"
#include "storage/topic_registry.h"

namespace eventlog::storage {

class DiskStore final : public Store {
 public:
  static absl::StatusOr<std::unique_ptr<DiskStore>> Open(const StoreOptions& options);
  ~DiskStore() override;

  const StoreOptions& options() const override { return options_; }
  absl::StatusOr<std::shared_ptr<Topic>> CreateTopic(absl::string_view name, int32_t partitions,
                                                     const LogConfig& config) override;
  absl::Status DeleteTopic(absl::string_view name) override;
  absl::StatusOr<std::shared_ptr<Topic>> GetTopic(absl::string_view name) const override;
  std::vector<std::shared_ptr<Topic>> ListTopics() const override;
  OffsetStore& offsets() override { return *offsets_; }
  absl::Status RunCleanup() override;
  absl::Status Close() override;

  // Test seam: the partition log behind a topic's partition.
  std::shared_ptr<DiskPartitionLog> TEST_Log(absl::string_view topic, int32_t partition) const;

 private:
  struct TopicEntry {
    std::shared_ptr<Topic> topic;
    std::vector<std::shared_ptr<DiskPartitionLog>> logs;
  };

  DiskStore(StoreOptions options, std::unique_ptr<leveldb::DB> db);

  absl::Status Load();
  // When LevelDB was lost (no layout marker), re-registers the topics from
  // their folders' topic.meta files; the indexes then rebuild from segments.
  absl::Status RecoverRegistryFromFolders();
  absl::StatusOr<TopicEntry> OpenTopic(const TopicRecord& record);
  // Removes folders and index keys of topic ids the registry does not know
  // (left by a crash during creation or deletion).
  absl::Status RemoveOrphans();
  absl::Status RemoveTopicKeys(uint64_t topic_id);
  std::string TopicDir(uint64_t topic_id) const;
  std::vector<std::shared_ptr<DiskPartitionLog>> AllLogs() const;
  void FlushAll();
  void CleanupLoop();

  const StoreOptions options_;
  std::unique_ptr<leveldb::DB> db_;
  const TopicRegistry registry_;
  std::unique_ptr<LevelDbOffsetStore> offsets_;
  std::shared_ptr<GroupCommitter> committer_;
  std::shared_ptr<DiskSpaceGuard> space_guard_;

  absl::Mutex ops_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  uint64_t next_topic_id_ ABSL_GUARDED_BY(ops_mu_) = 1;

  mutable absl::Mutex mu_;
  std::map<std::string, TopicEntry, std::less<>> topics_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;

  absl::Mutex cleanup_mu_;
  bool stop_cleanup_ ABSL_GUARDED_BY(cleanup_mu_) = false;
  std::thread cleanup_thread_;
};

}  // namespace eventlog::storage
