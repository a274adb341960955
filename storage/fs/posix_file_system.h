// PosixFileSystem: the FileSystem of the real disk (open/pread/pwritev/
// fdatasync/rename/fsync of directories). EINTR is retried; EIO on read is
// DATA_LOSS (the bytes cannot be returned).
//
// Thread-safe (stateless).
#pragma once

#include "storage/fs/file_system.h"

namespace eventlog::storage::fs {

class PosixFileSystem final : public FileSystem {
 public:
  absl::StatusOr<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) override;
  absl::Status Rename(const std::string& from, const std::string& to) override;
  absl::Status Remove(const std::string& path) override;
  absl::Status RemoveAll(const std::string& path) override;
  absl::Status CreateDirs(const std::string& path) override;
  absl::Status SyncDir(const std::string& path) override;
  absl::StatusOr<std::vector<std::string>> ListDir(const std::string& path) override;
  bool Exists(const std::string& path) override;
};

}  // namespace eventlog::storage::fs
