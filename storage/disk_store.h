// DiskStore: the Store of one data directory (layout in storage/layout.h).
// It owns LevelDB (whose LOCK file keeps a second process out), the topic
// registry, the offset store, the storage health latch, and the background
// work: the group commit thread, the periodic flusher of ACKS_LEADER data,
// the cleanup thread (retention and compaction) and the reaper of deleted
// topics (TopicReaper).
//
// Thread-safe. Topic creation and deletion are serialized (ops_mu_); lookups
// only take mu_.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "leveldb/db.h"
#include "storage/file_budget.h"
#include "storage/fs/leveldb_env.h"
#include "storage/leveldb_offset_store.h"
#include "storage/log/disk_partition_log.h"
#include "storage/log/group_committer.h"
#include "storage/log/parallel_syncer.h"
#include "storage/periodic_thread.h"
#include "storage/storage_health.h"
#include "storage/store.h"
#include "storage/topic_reaper.h"
#include "storage/topic_registry.h"

namespace eventlog::storage {

class DiskStore final : public Store {
 public:
  static absl::StatusOr<std::unique_ptr<DiskStore>> Open(const StoreOptions& options);
  ~DiskStore() override;

  const StoreOptions& options() const override { return options_; }
  absl::StatusOr<std::shared_ptr<Topic>> CreateTopic(absl::string_view name, int32_t partitions,
                                                     const LogConfig& config,
                                                     uint64_t topic_id = 0) override;
  absl::Status DeleteTopic(absl::string_view name) override;
  absl::StatusOr<std::shared_ptr<Topic>> GetTopic(absl::string_view name) const override;
  absl::StatusOr<std::shared_ptr<Topic>> GetTopicById(uint64_t topic_id) const override;
  std::vector<std::shared_ptr<Topic>> ListTopics() const override;
  OffsetStore& offsets() override { return *offsets_; }
  absl::StatusOr<int64_t> ReserveProducerIds(int64_t count) override;
  absl::Status health() const override { return health_->status(); }
  absl::Status RunCleanup() override;
  absl::Status Close() override;

  // Test seams: the partition log behind a topic's partition; the index
  // (LevelDB, open until Close); waiting for deleted topics to be reaped.
  std::shared_ptr<DiskPartitionLog> TEST_Log(absl::string_view topic, int32_t partition) const;
  leveldb::DB* TEST_index() const { return db_.get(); }
  void TEST_WaitForReaper() { reaper_->TEST_WaitIdle(); }

 private:
  struct TopicEntry {
    std::shared_ptr<Topic> topic;
    std::vector<std::shared_ptr<DiskPartitionLog>> logs;
  };

  explicit DiskStore(StoreOptions options);

  absl::Status OpenIndex();
  absl::Status Load();
  // Brings the layout version to layout::kLayoutVersion: initializes a new
  // index, rebuilds a lost one from the topic folders, migrates an older
  // layout, refuses a newer one.
  absl::Status UpgradeLayout();
  // When LevelDB was lost (no layout version), re-registers the topics from
  // their folders' topic.meta files; the indexes then rebuild from segments.
  absl::Status RecoverRegistryFromFolders(leveldb::WriteBatch* batch);
  // `created`: the topic id is new here (no folder, no keys), so its
  // partitions read nothing to open.
  absl::StatusOr<TopicEntry> OpenTopic(const TopicRecord& record, bool created);
  // Removes folders, index keys and committed offsets of topic ids the
  // registry does not know (left by a crash during creation or deletion).
  absl::Status RemoveOrphans();
  absl::Status RemoveTopicKeys(uint64_t topic_id);
  std::vector<std::shared_ptr<DiskPartitionLog>> AllLogs() const;
  // Writes the recovery point of every log whose durable end moved since
  // its last one, at most once per recovery_point_interval_ms unless
  // `force`; `sync`: a synced LevelDB write (Close). A recovery point may
  // lag what is durable, never lead it (docs/storage-format.md).
  void CheckpointRecoveryPoints(bool force, bool sync) ABSL_LOCKS_EXCLUDED(checkpoint_mu_);
  // The periodic flush of ACKS_LEADER data.
  void FlushAll();
  absl::Status CheckSync(const absl::Status& status, const std::string& what) {
    return health_->CheckSync(status, what);
  }

  const StoreOptions options_;
  fs::FileSystem* const fs_;
  const std::shared_ptr<StorageHealth> health_;
  const FileBudget file_budget_;
  // Declared before db_: LevelDB uses it until closed.
  std::unique_ptr<fs::LevelDbEnv> env_;
  std::unique_ptr<leveldb::DB> db_;
  std::unique_ptr<TopicRegistry> registry_;
  std::unique_ptr<LevelDbOffsetStore> offsets_;
  // Shared by the group committer, the flusher and Close.
  std::shared_ptr<ParallelSyncer> syncer_ = std::make_shared<ParallelSyncer>();
  std::shared_ptr<GroupCommitter> committer_;
  std::shared_ptr<DiskSpaceGuard> space_guard_;
  std::unique_ptr<TopicReaper> reaper_;

  // Serializes checkpoints, so that DeleteTopic can wait for one in progress
  // before it removes the topic's keys (a late write would leave a key).
  absl::Mutex checkpoint_mu_;
  // When recovery points were last written (the store's clock).
  std::atomic<int64_t> last_checkpoint_ms_{0};

  absl::Mutex ops_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  uint64_t next_topic_id_ ABSL_GUARDED_BY(ops_mu_) = 1;

  mutable absl::Mutex mu_;
  std::map<std::string, TopicEntry, std::less<>> topics_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;

  std::unique_ptr<PeriodicThread> flusher_;
  std::unique_ptr<PeriodicThread> cleaner_;
};

}  // namespace eventlog::storage
