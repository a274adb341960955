#include "service/broker/fetcher.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "service/broker/start_position.h"
#include "service/broker/validation.h"
#include "storage/util/status_macros.h"

namespace eventlog::broker {
namespace {

// What a fetched record costs in a response beyond its stored bytes (its
// fields' tags and lengths, partition, offset, timestamp), without the topic
// name, which is added per fetch.
constexpr int64_t kResponseBytesPerRecord = 32;
// How long a fetch with no wait of its own waits for records that are
// written but not yet durable (their sync is requested at once).
constexpr int32_t kUnflushedWaitMs = 1000;

// OK if this broker serves the partition (always on a single broker).
absl::Status CheckLeader(const PartitionRouter* router, absl::string_view topic,
                         int32_t partition) {
  if (router == nullptr) return absl::OkStatus();
  PartitionRoute route = router->Route(topic, partition);
  if (route.kind == PartitionRoute::Kind::kLocal) return absl::OkStatus();
  return NotLeaderError(topic, partition, route);
}

absl::Status CheckNotNegative(absl::string_view field, int64_t value) {
  if (value >= 0) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(field, " is ", value, "; use 0 for the default or a positive value"));
}

}  // namespace

absl::StatusOr<FetchResult> Fetcher::Fetch(const FetchRequest& request) const {
  ASSIGN_OR_RETURN(std::shared_ptr<storage::Topic> topic, LookupTopic(*store_, request.topic));
  ASSIGN_OR_RETURN(std::shared_ptr<storage::PartitionLog> log,
                   LookupPartition(*topic, request.partition));
  RETURN_IF_ERROR(CheckLeader(router_, topic->name(), request.partition));
  if (request.offset < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("offset ", request.offset, " is negative; offsets start at 0"));
  }
  RETURN_IF_ERROR(CheckNotNegative("max_records", request.max_records));
  RETURN_IF_ERROR(CheckNotNegative("max_bytes", request.max_bytes));
  RETURN_IF_ERROR(CheckNotNegative("max_wait_ms", request.max_wait_ms));
  if (log->closed()) return ClosedTopicError(*topic);

  const int64_t log_start = log->log_start_offset();
  const int64_t high_watermark = log->high_watermark();
  if (request.offset < log_start || request.offset > high_watermark) {
    return OffsetOutOfRangeError(topic->name(), request.partition, request.offset, log_start,
                                 high_watermark);
  }
  // Bounded by records and by what the response costs, not only by stored
  // bytes: a fetch of tiny records must not allocate gigabytes.
  storage::ReadLimits limits;
  limits.max_records = request.max_records == 0
                           ? options_.default_fetch_max_records
                           : std::min(request.max_records, options_.max_fetch_records);
  limits.max_bytes = request.max_bytes == 0
                         ? options_.default_fetch_max_bytes
                         : std::min<int64_t>(request.max_bytes, options_.max_request_bytes);
  limits.per_record_overhead = kResponseBytesPerRecord + static_cast<int64_t>(topic->name().size());
  FetchResult result;
  ASSIGN_OR_RETURN(result.read, log->Read(request.offset, limits));
  if (result.read.records.empty()) {
    result.wait_offset = std::max(request.offset, result.read.next_offset);
    int32_t wait_ms = request.max_wait_ms;
    // Records at the offset are written but not yet durable (ACKS_LEADER):
    // wait for their sync, which the wait asks for at once, rather than
    // answer empty while they exist.
    if (log->log_end_offset() > result.wait_offset) wait_ms = std::max(wait_ms, kUnflushedWaitMs);
    result.wait_ms = std::min(wait_ms, options_.max_fetch_wait_ms);
  }
  return result;
}

absl::StatusOr<BatchFetchResult> Fetcher::FetchBatches(const BatchFetchRequest& request) const {
  ASSIGN_OR_RETURN(std::shared_ptr<storage::Topic> topic, LookupTopic(*store_, request.topic));
  ASSIGN_OR_RETURN(std::shared_ptr<storage::PartitionLog> log,
                   LookupPartition(*topic, request.partition));
  if (request.offset < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("offset ", request.offset, " is negative; offsets start at 0"));
  }
  RETURN_IF_ERROR(CheckNotNegative("max_bytes", request.max_bytes));
  if (log->closed()) return ClosedTopicError(*topic);
  BatchFetchResult result;
  ASSIGN_OR_RETURN(result.read,
                   log->ReadBatches(request.offset,
                                    std::min<int64_t>(request.max_bytes, options_.max_request_bytes)));
  return result;
}

