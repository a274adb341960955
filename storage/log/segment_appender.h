// SegmentAppender: writes whole record batches at the end of the active
// segment, one write per batch.
//
// Not thread-safe: the partition log's append lock serializes callers.
// Does not publish: the log moves Segment::size() forward once the batch is
// also indexed, so readers never see a partially written batch.
#pragma once

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "storage/log/segment.h"

namespace eventlog::storage {

class SegmentAppender {
 public:
  // Appends after the first `position` bytes of `segment`.
  SegmentAppender(std::shared_ptr<Segment> segment, int64_t position)
      : segment_(std::move(segment)), position_(position) {}

  const std::shared_ptr<Segment>& segment() const { return segment_; }
  // End of what was written (may be ahead of segment()->size()).
  int64_t position() const { return position_; }

  // Writes a whole batch. On error cuts the file back so no partial batch
  // remains, and returns the error.
  absl::Status Append(absl::string_view batch);

 private:
  std::shared_ptr<Segment> segment_;
  int64_t position_;
};

}  // namespace eventlog::storage
