// LevelDbOffsetStore: the OffsetStore of the store, in its LevelDB (key
// spaces in storage/layout.h): committed offsets under
// f <u32 len><group> <topic id:8> <partition:4> -> offset (fixed64) then the
// metadata bytes; group epochs under g<group> -> fixed64.
//
// Thread-safe. After Detach() (the store closing) every call fails with
// UNAVAILABLE and LevelDB is no longer touched.
#pragma once

#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "leveldb/db.h"
#include "leveldb/write_batch.h"
#include "storage/offset_store.h"

namespace eventlog::storage {

class LevelDbOffsetStore final : public OffsetStore {
 public:
  // `db` must stay valid until Detach().
  explicit LevelDbOffsetStore(leveldb::DB* db) : db_(db) {}

  absl::Status Write(absl::string_view group, uint64_t topic_id, int32_t partition, int64_t offset,
                     absl::string_view metadata) override;
  absl::Status Sync() override;
  absl::StatusOr<std::optional<CommittedOffset>> Get(absl::string_view group, uint64_t topic_id,
                                                     int32_t partition) const override;
  absl::StatusOr<std::map<int32_t, CommittedOffset>> GetAll(absl::string_view group,
                                                            uint64_t topic_id) const override;
  absl::StatusOr<std::map<uint64_t, std::map<int32_t, CommittedOffset>>> GetGroup(
      absl::string_view group) const override;
  absl::StatusOr<std::vector<std::string>> ListGroups() const override;
  absl::StatusOr<int64_t> GroupEpoch(absl::string_view group) const override;
  absl::Status SaveGroupEpoch(absl::string_view group, int64_t epoch) override;

  // Adds deletes of every commit whose topic id is not kept by `keep` to
  // `batch` (a deleted topic's, or orphans left by a crash).
  absl::Status DeleteTopicsInBatch(const std::function<bool(uint64_t topic_id)>& keep,
                                   leveldb::WriteBatch* batch) const;

  // Layout version 1 -> 2: commits keyed by topic name are re-keyed by the
  // id `id_of` gives (dropped if it gives 0: the topic is gone), in `batch`.
  static absl::Status MigrateNameKeys(leveldb::DB* db,
                                      const std::function<uint64_t(absl::string_view)>& id_of,
                                      leveldb::WriteBatch* batch);

  // Stops using LevelDB; waits for calls in progress.
  void Detach();

 private:
  mutable absl::Mutex mu_;
  leveldb::DB* db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::storage
