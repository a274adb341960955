// Segment: one segment file of a partition, `<dir>/<20-digit base offset>.log`,
// holding record batches (storage/format/record_batch_format.h) back to back.
//
// Thread-safe: reads are positional and may run concurrently with the single
// appender writing past size(). size() is what readers may see; the
// partition log publishes it after each append. The file stays open while
// any reference remains, so a reader holding a shared_ptr can finish even
// after retention removed the file or compaction replaced it.
#pragma once

#include <sys/uio.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "storage/fs/file_system.h"

namespace eventlog::storage {

class Segment {
 public:
  // Opens the segment file at `path` holding batches from `base_offset` on;
  // kCreate creates it (truncating a leftover file of that name). size()
  // starts as the file's size.
  static absl::StatusOr<std::shared_ptr<Segment>> Open(fs::FileSystem& fs, const std::string& path,
                                                       int64_t base_offset, fs::OpenMode mode);
  // A segment over an open file that will be known by `path` (compaction
  // opens its output before renaming it into place).
  static absl::StatusOr<std::shared_ptr<Segment>> FromFile(std::unique_ptr<fs::File> file,
                                                           std::string path, int64_t base_offset);

  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  int64_t base_offset() const { return base_offset_; }
  const std::string& path() const { return path_; }

  // Bytes readers may see.
  int64_t size() const { return size_.load(std::memory_order_acquire); }
  void set_size(int64_t size) { size_.store(size, std::memory_order_release); }

  // Reads exactly `n` bytes at `pos` into `dst`. DATA_LOSS if the file ends
  // first or the bytes cannot be read (EIO).
  absl::Status ReadAt(int64_t pos, size_t n, char* dst) const { return file_->ReadAt(pos, n, dst); }

  // Writes all of `iov` at `pos`. Does not change size().
  absl::Status WriteAt(int64_t pos, const iovec* iov, int iovcnt) {
    return file_->WriteAt(pos, iov, iovcnt);
  }

  // fdatasync. A failure means the bytes written since the last successful
  // Sync may be lost even if a later Sync succeeds (see fs::File::Sync).
  absl::Status Sync() { return file_->Sync(); }

  // Asks the kernel to drop the page cache of [0, up_to) (rounded down to
  // whole pages), once per byte range. Only for bytes already synced: clean
  // pages are dropped, dirty ones would not be. Best effort.
  void DropCachedBytes(int64_t up_to);

  // Read-ahead hint for [pos, pos + length).
  void WillNeed(int64_t pos, int64_t length) const { file_->WillNeed(pos, length); }

  // Cuts the file to `size` bytes (and size() with it).
  absl::Status Truncate(int64_t size);

 private:
  Segment(std::unique_ptr<fs::File> file, std::string path, int64_t base_offset, int64_t size);

  const std::unique_ptr<fs::File> file_;
  const std::string path_;
  const int64_t base_offset_;
  std::atomic<int64_t> size_;
  absl::Mutex drop_mu_;
  int64_t dropped_to_ ABSL_GUARDED_BY(drop_mu_) = 0;
  int64_t previous_drop_from_ ABSL_GUARDED_BY(drop_mu_) = 0;
};

}  // namespace eventlog::storage
