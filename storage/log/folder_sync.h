// FolderSync: a folder as ParallelSyncer sees it, so that many folders can be
// fsynced side by side (CreateTopic's partition folders: on this machine's
// ext4 each fsync of a folder is a synchronous write and a cache flush, and
// 1,024 of them one after another were most of a CreateTopic).
//
// Thread-safe (the file system is).
#pragma once

#include <string>
#include <utility>

#include "storage/fs/file_system.h"
#include "storage/log/syncable.h"

namespace eventlog::storage {

class FolderSync final : public Syncable {
 public:
  // `fs` must outlive this object.
  FolderSync(fs::FileSystem* fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}

  const std::string& dir() const { return dir_; }

  // The folder's fsync.
  absl::Status SyncWritten() override { return fs_->SyncDir(dir_); }
  // A folder has no recovery point.
  void CheckpointRecoveryPoint(leveldb::WriteBatch*) override {}

 private:
  fs::FileSystem* const fs_;
  const std::string dir_;
};

}  // namespace eventlog::storage
