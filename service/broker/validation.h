// Request validation shared by the broker's operations: name rules, topic and
// partition lookup, and the error statuses (with actionable messages) that
// several operations return.
//
// Thread-safe (stateless functions).
#pragma once

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/partition_log.h"
#include "storage/store.h"
#include "storage/topic.h"

namespace eventlog::broker {

// [A-Za-z0-9._-]{1,249}, not "." or "..": INVALID_ARGUMENT otherwise.
absl::Status ValidateTopicName(absl::string_view name);

// Non-empty, at most 249 bytes, no control characters: INVALID_ARGUMENT
// otherwise.
absl::Status ValidateGroupName(absl::string_view group);

// INVALID_ARGUMENT for a malformed name, NOT_FOUND for an unknown topic.
absl::StatusOr<std::shared_ptr<storage::Topic>> LookupTopic(const storage::Store& store,
                                                            absl::string_view name);

// INVALID_ARGUMENT for a negative partition, NOT_FOUND (stating the valid
// range) for one the topic does not have.
absl::StatusOr<std::shared_ptr<storage::PartitionLog>> LookupPartition(const storage::Topic& topic,
                                                                       int32_t partition);

// A producer's timestamp must lie within the topic's bounds of the broker's
// clock (Kafka's message.timestamp.after/before.max.ms), so that one
// far-future record cannot stop time retention of its partition:
// INVALID_ARGUMENT (reason kInvalidTimestamp) naming `what` (e.g.
// "record 3") otherwise.
absl::Status CheckTimestampBounds(const storage::Topic& topic, int64_t timestamp_ms,
                                  int64_t now_ms, absl::string_view what);

// OUT_OF_RANGE naming the topic, partition and both bounds.
absl::Status OffsetOutOfRangeError(absl::string_view topic, int32_t partition, int64_t offset,
                                   int64_t log_start_offset, int64_t high_watermark);

// Why a topic's logs report closed(): NOT_FOUND once deleted, else
// UNAVAILABLE (the store is closing).
absl::Status ClosedTopicError(const storage::Topic& topic);

// UNAVAILABLE: the broker is shutting down.
absl::Status ShuttingDownError();

}  // namespace eventlog::broker
