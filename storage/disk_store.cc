#include "storage/disk_store.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "leveldb/write_batch.h"
#include "storage/layout.h"
#include "storage/leveldb_util.h"
#include "storage/log/folder_sync.h"
#include "storage/topic_name.h"
#include "storage/util/coding.h"
#include "storage/util/logging/logger.h"
#include "storage/util/status_macros.h"

namespace eventlog::storage {

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<DiskStore> store, DiskStore::Open(options));
  return std::unique_ptr<Store>(std::move(store));
}

absl::StatusOr<std::unique_ptr<DiskStore>> DiskStore::Open(const StoreOptions& options) {
  if (options.clock == nullptr) return absl::InvalidArgumentError("StoreOptions.clock is null");
  RETURN_IF_ERROR(options.default_config.Validate());
  // Not make_unique: the constructor is private.
  std::unique_ptr<DiskStore> store(new DiskStore(options));
  absl::Status status = store->file_budget_.CheckDataDirectory();
  if (status.ok()) status = store->OpenIndex();
  if (status.ok()) status = store->Load();
  if (!status.ok()) {
    (void)store->Close();
    return status;
  }
  return store;
}

DiskStore::DiskStore(StoreOptions options)
    : options_(std::move(options)),
      fs_(options_.file_system != nullptr ? options_.file_system : fs::FileSystem::Default()),
      health_(std::make_shared<StorageHealth>(options_.on_storage_failure)),
      file_budget_(fs_, options_.data_dir, options_.reserved_files) {}

DiskStore::~DiskStore() { (void)Close(); }

absl::Status DiskStore::OpenIndex() {
  RETURN_IF_ERROR(fs_->CreateDirs(layout::TopicsDir(options_.data_dir)));
  RETURN_IF_ERROR(fs_->CreateDirs(layout::IndexDir(options_.data_dir)));
  RETURN_IF_ERROR(
      CheckSync(fs_->SyncDir(options_.data_dir), "fsync of directory " + options_.data_dir));
  env_ = std::make_unique<fs::LevelDbEnv>(
      fs_, [health = health_](const absl::Status& status, const std::string& what) {
        (void)health->CheckSync(status, what);
      });
  leveldb::Options db_options;
  db_options.create_if_missing = true;
  db_options.env = env_.get();
  leveldb::DB* raw = nullptr;
  const std::string index_dir = layout::IndexDir(options_.data_dir);
  leveldb::Status s = leveldb::DB::Open(db_options, index_dir, &raw);
  if (!s.ok()) {
    // LevelDB reports a held LOCK file as an I/O error naming it.
    if (s.IsIOError() && absl::StrContains(s.ToString(), "/LOCK")) {
      return absl::FailedPreconditionError(absl::StrCat("data directory ", options_.data_dir,
                                                        " is in use by another process (",
                                                        s.ToString(), ")"));
    }
    return leveldb_util::ToStatus(s, absl::StrCat("cannot open the index at ", index_dir));
  }
  db_.reset(raw);
  registry_ = std::make_unique<TopicRegistry>(db_.get());
  offsets_ = std::make_unique<LevelDbOffsetStore>(db_.get());
  return absl::OkStatus();
}

absl::Status DiskStore::Load() {
  committer_ = std::make_shared<GroupCommitter>(
      syncer_, [this](const std::vector<Syncable*>&) { CheckpointRecoveryPoints(false, false); });
  reaper_ = std::make_unique<TopicReaper>(db_.get(), fs_);
  space_guard_ =
      std::make_shared<DiskSpaceGuard>(options_.data_dir, options_.min_free_bytes, options_.clock);
  RETURN_IF_ERROR(UpgradeLayout());
  absl::MutexLock ops(&ops_mu_);
  ASSIGN_OR_RETURN(next_topic_id_, registry_->LoadNextId());
  ASSIGN_OR_RETURN(std::vector<TopicRecord> records, registry_->LoadAll());
  for (const TopicRecord& record : records) {
    next_topic_id_ = std::max(next_topic_id_, record.id + 1);
    ASSIGN_OR_RETURN(TopicEntry entry, OpenTopic(record, /*created=*/false));
    absl::MutexLock l(&mu_);
    topics_[record.name] = std::move(entry);
  }
  RETURN_IF_ERROR(RemoveOrphans());
  if (options_.flush_interval_ms > 0) {
    flusher_ = std::make_unique<PeriodicThread>(absl::Milliseconds(options_.flush_interval_ms),
                                                [this] { FlushAll(); });
  }
  if (options_.cleanup_interval_ms > 0) {
    cleaner_ =
        std::make_unique<PeriodicThread>(absl::Milliseconds(options_.cleanup_interval_ms), [this] {
          absl::Status s = RunCleanup();
          if (!s.ok()) {
            logging::LogError("storage", "retention or compaction failed",
                              {{"error", s.ToString()}});
          }
        });
  }
  return absl::OkStatus();
}

