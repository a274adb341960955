#include "service/broker/producer.h"

#include <map>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "service/broker/produce_completion.h"
#include "service/broker/validation.h"
#include "storage/format/record_batch_builder.h"
#include "storage/util/error_reason.h"
#include "storage/util/status_macros.h"

namespace eventlog::broker {
namespace {

struct PartitionBatch {
  std::shared_ptr<storage::PartitionLog> log;
  storage::RecordBatchBuilder builder;
  std::vector<size_t> records;  // indices into the request, in order
};

// The timestamp record `i` is stored with: the broker's clock for
// LOG_APPEND_TIME topics and for 0; otherwise the producer's, within the
// topic's bounds (see CheckTimestampBounds).
absl::StatusOr<int64_t> RecordTimestamp(const storage::Topic& topic, size_t i,
                                        const ProduceRecord& record, int64_t now_ms) {
  if (record.timestamp_ms < 0) {
    return util::WithReason(
        absl::InvalidArgumentError(
            absl::StrCat("record ", i, " has timestamp_ms ", record.timestamp_ms,
                         "; use milliseconds since the epoch, or 0 for the broker's append time")),
        util::ErrorReason::kInvalidTimestamp);
  }
  if (topic.config().timestamp_type == storage::TimestampType::kLogAppendTime ||
      record.timestamp_ms == 0) {
    return now_ms;
  }
  RETURN_IF_ERROR(
      CheckTimestampBounds(topic, record.timestamp_ms, now_ms, absl::StrCat("record ", i)));
  return record.timestamp_ms;
}

// Every partition's batch, ascending partition; an error if anything in the
// request is invalid (then nothing has been appended).
absl::StatusOr<std::map<int32_t, PartitionBatch>> BuildBatches(const ProduceRequest& request,
                                                               const storage::Topic& topic,
                                                               Partitioner& partitioner,
                                                               int64_t now_ms,
                                                               int64_t max_request_bytes) {
  if (request.records.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("produce request for topic \"", topic.name(),
                                                   "\" has no records; send at least one"));
  }
  const int32_t partitions = topic.partition_count();
  std::shared_ptr<storage::PartitionLog> fixed;
  if (request.partition.has_value()) {
    ASSIGN_OR_RETURN(fixed, LookupPartition(topic, *request.partition));
  }
  const int64_t max_message_bytes = topic.config().max_message_bytes;
  int32_t keyless_partition = -1;  // chosen on the first keyless record
  int64_t request_bytes = 0;
  std::map<int32_t, PartitionBatch> batches;
  for (size_t i = 0; i < request.records.size(); ++i) {
    const ProduceRecord& record = request.records[i];
    ASSIGN_OR_RETURN(const int64_t timestamp_ms, RecordTimestamp(topic, i, record, now_ms));
    int32_t partition;
    if (fixed != nullptr) {
      partition = *request.partition;
    } else if (!record.key.empty()) {
      partition = Partitioner::ForKey(record.key, partitions);
    } else {
      if (keyless_partition < 0) {
        keyless_partition = partitioner.NextKeyless(topic.name(), partitions);
      }
      partition = keyless_partition;
    }
    PartitionBatch& batch = batches[partition];
    if (batch.log == nullptr) batch.log = fixed != nullptr ? fixed : topic.partition(partition);
    batch.records.push_back(i);
    const size_t before = batch.builder.size_bytes();
    batch.builder.Add(record.key, record.value, record.headers, timestamp_ms);
    const int64_t record_bytes = static_cast<int64_t>(batch.builder.size_bytes() - before);
    if (record_bytes > max_message_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "record ", i, " is ", record_bytes, " bytes encoded; topic \"", topic.name(),
          "\" accepts records of at most ", max_message_bytes, " bytes (max_message_bytes)"));
    }
    request_bytes += record_bytes;
    if (request_bytes > max_request_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("produce request exceeds the server's maximum of ", max_request_bytes,
                       " bytes at record ", i, "; split it into smaller requests"));
    }
  }
  return batches;
}

}  // namespace

void Producer::Produce(const ProduceRequest& request, ProduceCallback done) {
  absl::StatusOr<std::shared_ptr<storage::Topic>> topic = LookupTopic(*store_, request.topic);
  if (!topic.ok()) {
    done(topic.status());
    return;
  }
  absl::StatusOr<std::map<int32_t, PartitionBatch>> batches =
      BuildBatches(request, **topic, *partitioner_, store_->options().clock->NowMs(),
                   options_.max_request_bytes);
  if (!batches.ok()) {
    done(batches.status());
    return;
  }
  // Every partition's leader first: nothing is appended unless all have one.
  std::map<int32_t, PartitionRoute> remote;
  if (cluster_.router != nullptr) {
    for (const auto& [partition, batch] : *batches) {
      PartitionRoute route = cluster_.router->Route(request.topic, partition);
      if (route.kind == PartitionRoute::Kind::kLocal) continue;
      if (route.kind == PartitionRoute::Kind::kUnavailable || request.forwarded ||
          cluster_.remote == nullptr) {
        done(NotLeaderError(request.topic, partition, route));
        return;
      }
      remote.emplace(partition, std::move(route));
    }
  }
  // Counted where appended: records forwarded to other leaders are counted
  // there, so that each record counts once in the cluster.
  ProduceTally tally;
  if (metrics_ != nullptr) {
    tally.counters = metrics_->ForTopic((*topic)->name());
    for (const auto& [partition, batch] : *batches) {
      if (remote.count(partition) != 0) continue;
      tally.records += static_cast<int64_t>(batch.records.size());
      for (size_t i : batch.records) {
        const ProduceRecord& record = request.records[i];
        tally.bytes += static_cast<int64_t>(record.key.size() + record.value.size());
        for (const storage::HeaderView& header : record.headers) {
          tally.bytes += static_cast<int64_t>(header.key.size() + header.value.size());
        }
      }
    }
  }
  auto completion = std::make_shared<ProduceCompletion>(static_cast<int>(batches->size()),
                                                        std::move(done), std::move(tally));
  for (auto& [partition, batch] : *batches) {
    auto route = remote.find(partition);
    if (route != remote.end()) {
      ForwardTo(route->second, request, partition, batch.records, completion);
      continue;
    }
    batch.log->AppendAsync(
        std::move(batch.builder), request.durability,
        [completion, partition = partition](absl::StatusOr<storage::AppendResult> result) {
          completion->Done(partition, std::move(result));
        });
  }
}

void Producer::ForwardTo(const PartitionRoute& route, const ProduceRequest& request,
                         int32_t partition, const std::vector<size_t>& records,
                         const std::shared_ptr<ProduceCompletion>& completion) {
  ProduceRequest forwarded;
  forwarded.topic = request.topic;
  forwarded.partition = partition;
  forwarded.durability = request.durability;
  forwarded.forwarded = true;
  forwarded.session = request.session;
  forwarded.records.reserve(records.size());
  for (size_t i : records) forwarded.records.push_back(request.records[i]);
  cluster_.remote->Produce(
      route, forwarded, [completion, partition](absl::StatusOr<ProduceResult> result) {
        if (!result.ok()) {
          completion->Done(partition, result.status());
          return;
        }
        // The leader reports the one partition it was sent.
        for (const PartitionAppend& append : result->appends) {
          if (append.partition != partition) continue;
          completion->Done(partition,
                           storage::AppendResult{append.base_offset, append.last_offset});
          return;
        }
        completion->Done(partition,
                         absl::InternalError(absl::StrCat("the leader of partition ", partition,
                                                          " answered without its offsets")));
      });
}

}  // namespace eventlog::broker
