// Effective per-topic configuration of a partition log (defaults resolved).
#pragma once

#include <cstdint>

#include "absl/status/status.h"

namespace eventlog::storage {

enum class CleanupPolicy { kDelete = 1, kCompact = 2 };

// Which timestamp records keep (Kafka's message.timestamp.type).
enum class TimestampType { kCreateTime = 1, kLogAppendTime = 2 };

struct LogConfig {
  static constexpr int64_t kUnlimited = -1;

  int64_t retention_ms = 7LL * 24 * 3600 * 1000;  // kUnlimited: keep forever
  int64_t retention_bytes = kUnlimited;           // per partition
  CleanupPolicy cleanup_policy = CleanupPolicy::kDelete;
  int32_t max_message_bytes = 1 << 20;               // one record, encoded
  int64_t segment_bytes = 1LL << 30;                 // roll at this size
  int64_t segment_ms = 7LL * 24 * 3600 * 1000;       // roll at this age
  int64_t delete_retention_ms = 24LL * 3600 * 1000;  // tombstone grace (COMPACT)
  TimestampType timestamp_type = TimestampType::kCreateTime;
  // CREATE_TIME: producer timestamps further than this ahead of / behind the
  // broker's clock are refused (kUnlimited: no bound). Checked by the broker.
  int64_t message_timestamp_after_max_ms = 3600LL * 1000;
  int64_t message_timestamp_before_max_ms = kUnlimited;

  // INVALID_ARGUMENT naming the offending field when a value is out of range.
  absl::Status Validate() const;
};

}  // namespace eventlog::storage
