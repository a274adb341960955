#include "storage/log/segment_appender.h"

namespace eventlog::storage {

absl::Status SegmentAppender::Append(absl::string_view batch) {
  iovec iov{const_cast<char*>(batch.data()), batch.size()};
  absl::Status status = segment_->WriteAt(position_, &iov, 1);
  if (!status.ok()) {
    // Best effort: recovery would also cut a torn tail at the next open.
    (void)segment_->Truncate(position_);
    return status;
  }
  position_ += static_cast<int64_t>(batch.size());
  return absl::OkStatus();
}

}  // namespace eventlog::storage
