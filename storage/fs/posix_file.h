// PosixFile: a File over a POSIX file descriptor, closed on destruction.
//
// Thread-safe as File requires: pread/pwritev are positional.
#pragma once

#include <string>

#include "storage/fs/file.h"

namespace eventlog::storage::fs {

class PosixFile final : public File {
 public:
  // Takes ownership of `fd`.
  PosixFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixFile() override;
  PosixFile(const PosixFile&) = delete;
  PosixFile& operator=(const PosixFile&) = delete;

  const std::string& path() const override { return path_; }
  absl::Status ReadAt(int64_t pos, size_t n, char* dst) const override;
  absl::Status WriteAt(int64_t pos, const iovec* iov, int iovcnt) override;
  absl::Status Sync() override;
  absl::Status Truncate(int64_t size) override;
  absl::StatusOr<int64_t> Size() const override;
  void DropCache(int64_t offset, int64_t length) override;
  void WillNeed(int64_t offset, int64_t length) override;

 private:
  const std::string path_;
  const int fd_;
};

}  // namespace eventlog::storage::fs
