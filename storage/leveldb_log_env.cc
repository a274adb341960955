#include "storage/leveldb_log_env.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/strings/match.h"
#include "storage/util/no_destructor.h"

namespace eventlog::storage {
namespace {

leveldb::Status PosixError(const std::string& context, int err) {
  if (err == ENOENT) return leveldb::Status::NotFound(context, std::strerror(err));
  return leveldb::Status::IOError(context, std::strerror(err));
}

// An append-only file whose unwritten bytes survive a failed write.
class RetryingLogFile final : public leveldb::WritableFile {
 public:
  RetryingLogFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~RetryingLogFile() override {
    if (fd_ >= 0) (void)Close();
  }

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
    if (::fdatasync(fd_) != 0) return PosixError(path_, errno);
    return leveldb::Status::OK();
  }

  leveldb::Status Close() override {
    leveldb::Status s = WritePending();
    if (::close(fd_) != 0 && s.ok()) s = PosixError(path_, errno);
    fd_ = -1;
    return s;
  }

 private:
  static constexpr size_t kBufferBytes = 64 << 10;

  leveldb::Status WritePending() {
    size_t written = 0;
    leveldb::Status s;
    while (written < pending_.size()) {
      const ssize_t n = ::write(fd_, pending_.data() + written, pending_.size() - written);
      if (n < 0) {
        if (errno == EINTR) continue;
        s = PosixError(path_, errno);
        break;
      }
      written += static_cast<size_t>(n);
    }
    pending_.erase(0, written);  // what failed is written first next time
    return s;
  }

  const std::string path_;
  int fd_;
  std::string pending_;
};

}  // namespace

LevelDbLogEnv* LevelDbLogEnv::Default() {
  static util::NoDestructor<LevelDbLogEnv> env;
  return env.get();
}

leveldb::Status LevelDbLogEnv::NewWritableFile(const std::string& fname,
                                               leveldb::WritableFile** result) {
  if (!absl::EndsWith(fname, ".log")) return target()->NewWritableFile(fname, result);
  const int fd = ::open(fname.c_str(), O_TRUNC | O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    *result = nullptr;
    return PosixError(fname, errno);
  }
  *result = std::make_unique<RetryingLogFile>(fname, fd).release();  // LevelDB owns it
  return leveldb::Status::OK();
}

}  // namespace eventlog::storage
