#include "storage/fs/leveldb_env.h"

#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace eventlog::storage::fs {
namespace {

leveldb::Status ToLevelDb(const absl::Status& status) {
  if (status.ok()) return leveldb::Status::OK();
  const std::string message(status.message());
  if (absl::IsNotFound(status)) return leveldb::Status::NotFound(message);
  return leveldb::Status::IOError(message);
}

// An append-only file over a File whose unwritten bytes survive a failed
// write (see the header).
class RetryingWritableFile final : public leveldb::WritableFile {
 public:
  RetryingWritableFile(FileSystem* fs, const LevelDbEnv::SyncFailureHook* on_sync_failure,
                       std::unique_ptr<File> file, int64_t position)
      : fs_(fs),
        on_sync_failure_(on_sync_failure),
        file_(std::move(file)),
        position_(position),
        is_manifest_(absl::StrContains(file_->path(), "/MANIFEST")) {}
  ~RetryingWritableFile() override { (void)WritePending(); }

  leveldb::Status Append(const leveldb::Slice& data) override {
    pending_.append(data.data(), data.size());
    // Small appends wait for Flush, as LevelDB's own file buffers them.
    if (pending_.size() < kBufferBytes) return leveldb::Status::OK();
    return WritePending();
  }

  leveldb::Status Flush() override { return WritePending(); }

  leveldb::Status Sync() override {
    leveldb::Status s = WritePending();
    if (!s.ok()) return s;
    // A new MANIFEST must be reachable through its directory once synced
    // (LevelDB's posix Env does the same).
    if (is_manifest_) {
      const std::string dir = DirName(file_->path());
      absl::Status synced = fs_->SyncDir(dir);
      if (!synced.ok()) return Failed(synced, "fsync of directory " + dir);
    }
    absl::Status synced = file_->Sync();
    if (!synced.ok()) return Failed(synced, "fdatasync of " + file_->path());
    return leveldb::Status::OK();
  }

  leveldb::Status Close() override { return WritePending(); }

 private:
  static constexpr size_t kBufferBytes = 64 << 10;

  leveldb::Status Failed(const absl::Status& status, const std::string& what) {
    if (*on_sync_failure_) (*on_sync_failure_)(status, what);
    return ToLevelDb(status);
  }

  leveldb::Status WritePending() {
    if (pending_.empty()) return leveldb::Status::OK();
    iovec iov{pending_.data(), pending_.size()};
    absl::Status status = file_->WriteAt(position_, &iov, 1);
    if (!status.ok()) {
      // Nothing counts as written: a short write that did land is
      // overwritten by the retry at the same position.
      return ToLevelDb(status);
    }
    position_ += static_cast<int64_t>(pending_.size());
    pending_.clear();
    return leveldb::Status::OK();
  }

  FileSystem* const fs_;
  const LevelDbEnv::SyncFailureHook* const on_sync_failure_;
  const std::unique_ptr<File> file_;
  int64_t position_;
  const bool is_manifest_;
  std::string pending_;
};

}  // namespace

leveldb::Status LevelDbEnv::NewFile(const std::string& fname, OpenMode mode,
                                    leveldb::WritableFile** result) {
  *result = nullptr;
  absl::StatusOr<std::unique_ptr<File>> file = fs_->Open(fname, mode);
  if (!file.ok()) return ToLevelDb(file.status());
  absl::StatusOr<int64_t> size = (*file)->Size();
  if (!size.ok()) return ToLevelDb(size.status());
  // LevelDB owns what it gets back.
  *result = std::make_unique<RetryingWritableFile>(fs_, &on_sync_failure_, *std::move(file), *size)
                .release();
  return leveldb::Status::OK();
}

leveldb::Status LevelDbEnv::NewWritableFile(const std::string& fname,
                                            leveldb::WritableFile** result) {
  return NewFile(fname, OpenMode::kCreate, result);
}

leveldb::Status LevelDbEnv::NewAppendableFile(const std::string& fname,
                                              leveldb::WritableFile** result) {
  return NewFile(fname, OpenMode::kCreateOrAppend, result);
}

leveldb::Status LevelDbEnv::RemoveFile(const std::string& fname) {
  return ToLevelDb(fs_->Remove(fname));
}

leveldb::Status LevelDbEnv::RenameFile(const std::string& src, const std::string& target) {
  absl::Status status = fs_->Rename(src, target);
  if (!status.ok()) return ToLevelDb(status);
  const std::string dir = DirName(target);
  status = fs_->SyncDir(dir);
  if (!status.ok() && on_sync_failure_) on_sync_failure_(status, "fsync of directory " + dir);
  return ToLevelDb(status);
}

leveldb::Status LevelDbEnv::CreateDir(const std::string& dirname) {
  return ToLevelDb(fs_->CreateDirs(dirname));
}

}  // namespace eventlog::storage::fs