absl::StatusOr<DiskStore::TopicEntry> DiskStore::OpenTopic(const TopicRecord& record,
                                                           bool created) {
  TopicEntry entry;
  std::vector<std::shared_ptr<PartitionLog>> partitions;
  const std::string topic_dir = layout::TopicDir(options_.data_dir, record.id);
  for (int32_t p = 0; p < record.partitions; ++p) {
    PartitionLogOptions o;
    o.topic_id = record.id;
    o.partition = p;
    o.config = record.config;
    o.dir = layout::PartitionDir(topic_dir, p);
    o.fs = fs_;
    o.db = db_.get();
    o.clock = options_.clock;
    o.committer = committer_;
    o.health = health_;
    o.index_interval_bytes = options_.index_interval_bytes;
    o.page_cache_window_bytes = options_.page_cache_window_bytes;
    o.space_guard = space_guard_;
    o.created = created;
    ASSIGN_OR_RETURN(std::shared_ptr<DiskPartitionLog> log, DiskPartitionLog::Open(std::move(o)));
    partitions.push_back(log);
    entry.logs.push_back(std::move(log));
  }
  entry.topic =
      std::make_shared<Topic>(record.name, record.id, record.config, std::move(partitions));
  return entry;
}

absl::Status DiskStore::RemoveTopicKeys(uint64_t topic_id) {
  return TopicReaper::RemoveKeys(db_.get(), topic_id);
}

absl::StatusOr<std::shared_ptr<Topic>> DiskStore::CreateTopic(absl::string_view name,
                                                              int32_t partitions,
                                                              const LogConfig& config,
                                                              uint64_t topic_id) {
  RETURN_IF_ERROR(ValidateTopicName(name));
  RETURN_IF_ERROR(config.Validate());
  if (partitions < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("a topic needs at least 1 partition, got ", partitions));
  }
  if (partitions > options_.max_partitions) {
    return absl::ResourceExhaustedError(
        absl::StrCat(partitions, " partitions requested; the limit is ", options_.max_partitions));
  }
  absl::MutexLock ops(&ops_mu_);
  {
    absl::MutexLock l(&mu_);
    if (closed_) return absl::UnavailableError("the storage engine is shutting down");
    if (topics_.contains(name)) {
      return absl::AlreadyExistsError(absl::StrCat("topic \"", name, "\" already exists"));
    }
    for (const auto& [other_name, other] : topics_) {
      if (topic_id != 0 && other.topic->id() == topic_id) {
        return absl::AlreadyExistsError(
            absl::StrCat("topic id ", topic_id, " is taken by topic \"", other_name, "\""));
      }
    }
  }
  RETURN_IF_ERROR(health_->status());
  RETURN_IF_ERROR(file_budget_.CheckNewFiles(partitions));
  TopicRecord record;
  const std::string topics_dir = layout::TopicsDir(options_.data_dir);
  if (topic_id == 0) {
    // Never used before here: neither a folder nor keys of it exist.
    record.id = next_topic_id_++;
  } else {
    // Assigned elsewhere (a cluster); ids the store picks stay above it.
    // The id may have been here before: what is left of it goes first.
    record.id = topic_id;
    next_topic_id_ = std::max(next_topic_id_, topic_id + 1);
    reaper_->WaitUntilReaped(record.id);
    RETURN_IF_ERROR(RemoveTopicKeys(record.id));
    RETURN_IF_ERROR(fs_->RemoveAll(layout::TopicDir(options_.data_dir, record.id)));
  }
  record.name = std::string(name);
  record.partitions = partitions;
  record.config = config;
  // Files first, then the registry entry: a crash in between leaves only a
  // folder of an unknown id, removed at the next open.
  const std::string dir = layout::TopicDir(options_.data_dir, record.id);
  absl::StatusOr<TopicEntry> entry = OpenTopic(record, /*created=*/true);
  absl::Status status = entry.status();
  // The new segments' folder entries, after all are made, side by side.
  if (status.ok()) {
    std::vector<FolderSync> folders;
    folders.reserve(partitions);
    std::vector<Syncable*> targets;
    for (int32_t p = 0; p < partitions; ++p) {
      targets.push_back(&folders.emplace_back(fs_, layout::PartitionDir(dir, p)));
    }
    const std::vector<absl::Status> synced = syncer_->SyncAll(targets);
    for (size_t i = 0; status.ok() && i < synced.size(); ++i) {
      status = CheckSync(synced[i], "fsync of directory " + folders[i].dir());
    }
  }
  if (status.ok()) status = TopicRegistry::WriteMetaFile(*fs_, dir, record);
  if (status.ok()) status = CheckSync(fs_->SyncDir(dir), "fsync of directory " + dir);
  if (status.ok()) status = CheckSync(fs_->SyncDir(topics_dir), "fsync of directory " + topics_dir);
  if (status.ok()) {
    leveldb::WriteBatch batch;
    registry_->Put(record, next_topic_id_, &batch);
    status = leveldb_util::Write(db_.get(), &batch, /*sync=*/true, "cannot persist topic");
  }
  if (!status.ok()) {
    if (entry.ok()) {
      for (auto& log : entry->logs) log->MarkDeleted();
    }
    (void)RemoveTopicKeys(record.id);
    (void)fs_->RemoveAll(dir);
    return status;
  }
  std::shared_ptr<Topic> topic = entry->topic;
  absl::MutexLock l(&mu_);
  topics_[record.name] = *std::move(entry);
  return topic;
}

