// TopicReaper: finishes the deletion of topics off the request path.
// DeleteTopic removes the topic's registry record (a synced write: the
// commit point) and marks its logs deleted; the reaper then, on its own
// thread:
//  - removes the topic's LevelDB keys and compacts their ranges, so that
//    later iterators (a new partition's index lookups, a scan of a
//    neighbouring range) do not step over the deletion markers and the
//    overwritten versions LevelDB would otherwise keep until some
//    compaction reaches them;
//  - releases the logs (closing their segment files) and removes the
//    topic's folder. On ext4 here freeing a closed, unlinked file's blocks
//    costs tens of milliseconds, so 1,024 partitions took ~40 s inside the
//    DeleteTopic call.
// A crash before it finishes leaves keys and a folder of an id the registry
// no longer knows, which the next open removes (DiskStore::RemoveOrphans).
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "leveldb/db.h"
#include "storage/fs/file_system.h"

namespace eventlog::storage {

class TopicReaper {
 public:
  // `db` and `fs` must outlive the reaper (Stop() before closing `db`).
  TopicReaper(leveldb::DB* db, fs::FileSystem* fs);
  ~TopicReaper();  // Stop()

  TopicReaper(const TopicReaper&) = delete;
  TopicReaper& operator=(const TopicReaper&) = delete;

  // Queues the rest of deleting topic `topic_id`: its keys, then `holds`
  // (the topic's logs: released here, closing their files), then `dir`.
  void Reap(uint64_t topic_id, std::string dir, std::vector<std::shared_ptr<void>> holds);

  // Returns once nothing of `topic_id` is queued or being reaped (before an
  // id assigned elsewhere is used again).
  void WaitUntilReaped(uint64_t topic_id) ABSL_LOCKS_EXCLUDED(mu_);

  // Finishes every queued deletion and joins the thread. Idempotent.
  void Stop();

  // Adds deletes of every key of `topic_id` in the per-topic key spaces
  // (layout::kTopicKeySpaces) to a batch and writes it (not synced).
  static absl::Status RemoveKeys(leveldb::DB* db, uint64_t topic_id);
  // Compacts the key ranges of `topic_id`: afterwards LevelDB holds nothing
  // of them, deletion markers included.
  static void CompactKeys(leveldb::DB* db, uint64_t topic_id);

  // Test seam: returns once the queue is empty and nothing is being reaped.
  void TEST_WaitIdle() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Job {
    uint64_t topic_id;
    std::string dir;
    std::vector<std::shared_ptr<void>> holds;
  };

  void Run();
  void ReapOne(Job& job);

  leveldb::DB* const db_;
  fs::FileSystem* const fs_;

  absl::Mutex mu_;
  std::deque<Job> queue_ ABSL_GUARDED_BY(mu_);
  // The id being reaped, 0 if none (topic ids start at 1).
  uint64_t reaping_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace eventlog::storage
