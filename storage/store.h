// Store: the storage engine of one data directory. Owns the LevelDB index
// (which also locks the directory against a second process), the topic
// registry, the committed-offset store, and the background threads that
// fsync (group commit, ACKS_LEADER flush interval) and run retention and
// compaction.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/fs/file_system.h"
#include "storage/log_config.h"
#include "storage/offset_store.h"
#include "storage/topic.h"
#include "storage/util/clock.h"

namespace eventlog::storage {

struct StoreOptions {
  std::string data_dir = "./data";  // created if missing
  // Applied by callers for fields a CreateTopic request leaves unset.
  LogConfig default_config;
  int32_t default_partitions = 1;
  int32_t max_partitions = 1024;  // per topic
  // kLeader appends are fsynced at least this often (sooner when readers
  // wait for them).
  int64_t flush_interval_ms = 1000;
  // Partitions' recovery points (where recovery at open starts scanning)
  // are written at most this often, by the first sync round or flush after
  // the interval, and at Close; 0: after every sync round. A LevelDB write
  // per partition per group-commit round cost the commit thread time and
  // left many overwritten versions in the index.
  int64_t recovery_point_interval_ms = 1000;
  // Retention and compaction run at least this often; 0 = no background
  // cleanup (tests call RunCleanup()).
  int64_t cleanup_interval_ms = 5000;
  // One offset/time index entry per this many bytes of batches (and at
  // least one per segment).
  int64_t index_interval_bytes = 4096;
  // Appends are refused (RESOURCE_EXHAUSTED) once they would leave less than
  // this many bytes free on the data directory's filesystem; <= 0: off.
  int64_t min_free_bytes = 64LL << 20;
  // Per partition, the newest this-many bytes stay in the page cache for
  // readers; older bytes are dropped from it once fsynced
  // (POSIX_FADV_DONTNEED), so the cache does not fill with cold log and new
  // appends reuse the freed pages. < 0: leave everything to the kernel.
  int64_t page_cache_window_bytes = 64LL << 20;
  // Every segment file stays open: Open refuses a data directory whose
  // segment files would leave fewer than this many descriptors of the
  // open-file limit (FAILED_PRECONDITION), CreateTopic a topic whose
  // partitions would (RESOURCE_EXHAUSTED). < 0: no check. See FileBudget.
  int64_t reserved_files = 256;
  util::Clock* clock = util::Clock::Real();  // not owned; must outlive the Store
  // Every file operation goes through it (tests inject faults). Not owned;
  // must outlive the Store; null: the real file system.
  fs::FileSystem* file_system = nullptr;
  // Runs once, on the thread that saw it, when a sync of the store fails
  // (see StorageHealth): the store then refuses appends and acknowledges
  // nothing more; the process should exit so that recovery reads what is
  // really on disk. Must not block.
  std::function<void(const absl::Status&)> on_storage_failure;
};

class Store {
 public:
  virtual ~Store() = default;

  // Opens (creating if needed) `options.data_dir` and recovers every
  // partition (see PartitionRecovery), migrating a directory written by an
  // older release. FAILED_PRECONDITION with a clear message if another
  // process holds the directory or a newer release wrote it.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);

  virtual const StoreOptions& options() const = 0;

  // Validates the name ([A-Za-z0-9._-]{1,249}, not "." or "..") and config
  // (INVALID_ARGUMENT), partitions in [1, max_partitions]
  // (INVALID_ARGUMENT below 1, RESOURCE_EXHAUSTED above), ALREADY_EXISTS.
  // Persisted before it returns.
  //
  // `topic_id` 0: the store gives the topic its next unused id. Otherwise
  // the topic gets that id, assigned elsewhere (a cluster assigns ids
  // cluster-wide, docs/CLUSTER.md); ALREADY_EXISTS if a topic has it, and
  // later ids the store picks itself are larger.
  virtual absl::StatusOr<std::shared_ptr<Topic>> CreateTopic(absl::string_view name,
                                                             int32_t partitions,
                                                             const LogConfig& config,
                                                             uint64_t topic_id = 0) = 0;

  // NOT_FOUND if unknown. Marks the topic and its logs deleted (waking their
  // waiters) and removes its metadata and committed offsets (durably: the
  // topic is gone once this returns, also after a crash); its index keys and
  // files are removed on a background thread right after (DiskStore:
  // TopicReaper; by the next open if the process stops first).
  virtual absl::Status DeleteTopic(absl::string_view name) = 0;

  // NOT_FOUND (naming the topic) if unknown.
  virtual absl::StatusOr<std::shared_ptr<Topic>> GetTopic(absl::string_view name) const = 0;

  // Sorted by name.
  virtual std::vector<std::shared_ptr<Topic>> ListTopics() const = 0;

  // NOT_FOUND if no topic has that id (e.g. it was deleted).
  virtual absl::StatusOr<std::shared_ptr<Topic>> GetTopicById(uint64_t topic_id) const = 0;

  virtual OffsetStore& offsets() = 0;

  // Reserves `count` (>= 1) idempotent-producer ids that this data
  // directory never handed out before, and returns the first; the
  // reservation is synced before it returns, so ids are never reused after
  // a restart (ids reserved but not used are skipped). Thread-safe.
  virtual absl::StatusOr<int64_t> ReserveProducerIds(int64_t count) = 0;

  // OK, or the latched error once a sync failed (see StorageHealth).
  virtual absl::Status health() const = 0;

  // Retention and compaction of every partition, now.
  virtual absl::Status RunCleanup() = 0;

  // Stops background threads, fsyncs every partition (unless a sync already
  // failed: then nothing more is synced and the latched error is returned),
  // wakes all waiters (their logs report closed(); calls then fail with
  // UNAVAILABLE) and closes LevelDB. Idempotent; the destructor calls it.
  virtual absl::Status Close() = 0;
};

}  // namespace eventlog::storage
