#include "storage/log/truncation_point.h"

#include <algorithm>

#include "storage/format/record_batch_format.h"
#include "storage/log/segment_reader.h"
#include "storage/util/status_macros.h"

namespace eventlog::storage {

absl::StatusOr<TruncationPoint> FindTruncationPoint(const Segment& segment, int64_t from,
                                                    int64_t size, int64_t offset) {
  int64_t position = from;
  while (position < size) {
    ASSIGN_OR_RETURN(format::BatchHeader header, ReadBatchHeaderAt(segment, position, size));
    RETURN_IF_ERROR(format::CheckBatchHeader(header));
    if (header.next_offset() > offset) {
      return TruncationPoint{position, std::min(offset, header.base_offset)};
    }
    position += header.batch_length;
  }
  return TruncationPoint{size, offset};
}

}  // namespace eventlog::storage
