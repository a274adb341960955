// FaultInjectionFileSystem: the real file system, for storage tests, with
// what real disks and kernels do to it (in the spirit of LevelDB's
// fault_injection_test and RocksDB's FaultInjectionTestFS):
//
//  - Sync failures on demand, with the kernel's behaviour after one
//    (fsyncgate): the bytes a failed sync did not write are lost, even if a
//    later sync of the same file succeeds.
//  - Power loss. It tracks what is durable under the model the engine codes
//    against (fs/file_system.h): a file's bytes as of its last successful
//    Sync, a directory's entries (creations, renames, removals) as of its
//    last SyncDir. Crash() freezes that state: every later mutating call
//    fails as if the machine were off. PowerLoss() then rewrites the tree
//    under the root to exactly what was durable, optionally with torn
//    writes: a random prefix, or random pages, of each file's unsynced tail.
//  - A crash at the Nth mutating operation (CrashAfter), to cut roll,
//    retention, compaction or a commit at any step.
//
// Only paths under the root are modelled; everything under it at
// construction counts as durable. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "storage/fs/file_system.h"

namespace eventlog::storage::testing {

class FaultInjectionFileSystem final : public fs::FileSystem {
 public:
  enum class TornWrites {
    kNone,          // exactly what was synced
    kRandomPrefix,  // plus a random prefix of each file's unsynced tail
    kRandomPages,   // plus random 4 KiB pages of it (the rest zeros)
  };

  explicit FaultInjectionFileSystem(std::string root);
  ~FaultInjectionFileSystem() override;

  // fs::FileSystem.
  absl::StatusOr<std::unique_ptr<fs::File>> Open(const std::string& path,
                                                 fs::OpenMode mode) override;
  absl::Status Rename(const std::string& from, const std::string& to) override;
  absl::Status Remove(const std::string& path) override;
  absl::Status RemoveAll(const std::string& path) override;
  absl::Status CreateDirs(const std::string& path) override;
  absl::Status SyncDir(const std::string& path) override;
  absl::StatusOr<std::vector<std::string>> ListDir(const std::string& path) override;
  bool Exists(const std::string& path) override;

  // Every later file Sync (fdatasync) or SyncDir whose path contains
  // `path_part` ("" = all) fails with EIO, from the `skip`+1-th on.
  void FailSyncs(std::string path_part, int skip = 0);
  void StopFailingSyncs();
  int64_t failed_syncs() const;

  // File syncs block (a slow disk) until ReleaseSyncs(); syncs_waiting()
  // counts those blocked.
  void HoldSyncs();
  void ReleaseSyncs();
  int syncs_waiting() const;

  // The machine stops now (Crash) or at the start of the `n`-th mutating
  // operation from now (that operation fails and does nothing).
  void Crash();
  void CrashAfter(int64_t n);
  bool crashed() const;

  // Rewrites the tree to what was durable at the crash (see the header) and
  // makes the file system live again, everything on it durable. Every File
  // opened before must be closed (the store destroyed) first.
  absl::Status PowerLoss(TornWrites torn, uint64_t seed);

 private:
  friend class FaultInjectionFile;
  using FileId = uint64_t;

  struct FileState {
    std::string durable;  // bytes as of the last successful Sync
    // fsyncgate: bytes in [lost_from, lost_to) were in the page cache when a
    // sync failed; they never reach the disk, whatever later syncs say.
    int64_t lost_from = 0;
    int64_t lost_to = 0;
  };
  struct Entry {
    bool is_dir = false;
    FileId id = 0;
    bool operator==(const Entry&) const = default;
  };

  bool Under(const std::string& path) const;
  // Counts a mutating operation; UNAVAILABLE once the machine is off.
  absl::Status Mutate(const std::string& what) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status MaybeFailSync(const std::string& path) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Live entries of a directory, from the real tree and ids_.
  std::map<std::string, Entry> LiveEntries(const std::string& dir)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ScanDurable(const std::string& dir) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status FileSynced(FileId id, const std::string& path, absl::Status sync_status);

  const std::string root_;
  std::unique_ptr<fs::FileSystem> real_;
  mutable absl::Mutex mu_;
  FileId next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<std::string, FileId> ids_ ABSL_GUARDED_BY(mu_);  // live path -> file
  std::map<FileId, FileState> files_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::map<std::string, Entry>> durable_dirs_ ABSL_GUARDED_BY(mu_);
  bool crashed_ ABSL_GUARDED_BY(mu_) = false;
  int64_t crash_countdown_ ABSL_GUARDED_BY(mu_) = -1;
  bool fail_syncs_ ABSL_GUARDED_BY(mu_) = false;
  std::string fail_path_part_ ABSL_GUARDED_BY(mu_);
  int fail_skip_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failed_syncs_ ABSL_GUARDED_BY(mu_) = 0;
  bool hold_syncs_ ABSL_GUARDED_BY(mu_) = false;
  int syncs_waiting_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace eventlog::storage::testing
