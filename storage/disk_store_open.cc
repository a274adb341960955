// DiskStore at open: the layout upgrade, the registry rebuilt from topic
// folders when the index lost it, and orphans (keys and folders of topics
// that no longer exist) removed. The rest of DiskStore is in disk_store.cc.
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
#include "storage/topic_name.h"
#include "storage/util/coding.h"
#include "storage/util/logging/logger.h"
#include "storage/util/status_macros.h"

namespace eventlog::storage {

absl::Status DiskStore::UpgradeLayout() {
  const std::string key = layout::StoreMetaKey(layout::kLayoutVersionKey);
  std::string value;
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), key, &value);
  if (!s.ok() && !s.IsNotFound()) {
    return leveldb_util::ToStatus(s, "cannot read the store's layout version");
  }
  leveldb::WriteBatch batch;
  if (s.IsNotFound()) {
    // A new LevelDB: either a new data directory or a lost index.
    RETURN_IF_ERROR(RecoverRegistryFromFolders(&batch));
  } else {
    int version = 0;
    if (!absl::SimpleAtoi(value, &version) || version < 1) {
      return absl::DataLossError(absl::StrCat("malformed layout version \"", value, "\""));
    }
    if (version > layout::kLayoutVersion) {
      return absl::FailedPreconditionError(absl::StrCat(
          "data directory ", options_.data_dir, " was written by a newer eventlog (layout version ",
          version, "); this build reads layout versions up to ", layout::kLayoutVersion,
          ": run the newer release, or restore a backup"));
    }
    if (version == layout::kLayoutVersion) return absl::OkStatus();
    // 1 -> 2: committed offsets keyed by topic id. (Recovery points start
    // at the first open; compaction markers are finished by recovery.)
    ASSIGN_OR_RETURN(std::vector<TopicRecord> records, registry_->LoadAll());
    RETURN_IF_ERROR(LevelDbOffsetStore::MigrateNameKeys(
        db_.get(),
        [&](absl::string_view name) -> uint64_t {
          for (const TopicRecord& r : records) {
            if (r.name == name) return r.id;
          }
          return 0;
        },
        &batch));
    logging::LogInfo("storage", "migrating the data directory's layout",
                     {{"data_dir", options_.data_dir},
                      {"from_version", version},
                      {"to_version", layout::kLayoutVersion}});
  }
  batch.Put(key, absl::StrCat(layout::kLayoutVersion));
  return leveldb_util::Write(db_.get(), &batch, /*sync=*/true, "cannot write the layout version");
}

absl::Status DiskStore::RecoverRegistryFromFolders(leveldb::WriteBatch* batch) {
  ASSIGN_OR_RETURN(std::vector<std::string> folders,
                   fs_->ListDir(layout::TopicsDir(options_.data_dir)));
  uint64_t next_id = 1;
  // By name: of two folders claiming one name (a deletion cut short, then
  // the name reused), the newer topic wins; the other is an orphan.
  std::map<std::string, TopicRecord> records;
  for (const std::string& folder : folders) {
    uint64_t id;
    if (!absl::SimpleAtoi(folder, &id)) continue;
    next_id = std::max(next_id, id + 1);
    absl::StatusOr<TopicRecord> record =
        TopicRegistry::ReadMetaFile(*fs_, layout::TopicDir(options_.data_dir, id), id);
    // No topic.meta: a creation cut short before it (written atomically),
    // removed as an orphan. A damaged one fails the open: the folder may
    // hold acknowledged records, and deleting them is not recovery.
    if (absl::IsNotFound(record.status())) continue;
    if (!record.ok()) {
      return absl::DataLossError(
          absl::StrCat("cannot rebuild the lost index: ", record.status().message()));
    }
    auto it = records.find(record->name);
    if (it == records.end() || it->second.id < id) records[record->name] = *std::move(record);
  }
  for (const auto& [name, record] : records) registry_->Put(record, next_id, batch);
  return absl::OkStatus();
}

absl::Status DiskStore::RemoveOrphans() {
  std::set<uint64_t> known;
  {
    absl::MutexLock l(&mu_);
    for (const auto& [name, entry] : topics_) known.insert(entry.topic->id());
  }
  // Keys first, then folders: a folder left by a crash brings its keys'
  // removal back at the next open.
  std::set<uint64_t> orphans;
  for (char space : layout::kTopicKeySpaces) {
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
    it->Seek(std::string(1, space));
    while (it->Valid() && it->key().size() >= 9 && it->key()[0] == space) {
      const uint64_t id = util::coding::GetBigEndian64(it->key().data() + 1);
      if (!known.contains(id)) orphans.insert(id);
      it->Seek(layout::PrefixEnd(layout::TopicPrefix(space, id)));
    }
    RETURN_IF_ERROR(leveldb_util::ToStatus(it->status(), "cannot scan the index"));
  }
  const std::string topics_dir = layout::TopicsDir(options_.data_dir);
  ASSIGN_OR_RETURN(std::vector<std::string> folders, fs_->ListDir(topics_dir));
  std::vector<std::string> orphan_folders;
  for (const std::string& folder : folders) {
    uint64_t id;
    if (!absl::SimpleAtoi(folder, &id) || !known.contains(id)) {
      if (absl::SimpleAtoi(folder, &id)) orphans.insert(id);
      orphan_folders.push_back(folder);
    }
  }
  for (uint64_t id : orphans) RETURN_IF_ERROR(RemoveTopicKeys(id));
  leveldb::WriteBatch commits;
  RETURN_IF_ERROR(
      offsets_->DeleteTopicsInBatch([&](uint64_t id) { return known.contains(id); }, &commits));
  RETURN_IF_ERROR(leveldb_util::Write(db_.get(), &commits, /*sync=*/false,
                                      "cannot remove orphaned committed offsets"));
  for (const std::string& folder : orphan_folders) {
    RETURN_IF_ERROR(fs_->RemoveAll(absl::StrCat(topics_dir, "/", folder)));
  }
  return absl::OkStatus();
}

}  // namespace eventlog::storage
