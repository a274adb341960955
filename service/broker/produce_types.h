// Domain structs of Produce / ProduceStream, independent of gRPC and
// protobuf. A ProduceRequest holds views: the bytes must stay alive only for
// the duration of the Broker::Produce call (records are copied into record
// batches before it returns).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/format/record.h"
#include "storage/partition_log.h"

namespace eventlog::broker {

class ProduceSession;

struct ProduceRecord {
  absl::string_view key;
  absl::string_view value;
  std::vector<storage::HeaderView> headers;
  int64_t timestamp_ms = 0;  // 0 = broker append time
};

struct ProduceRequest {
  absl::string_view topic;
  std::optional<int32_t> partition;  // unset: keyed / round-robin routing
  std::vector<ProduceRecord> records;
  storage::Durability durability = storage::Durability::kAll;
  // Cluster: sent by another broker; partitions led elsewhere are refused
  // (UNAVAILABLE naming the leader), never forwarded again.
  bool forwarded = false;
  // Cluster: the client stream the request came on, if any, so that what is
  // forwarded keeps the stream's order (not owned; see ProduceSession).
  ProduceSession* session = nullptr;
};

// Offsets given to the records of one request in one partition.
struct PartitionAppend {
  int32_t partition = 0;
  int64_t base_offset = 0;
  int64_t last_offset = 0;
};

struct ProduceResult {
  std::vector<PartitionAppend> appends;  // ascending partition
};

using ProduceCallback = absl::AnyInvocable<void(absl::StatusOr<ProduceResult>)>;

// One record batch built by the producer (Kafka's RecordBatch v2, any
// codec, possibly with an idempotent producer's id and sequence), appended
// to one partition as it came (BatchProducer).
struct BatchAppendRequest {
  absl::string_view topic;
  int32_t partition = 0;
  std::string batch;
  storage::Durability durability = storage::Durability::kAll;
};

struct BatchAppendResult {
  int64_t base_offset = 0;
  int64_t last_offset = 0;
  // A retry of a batch the idempotent producer already appended: the
  // original's offsets, nothing appended.
  bool duplicate = false;
  int64_t log_append_time_ms = -1;  // LOG_APPEND_TIME topics: the time given
  int64_t log_start_offset = 0;
};

using BatchAppendCallback = absl::AnyInvocable<void(absl::StatusOr<BatchAppendResult>)>;

}  // namespace eventlog::broker
