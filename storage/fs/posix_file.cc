#include "storage/fs/posix_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "absl/strings/str_cat.h"
#include "storage/fs/file_system.h"

namespace eventlog::storage::fs {

PosixFile::~PosixFile() { ::close(fd_); }

absl::Status PosixFile::ReadAt(int64_t pos, size_t n, char* dst) const {
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
      return ErrnoStatus(errno, absl::StrCat("cannot read ", path_));
    }
    if (r == 0) {
      return absl::DataLossError(absl::StrCat("file ", path_, " ends before position ", pos));
    }
    dst += r;
    pos += r;
    n -= static_cast<size_t>(r);
  }
  return absl::OkStatus();
}

absl::Status PosixFile::WriteAt(int64_t pos, const iovec* iov, int iovcnt) {
  size_t total = 0;
  for (int i = 0; i < iovcnt; ++i) total += iov[i].iov_len;
  ssize_t w;
  do {
    w = ::pwritev(fd_, iov, iovcnt, pos);
  } while (w < 0 && errno == EINTR);
  if (w < 0) return ErrnoStatus(errno, absl::StrCat("cannot write ", path_));
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
    if (w < 0) return ErrnoStatus(errno, absl::StrCat("cannot write ", path_));
    if (w == 0) return absl::InternalError(absl::StrCat("cannot write ", path_, ": no progress"));
  }
}

absl::Status PosixFile::Sync() {
  if (::fdatasync(fd_) != 0) {
    return ErrnoStatus(errno, absl::StrCat("cannot fdatasync ", path_));
  }
  return absl::OkStatus();
}

absl::Status PosixFile::Truncate(int64_t size) {
  if (::ftruncate(fd_, size) != 0) {
    return ErrnoStatus(errno, absl::StrCat("cannot truncate ", path_));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> PosixFile::Size() const {
  struct stat st;
  if (::fstat(fd_, &st) != 0) return ErrnoStatus(errno, absl::StrCat("cannot stat ", path_));
  return static_cast<int64_t>(st.st_size);
}

void PosixFile::DropCache(int64_t offset, int64_t length) {
  (void)::posix_fadvise(fd_, offset, length, POSIX_FADV_DONTNEED);
}

void PosixFile::WillNeed(int64_t offset, int64_t length) {
  (void)::posix_fadvise(fd_, offset, length, POSIX_FADV_WILLNEED);
}

}  // namespace eventlog::storage::fs
