#include "service/broker/start_position.h"

#include "absl/strings/str_cat.h"
#include "service/broker/validation.h"

namespace eventlog::broker {

absl::StatusOr<int64_t> ResolveStartOffset(const storage::PartitionLog& log,
                                           absl::string_view topic, const StartPosition& position) {
  using Kind = StartPosition::Kind;
  const int64_t log_start = log.log_start_offset();
  const int64_t high_watermark = log.high_watermark();
  switch (position.kind) {
    case Kind::kEarliest:
      return log_start;
    case Kind::kLatest:
      return high_watermark;
    case Kind::kOffset:
      if (position.offset < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("start offset ", position.offset, " is negative; offsets start at 0"));
      }
      if (position.offset < log_start || position.offset > high_watermark) {
        return OffsetOutOfRangeError(topic, log.partition(), position.offset, log_start,
                                     high_watermark);
      }
      return position.offset;
    case Kind::kTimestamp:
      if (position.timestamp_ms < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("start timestamp ", position.timestamp_ms,
                         " is negative; use milliseconds since the epoch"));
      }
      return log.OffsetForTimestamp(position.timestamp_ms);
    case Kind::kCommitted: {
      if (position.committed.has_value() && *position.committed >= log_start &&
          *position.committed <= high_watermark) {
        return *position.committed;
      }
      if (position.reset_to == Kind::kEarliest) return log_start;
      if (position.reset_to == Kind::kLatest) return high_watermark;
      return absl::InvalidArgumentError(
          "reset_to must be EARLIEST or LATEST (where to start without a committed offset)");
    }
  }
  return absl::InvalidArgumentError("unknown start position");
}

}  // namespace eventlog::broker
