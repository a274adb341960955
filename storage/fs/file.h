// File: an open file of the storage engine (a segment, a metadata file, a
// LevelDB file), reached through a FileSystem so that tests can inject
// faults and simulate power loss under the real code.
//
// Thread-safe: positional reads may run concurrently with each other and
// with one writer; callers serialize writes, Truncate and Sync as they need.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace eventlog::storage::fs {

class File {
 public:
  virtual ~File() = default;

  virtual const std::string& path() const = 0;

  // Reads exactly `n` bytes at `pos` into `dst`. DATA_LOSS if the file ends
  // first or the device cannot return the bytes (EIO).
  virtual absl::Status ReadAt(int64_t pos, size_t n, char* dst) const = 0;

  // Writes all of `iov` at `pos`.
  virtual absl::Status WriteAt(int64_t pos, const iovec* iov, int iovcnt) = 0;

  // fdatasync. After a failure the file's unsynced bytes must be treated as
  // lost: the kernel reports a writeback error once and may mark the pages
  // clean, so a later Sync() can succeed without them (fsyncgate).
  virtual absl::Status Sync() = 0;

  virtual absl::Status Truncate(int64_t size) = 0;
  virtual absl::StatusOr<int64_t> Size() const = 0;

  // Best-effort hints: drop [offset, offset + length) from the page cache
  // (clean pages only), or read it ahead.
  virtual void DropCache(int64_t offset, int64_t length) = 0;
  virtual void WillNeed(int64_t offset, int64_t length) = 0;
};

}  // namespace eventlog::storage::fs
