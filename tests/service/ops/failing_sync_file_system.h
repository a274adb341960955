// FailingSyncFileSystem: the real file system, except that every file Sync()
// and SyncDir() fails with an I/O error once FailSyncs() is called, as a
// dying disk's fdatasync does. For tests of what operators see then.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "storage/fs/file.h"
#include "storage/fs/file_system.h"

namespace eventlog::service::testing {

class FailingSyncFileSystem final : public storage::fs::FileSystem {
 public:
  void FailSyncs() { failing_.store(true); }

  absl::StatusOr<std::unique_ptr<storage::fs::File>> Open(const std::string& path,
                                                          storage::fs::OpenMode mode) override {
    absl::StatusOr<std::unique_ptr<storage::fs::File>> file = real_->Open(path, mode);
    if (!file.ok()) return file.status();
    return std::make_unique<FailingSyncFile>(*std::move(file), &failing_);
  }
  absl::Status Rename(const std::string& from, const std::string& to) override {
    return real_->Rename(from, to);
  }
  absl::Status Remove(const std::string& path) override { return real_->Remove(path); }
  absl::Status RemoveAll(const std::string& path) override { return real_->RemoveAll(path); }
  absl::Status CreateDirs(const std::string& path) override { return real_->CreateDirs(path); }
  absl::Status SyncDir(const std::string& path) override {
    return failing_.load() ? SyncError(path) : real_->SyncDir(path);
  }
  absl::StatusOr<std::vector<std::string>> ListDir(const std::string& path) override {
    return real_->ListDir(path);
  }
  bool Exists(const std::string& path) override { return real_->Exists(path); }

 private:
  static absl::Status SyncError(const std::string& path) {
    return absl::DataLossError("fdatasync " + path + ": Input/output error (injected)");
  }

  class FailingSyncFile final : public storage::fs::File {
   public:
    FailingSyncFile(std::unique_ptr<storage::fs::File> real, const std::atomic<bool>* failing)
        : real_(std::move(real)), failing_(failing) {}
    const std::string& path() const override { return real_->path(); }
    absl::Status ReadAt(int64_t pos, size_t n, char* dst) const override {
      return real_->ReadAt(pos, n, dst);
    }
    absl::Status WriteAt(int64_t pos, const iovec* iov, int iovcnt) override {
      return real_->WriteAt(pos, iov, iovcnt);
    }
    absl::Status Sync() override { return failing_->load() ? SyncError(path()) : real_->Sync(); }
    absl::Status Truncate(int64_t size) override { return real_->Truncate(size); }
    absl::StatusOr<int64_t> Size() const override { return real_->Size(); }
    void DropCache(int64_t offset, int64_t length) override { real_->DropCache(offset, length); }
    void WillNeed(int64_t offset, int64_t length) override { real_->WillNeed(offset, length); }

   private:
    const std::unique_ptr<storage::fs::File> real_;
    const std::atomic<bool>* const failing_;
  };

  storage::fs::FileSystem* const real_ = storage::fs::FileSystem::Default();
  std::atomic<bool> failing_{false};
};

}  // namespace eventlog::service::testing
