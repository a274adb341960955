#include "storage/log/segment_appender.h"

#include "storage/format/record_batch_format.h"

namespace eventlog::storage {

absl::Status SegmentAppender::Append(const char* header, absl::string_view records) {
  iovec iov[2];
  iov[0].iov_base = const_cast<char*>(header);
  iov[0].iov_len = format::kBatchHeaderSize;
  iov[1].iov_base = const_cast<char*>(records.data());
  iov[1].iov_len = records.size();
  absl::Status status = segment_->WriteAt(position_, iov, records.empty() ? 1 : 2);
  if (!status.ok()) {
    // Best effort: recovery would also cut a torn tail at the next open.
    (void)segment_->Truncate(position_);
    return status;
  }
  position_ += static_cast<int64_t>(format::kBatchHeaderSize + records.size());
  return absl::OkStatus();
}

}  // namespace eventlog::storage