void Fetcher::AwaitData(absl::string_view topic_name, int32_t partition, int64_t offset,
                        const std::shared_ptr<DataWaiter>& waiter) const {
  std::vector<DataWaiter::Target> targets;
  absl::StatusOr<std::shared_ptr<storage::Topic>> topic = LookupTopic(*store_, topic_name);
  if (topic.ok()) {
    std::shared_ptr<storage::PartitionLog> log = (*topic)->partition(partition);
    if (log != nullptr) targets.push_back(DataWaiter::Target{std::move(log), offset});
  }
  waiter->Arm(std::move(targets), shutdown_);
}

void Fetcher::AwaitAny(const std::vector<DataPosition>& positions,
                       const std::shared_ptr<DataWaiter>& waiter) const {
  std::vector<DataWaiter::Target> targets;
  bool gone = false;
  for (const DataPosition& position : positions) {
    absl::StatusOr<std::shared_ptr<storage::Topic>> topic = LookupTopic(*store_, position.topic);
    std::shared_ptr<storage::PartitionLog> log =
        topic.ok() ? (*topic)->partition(position.partition) : nullptr;
    if (log == nullptr) {
      gone = true;  // wake at once: the next read reports why
      break;
    }
    targets.push_back(DataWaiter::Target{std::move(log), position.offset});
  }
  if (gone) targets.clear();
  waiter->Arm(std::move(targets), shutdown_);
}

absl::StatusOr<std::vector<PartitionOffset>> Fetcher::ListOffsets(
    const ListOffsetsRequest& request) const {
  ASSIGN_OR_RETURN(std::shared_ptr<storage::Topic> topic, LookupTopic(*store_, request.topic));
  // Each partition once (a list may not make the broker scan a time index
  // more than once per partition), in ascending order.
  std::vector<int32_t> partitions = request.partitions;
  std::sort(partitions.begin(), partitions.end());
  partitions.erase(std::unique(partitions.begin(), partitions.end()), partitions.end());
  if (partitions.empty()) {
    for (int32_t p = 0; p < topic->partition_count(); ++p) partitions.push_back(p);
  }
  const StartPosition& position = request.position;
  if (position.kind != StartPosition::Kind::kEarliest &&
      position.kind != StartPosition::Kind::kLatest &&
      position.kind != StartPosition::Kind::kTimestamp) {
    return absl::InvalidArgumentError("ListOffsets takes EARLIEST, LATEST or TIMESTAMP");
  }
  // Validate every partition before reading any, so errors do not depend on
  // the order of the list.
  std::vector<std::shared_ptr<storage::PartitionLog>> logs;
  logs.reserve(partitions.size());
  for (int32_t partition : partitions) {
    ASSIGN_OR_RETURN(std::shared_ptr<storage::PartitionLog> log,
                     LookupPartition(*topic, partition));
    RETURN_IF_ERROR(CheckLeader(router_, topic->name(), partition));
    logs.push_back(std::move(log));
  }
  std::vector<PartitionOffset> offsets;
  offsets.reserve(logs.size());
  for (size_t i = 0; i < logs.size(); ++i) {
    if (logs[i]->closed()) return ClosedTopicError(*topic);
    // LATEST is the durable end: records already written (ACKS_LEADER) are
    // made durable first, so a client reads what it produced before asking.
    if (position.kind == StartPosition::Kind::kLatest &&
        logs[i]->log_end_offset() > logs[i]->high_watermark()) {
      RETURN_IF_ERROR(logs[i]->Flush());
    }
    ASSIGN_OR_RETURN(int64_t offset, ResolveStartOffset(*logs[i], topic->name(), position));
    offsets.push_back(PartitionOffset{partitions[i], offset});
  }
  return offsets;
}

}  // namespace eventlog::broker