absl::Status DiskStore::DeleteTopic(absl::string_view name) {
  absl::MutexLock ops(&ops_mu_);
  TopicEntry entry;
  {
    absl::MutexLock l(&mu_);
    if (closed_) return absl::UnavailableError("the storage engine is shutting down");
    auto it = topics_.find(name);
    if (it == topics_.end()) {
      return absl::NotFoundError(absl::StrCat("topic \"", name, "\" does not exist"));
    }
    entry = it->second;
  }
  const uint64_t id = entry.topic->id();
  // Metadata (and the topic's committed offsets) first, atomically and
  // durably; a crash after this leaves only orphans that the next open
  // removes.
  leveldb::WriteBatch batch;
  registry_->Delete(id, &batch);
  RETURN_IF_ERROR(
      offsets_->DeleteTopicsInBatch([id](uint64_t topic_id) { return topic_id != id; }, &batch));
  RETURN_IF_ERROR(leveldb_util::Write(db_.get(), &batch, /*sync=*/true, "cannot delete topic"));
  {
    absl::MutexLock l(&mu_);
    topics_.erase(topics_.find(name));
  }
  entry.topic->MarkDeleted();
  for (auto& log : entry.logs) log->MarkDeleted();  // wakes waiters
  // A checkpoint in progress may still write a recovery point of the topic:
  // it finishes before the reaper removes the keys (later ones skip
  // deleted logs).
  { absl::MutexLock c(&checkpoint_mu_); }
  // The rest (keys, files) off the request path: see TopicReaper.
  std::vector<std::shared_ptr<void>> holds(entry.logs.begin(), entry.logs.end());
  holds.push_back(std::move(entry.topic));
  entry.logs.clear();
  reaper_->Reap(id, layout::TopicDir(options_.data_dir, id), std::move(holds));
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<Topic>> DiskStore::GetTopic(absl::string_view name) const {
  absl::MutexLock l(&mu_);
  if (closed_) return absl::UnavailableError("the storage engine is shutting down");
  auto it = topics_.find(name);
  if (it == topics_.end()) {
    return absl::NotFoundError(absl::StrCat("topic \"", name, "\" does not exist"));
  }
  return it->second.topic;
}

absl::StatusOr<std::shared_ptr<Topic>> DiskStore::GetTopicById(uint64_t topic_id) const {
  absl::MutexLock l(&mu_);
  if (closed_) return absl::UnavailableError("the storage engine is shutting down");
  for (const auto& [name, entry] : topics_) {
    if (entry.topic->id() == topic_id) return entry.topic;
  }
  return absl::NotFoundError(absl::StrCat("no topic has id ", topic_id));
}

std::vector<std::shared_ptr<Topic>> DiskStore::ListTopics() const {
  absl::MutexLock l(&mu_);
  std::vector<std::shared_ptr<Topic>> out;
  out.reserve(topics_.size());
  for (const auto& [name, entry] : topics_) out.push_back(entry.topic);
  return out;
}

std::shared_ptr<DiskPartitionLog> DiskStore::TEST_Log(absl::string_view topic,
                                                      int32_t partition) const {
  absl::MutexLock l(&mu_);
  auto it = topics_.find(topic);
  if (it == topics_.end() || partition < 0 ||
      partition >= static_cast<int32_t>(it->second.logs.size())) {
    return nullptr;
  }
  return it->second.logs[partition];
}

std::vector<std::shared_ptr<DiskPartitionLog>> DiskStore::AllLogs() const {
  absl::MutexLock l(&mu_);
  std::vector<std::shared_ptr<DiskPartitionLog>> logs;
  for (const auto& [name, entry] : topics_) {
    logs.insert(logs.end(), entry.logs.begin(), entry.logs.end());
  }
  return logs;
}

void DiskStore::CheckpointRecoveryPoints(bool force, bool sync) {
  const int64_t now = options_.clock->NowMs();
  if (!force && now - last_checkpoint_ms_.load() < options_.recovery_point_interval_ms) return;
  absl::MutexLock c(&checkpoint_mu_);
  if (!force && now - last_checkpoint_ms_.load() < options_.recovery_point_interval_ms) return;
  last_checkpoint_ms_.store(now);
  leveldb::WriteBatch batch;
  // Each log reads its durable end now: what it writes is durable already.
  for (const auto& log : AllLogs()) log->CheckpointRecoveryPoint(&batch);
  if (batch.ApproximateSize() <= leveldb::WriteBatch().ApproximateSize()) return;
  // Best effort: a stale recovery point only makes recovery scan more.
  (void)leveldb_util::Write(db_.get(), &batch, sync, "cannot write recovery points");
}

void DiskStore::FlushAll() {
  const std::vector<std::shared_ptr<DiskPartitionLog>> logs = AllLogs();
  std::vector<Syncable*> targets;
  for (const auto& log : logs) {
    if (!log->closed() && log->has_unsynced()) targets.push_back(log.get());
  }
  (void)syncer_->SyncAll(targets);  // a failure latches the store's health
  CheckpointRecoveryPoints(/*force=*/false, /*sync=*/false);
}

absl::StatusOr<int64_t> DiskStore::ReserveProducerIds(int64_t count) {
  if (count < 1) return absl::InvalidArgumentError("reserve at least one producer id");
  absl::MutexLock lock(&ops_mu_);
  RETURN_IF_ERROR(health_->status());
  const std::string key = layout::StoreMetaKey(layout::kNextProducerId);
  std::string value;
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), key, &value);
  uint64_t next = 0;
  if (s.ok()) {
    if (value.size() != 8) return absl::DataLossError("malformed producer id counter");
    next = util::coding::GetFixed64(value.data());
  } else if (!s.IsNotFound()) {
    return leveldb_util::ToStatus(s, "cannot read the producer id counter");
  }
  char updated[8];
  util::coding::PutFixed64(updated, next + static_cast<uint64_t>(count));
  leveldb::WriteBatch batch;
  batch.Put(key, leveldb::Slice(updated, sizeof(updated)));
  RETURN_IF_ERROR(CheckSync(leveldb_util::Write(db_.get(), &batch, /*sync=*/true, "producer ids"),
                            "sync of the producer id counter"));
  return static_cast<int64_t>(next);
}

