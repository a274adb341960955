#include "storage/log/segment.h"

#include "storage/util/status_macros.h"

namespace eventlog::storage {

absl::StatusOr<std::shared_ptr<Segment>> Segment::Open(fs::FileSystem& fs, const std::string& path,
                                                       int64_t base_offset, fs::OpenMode mode) {
  ASSIGN_OR_RETURN(std::unique_ptr<fs::File> file, fs.Open(path, mode));
  return FromFile(std::move(file), path, base_offset);
}

absl::StatusOr<std::shared_ptr<Segment>> Segment::FromFile(std::unique_ptr<fs::File> file,
                                                           std::string path, int64_t base_offset) {
  ASSIGN_OR_RETURN(int64_t size, file->Size());
  // Not make_shared: the constructor is private.
  return std::shared_ptr<Segment>(new Segment(std::move(file), std::move(path), base_offset, size));
}

Segment::Segment(std::unique_ptr<fs::File> file, std::string path, int64_t base_offset,
                 int64_t size)
    : file_(std::move(file)), path_(std::move(path)), base_offset_(base_offset), size_(size) {}

void Segment::DropCachedBytes(int64_t up_to) {
  constexpr int64_t kPage = 4096;
  up_to -= up_to % kPage;
  if (up_to <= 0) return;  // the whole file is within the window
  absl::MutexLock lock(&drop_mu_);
  if (up_to <= dropped_to_) return;
  // Pages the kernel still held in another CPU's LRU batch survive one
  // advice; the previous range gets a second one.
  const int64_t from = previous_drop_from_;
  file_->DropCache(from, up_to - from);
  previous_drop_from_ = dropped_to_;
  dropped_to_ = up_to;
}

absl::Status Segment::Truncate(int64_t size) {
  RETURN_IF_ERROR(file_->Truncate(size));
  set_size(size);
  return absl::OkStatus();
}

}  // namespace eventlog::storage
