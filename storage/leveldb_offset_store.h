// LevelDbOffsetStore: the OffsetStore of the store, in its LevelDB under
// key space 'c': c <u32 len><group> <u32 len><topic> <u32 partition>
// (lengths big-endian), so a group or topic name can never run into the
// next field. Value: offset (fixed64) then the metadata bytes.
//
// Thread-safe. After Detach() (the store closing) every call fails with
// UNAVAILABLE and LevelDB is no longer touched.
#pragma once

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

  absl::Status Commit(absl::string_view group, absl::string_view topic, int32_t partition,
                      int64_t offset, absl::string_view metadata) override;
  absl::StatusOr<std::optional<CommittedOffset>> Get(absl::string_view group,
                                                     absl::string_view topic,
                                                     int32_t partition) const override;
  absl::StatusOr<std::map<int32_t, CommittedOffset>> GetAll(absl::string_view group,
                                                            absl::string_view topic) const override;
  absl::StatusOr<std::map<std::string, std::map<int32_t, CommittedOffset>>> GetGroup(
      absl::string_view group) const override;
  absl::StatusOr<std::vector<std::string>> ListGroups() const override;
  absl::Status DeleteTopic(absl::string_view topic) override;

  // Adds deletes of every group's commits for `topic` to `batch` (the store
  // writes them together with the topic's removal).
  absl::Status DeleteTopicInBatch(absl::string_view topic, leveldb::WriteBatch* batch) const;

  // Stops using LevelDB; waits for calls in progress.
  void Detach();

 private:
  absl::Status DeleteTopicLocked(absl::string_view topic, leveldb::WriteBatch* batch) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  leveldb::DB* db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::storage