absl::Status DiskStore::RunCleanup() {
  absl::Status first_error;
  for (const auto& log : AllLogs()) {
    absl::Status s = log->EnforceRetention();
    if (s.ok()) s = log->Compact();
    // A log deleted or closed meanwhile is not an error of the cleanup.
    if (!s.ok() && !log->closed() && first_error.ok()) first_error = s;
  }
  return first_error;
}

absl::Status DiskStore::Close() {
  {
    absl::MutexLock l(&mu_);
    if (closed_) return absl::OkStatus();
    closed_ = true;
  }
  if (cleaner_ != nullptr) cleaner_->Stop();
  if (flusher_ != nullptr) flusher_->Stop();
  absl::MutexLock ops(&ops_mu_);  // waits for a create or delete in progress
  std::vector<std::shared_ptr<DiskPartitionLog>> logs = AllLogs();
  for (const auto& log : logs) log->MarkClosed();  // wakes waiters; no more appends
  if (committer_ != nullptr) committer_->Stop();   // completes queued kAll appends
  absl::Status status = health_->status();
  if (status.ok() && db_ != nullptr) {
    // Everything written becomes durable, and recovery starts at the end.
    std::vector<Syncable*> targets;
    for (const auto& log : logs) targets.push_back(log.get());
    const std::vector<absl::Status> statuses = syncer_->SyncAll(targets);
    for (size_t i = 0; i < targets.size(); ++i) {
      if (!statuses[i].ok() && status.ok()) status = statuses[i];
    }
    CheckpointRecoveryPoints(/*force=*/true, /*sync=*/true);
  }
  if (reaper_ != nullptr) reaper_->Stop();  // finishes deleted topics; uses db_
  if (offsets_ != nullptr) offsets_->Detach();
  db_.reset();
  return status;
}

}  // namespace eventlog::storage
