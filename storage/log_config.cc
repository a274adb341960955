#include "storage/log_config.h"

#include "absl/strings/str_cat.h"

namespace eventlog::storage {
namespace {

// Retention limits are either positive or kUnlimited.
bool ValidLimit(int64_t value) { return value == LogConfig::kUnlimited || value > 0; }

}  // namespace

absl::Status LogConfig::Validate() const {
  if (!ValidLimit(retention_ms)) {
    return absl::InvalidArgumentError(
        absl::StrCat("retention_ms must be positive or -1 (unlimited), got ", retention_ms));
  }
  if (!ValidLimit(retention_bytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat("retention_bytes must be positive or -1 (unlimited), got ", retention_bytes));
  }
  if (cleanup_policy != CleanupPolicy::kDelete && cleanup_policy != CleanupPolicy::kCompact) {
    return absl::InvalidArgumentError(absl::StrCat("cleanup_policy must be DELETE or COMPACT, got ",
                                                   static_cast<int>(cleanup_policy)));
  }
  if (max_message_bytes <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_message_bytes must be positive, got ", max_message_bytes));
  }
  if (segment_bytes <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("segment_bytes must be positive, got ", segment_bytes));
  }
  if (segment_ms <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("segment_ms must be positive, got ", segment_ms));
  }
  if (delete_retention_ms < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("delete_retention_ms must not be negative, got ", delete_retention_ms));
  }
  if (timestamp_type != TimestampType::kCreateTime &&
      timestamp_type != TimestampType::kLogAppendTime) {
    return absl::InvalidArgumentError(
        absl::StrCat("timestamp_type must be CREATE_TIME or LOG_APPEND_TIME, got ",
                     static_cast<int>(timestamp_type)));
  }
  if (message_timestamp_after_max_ms < 0 && message_timestamp_after_max_ms != kUnlimited) {
    return absl::InvalidArgumentError(
        absl::StrCat("message_timestamp_after_max_ms must be >= 0 or -1 (unbounded), got ",
                     message_timestamp_after_max_ms));
  }
  if (message_timestamp_before_max_ms < 0 && message_timestamp_before_max_ms != kUnlimited) {
    return absl::InvalidArgumentError(
        absl::StrCat("message_timestamp_before_max_ms must be >= 0 or -1 (unbounded), got ",
                     message_timestamp_before_max_ms));
  }
  return absl::OkStatus();
}

}  // namespace eventlog::storage
