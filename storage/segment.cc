#include "storage/segment.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "absl/strings/str_cat.h"
#include "storage/file_util.h"

namespace eventlog::storage {

absl::StatusOr<std::shared_ptr<Segment>> Segment::Open(std::string path, int64_t base_offset,
                                                       bool create) {
  const int flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0);
  const int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) return file_util::ErrnoStatus(errno, absl::StrCat("cannot open segment ", path));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return file_util::ErrnoStatus(err, absl::StrCat("cannot stat segment ", path));
  }
  // Not make_shared: the constructor is private.
  return std::shared_ptr<Segment>(new Segment(std::move(path), base_offset, fd, st.st_size));
}

Segment::Segment(std::string path, int64_t base_offset, int fd, int64_t size)
    : path_(std::move(path)), base_offset_(base_offset), fd_(fd), size_(size) {}

Segment::~Segment() { ::close(fd_); }

absl::Status Segment::ReadAt(int64_t pos, size_t n, char* dst) const {
  while (n > 0) {
    const ssize_t r = ::pread(fd_, dst, n, pos);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EIO) {
        // The device (or a checksumming filesystem) cannot return these
        // bytes: for the reader they are lost.
        return absl::DataLossError(
            absl::StrCat("I/O error reading ", path_, " at position ", pos, " (", n, " bytes)"));
      }
      return file_util::ErrnoStatus(errno, absl::StrCat("cannot read ", path_));
    }
    if (r == 0) {
      return absl::DataLossError(absl::StrCat("segment ", path_, " ends before position ", pos));
    }
    dst += r;
    pos += r;
    n -= static_cast<size_t>(r);
  }
  return absl::OkStatus();
}

absl::Status Segment::WriteAt(int64_t pos, const iovec* iov, int iovcnt) {
  size_t total = 0;
  for (int i = 0; i < iovcnt; ++i) total += iov[i].iov_len;
  ssize_t w;
  do {
    w = ::pwritev(fd_, iov, iovcnt, pos);
  } while (w < 0 && errno == EINTR);
  if (w < 0) return file_util::ErrnoStatus(errno, absl::StrCat("cannot write ", path_));
  if (static_cast<size_t>(w) == total) return absl::OkStatus();

  // Short write (rare): finish the rest piece by piece.
  std::vector<iovec> rest(iov, iov + iovcnt);
  size_t first = 0;
  while (true) {
    pos += w;
    auto left = static_cast<size_t>(w);
    while (first < rest.size() && left >= rest[first].iov_len) {
      left -= rest[first].iov_len;
      ++first;
    }
    if (first == rest.size()) return absl::OkStatus();
    rest[first].iov_base = static_cast<char*>(rest[first].iov_base) + left;
    rest[first].iov_len -= left;
    do {
      w = ::pwritev(fd_, rest.data() + first, static_cast<int>(rest.size() - first), pos);
    } while (w < 0 && errno == EINTR);
    if (w < 0) return file_util::ErrnoStatus(errno, absl::StrCat("cannot write ", path_));
    if (w == 0) return absl::InternalError(absl::StrCat("cannot write ", path_, ": no progress"));
  }
}

absl::Status Segment::Sync() const {
  if (::fdatasync(fd_) != 0) {
    return file_util::ErrnoStatus(errno, absl::StrCat("cannot fdatasync ", path_));
  }
  return absl::OkStatus();
}

void Segment::DropCachedBytes(int64_t up_to) {
  constexpr int64_t kPage = 4096;
  up_to -= up_to % kPage;
  if (up_to <= 0) return;  // the whole file is within the window
  absl::MutexLock lock(&drop_mu_);
  if (up_to <= dropped_to_) return;
  // Pages the kernel still held in another CPU's LRU batch survive one
  // advice; the previous range gets a second one.
  const int64_t from = previous_drop_from_;
  (void)::posix_fadvise(fd_, from, up_to - from, POSIX_FADV_DONTNEED);
  previous_drop_from_ = dropped_to_;
  dropped_to_ = up_to;
}

absl::Status Segment::Truncate(int64_t size) {
  if (::ftruncate(fd_, size) != 0) {
    return file_util::ErrnoStatus(errno, absl::StrCat("cannot truncate ", path_));
  }
  set_size(size);
  return absl::OkStatus();
}

}  // namespace eventlog::storage
