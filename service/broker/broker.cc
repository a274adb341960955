#include "service/broker/broker.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "service/broker/start_position.h"
#include "service/broker/validation.h"
#include "storage/util/error_reason.h"
#include "storage/util/logging/logger.h"
#include "storage/util/status_macros.h"

namespace eventlog::broker {
namespace {

// The start position of an explicit-partitions subscription.
absl::StatusOr<StartPosition> ExplicitStartPosition(const SubscribeRequest& request) {
  if (!request.start.has_value()) return StartPosition{};  // latest
  if (request.start->kind == StartPosition::Kind::kCommitted) {
    if (request.forwarded) {
      // A group's committed offset (or none: -1), resolved here, at the
      // partition's leader, for the broker that serves the member.
      StartPosition position = *request.start;
      position.committed.reset();
      if (position.offset >= 0) position.committed = position.offset;
      position.reset_to = request.reset_to;
      return position;
    }
    return absl::InvalidArgumentError(
        "start_from COMMITTED needs a consumer group; set group, or start from EARLIEST, "
        "LATEST, OFFSET or TIMESTAMP");
  }
  return *request.start;
}

absl::Status CheckResetTo(const SubscribeRequest& request) {
  if (request.reset_to == StartPosition::Kind::kEarliest ||
      request.reset_to == StartPosition::Kind::kLatest) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError("reset_to must be EARLIEST, LATEST or unset");
}

// Where a group member starts on the partitions of its first assignment:
// the committed offset unless the request names another position.
absl::StatusOr<StartPosition> GroupFirstPosition(const SubscribeRequest& request) {
  if (!request.start.has_value() || request.start->kind == StartPosition::Kind::kCommitted) {
    StartPosition position;
    position.kind = StartPosition::Kind::kCommitted;
    return position;
  }
  const StartPosition& position = *request.start;
  // Checked here, not first when a partition is assigned.
  if (position.kind == StartPosition::Kind::kOffset && position.offset < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("start offset ", position.offset, " is negative; offsets start at 0"));
  }
  if (position.kind == StartPosition::Kind::kTimestamp && position.timestamp_ms < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("start timestamp ", position.timestamp_ms,
                     " is negative; use milliseconds since the epoch"));
  }
  return position;
}

}  // namespace

Broker::Broker(storage::Store* store, const BrokerOptions& options, const ClusterParts& cluster)
    : store_(store),
      options_(options),
      cluster_(cluster),
      offset_store_(cluster.offsets != nullptr ? cluster.offsets : &store->offsets()),
      coordinator_(options.group_session_timeout_ms, offset_store_),
      kafka_groups_(
          ClassicGroupCoordinator::Options{options.kafka_group_initial_rebalance_delay_ms},
          offset_store_, &coordinator_),
      batch_cache_(options.subscribe_cache_bytes),
      topics_(store, options, cluster.router),
      producer_(store, &partitioner_, options, options.collect_metrics ? &metrics_ : nullptr,
                cluster),
      batch_producer_(store, options),
      producer_ids_(store, options.broker_id),
      fetcher_(store, &shutdown_, options, cluster.router),
      offsets_(store, &coordinator_, &kafka_groups_, options, offset_store_, cluster.router),
      produce_quota_(options.produce_quota_bytes_per_sec, store->options().clock),
      subscription_slots_(options.max_subscriptions),
      executor_(options.wakeup_threads) {}

Broker::~Broker() { Shutdown(); }

absl::StatusOr<TopicInfo> Broker::CreateTopic(const CreateTopicRequest& request) {
  if (shutting_down()) return ShuttingDownError();
  return topics_.Create(request);
}

absl::Status Broker::DeleteTopic(absl::string_view name) {
  if (shutting_down()) return ShuttingDownError();
  RETURN_IF_ERROR(topics_.Delete(name));
  partitioner_.Forget(name);
  metrics_.ForgetTopic(name);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TopicSummary>> Broker::ListTopics() const {
  // Answered while shutting down too (the store closes only after every
  // listener stopped): a Kafka client's Metadata through a stopping broker
  // must still list the topic's partitions. A topic-level error there made
  // librdkafka drop the partition count to 0 and fail produce() at once.
  return topics_.List();
}

absl::StatusOr<TopicInfo> Broker::DescribeTopic(absl::string_view name) const {
  if (shutting_down()) return ShuttingDownError();
  return topics_.Describe(name);
}

void Broker::Produce(const ProduceRequest& request, ProduceCallback done) {
  if (shutting_down()) {
    done(ShuttingDownError());
    return;
  }
  producer_.Produce(request, std::move(done));
}

void Broker::AppendBatch(BatchAppendRequest request, BatchAppendCallback done) {
  if (shutting_down()) {
    done(ShuttingDownError());
    return;
  }
  batch_producer_.Append(std::move(request), std::move(done));
}

absl::StatusOr<ProducerIdAndEpoch> Broker::InitProducerId(int64_t producer_id,
                                                          int16_t producer_epoch) {
  if (shutting_down()) return ShuttingDownError();
  return producer_ids_.Init(producer_id, producer_epoch);
}

absl::StatusOr<BatchFetchResult> Broker::FetchBatches(const BatchFetchRequest& request) const {
  if (shutting_down()) return ShuttingDownError();
  return fetcher_.FetchBatches(request);
}

absl::StatusOr<FetchResult> Broker::Fetch(const FetchRequest& request) const {
  if (shutting_down()) return ShuttingDownError();
  absl::StatusOr<FetchResult> result = fetcher_.Fetch(request);
  if (result.status().code() == absl::StatusCode::kDataLoss) {
    logging::LogError("broker", "a fetch read damaged data",
                      {{"topic", request.topic},
                       {"partition", request.partition},
                       {"offset", request.offset},
                       {"error", result.status().message()}});
  }
  if (options_.collect_metrics && result.ok() && !result->read.records.empty()) {
    std::shared_ptr<TopicCounters> counters = metrics_.ForTopic(request.topic);
    counters->records_fetched.Add(static_cast<int64_t>(result->read.records.size()));
    counters->bytes_fetched.Add(static_cast<int64_t>(SharedBatch::PayloadBytes(result->read)));
  }
  return result;
}

void Broker::AwaitData(absl::string_view topic, int32_t partition, int64_t offset,
                       const std::shared_ptr<DataWaiter>& waiter) const {
  fetcher_.AwaitData(topic, partition, offset, waiter);
}

absl::StatusOr<std::vector<PartitionOffset>> Broker::ListOffsets(
    const ListOffsetsRequest& request) const {
  if (shutting_down()) return ShuttingDownError();
  return fetcher_.ListOffsets(request);
}

absl::Status Broker::CommitOffset(const CommitOffsetRequest& request) {
  if (shutting_down()) return ShuttingDownError();
  return offsets_.Commit(request);
}

absl::Status Broker::CommitOffsets(const CommitOffsetsRequest& request) {
  if (shutting_down()) return ShuttingDownError();
  return offsets_.CommitMany(request);
}

absl::StatusOr<std::vector<PartitionCommit>> Broker::FetchCommittedOffsets(
    const FetchCommittedRequest& request) const {
  if (shutting_down()) return ShuttingDownError();
  return offsets_.FetchCommitted(request);
}

absl::StatusOr<std::vector<std::string>> Broker::ListGroups() const {
  if (shutting_down()) return ShuttingDownError();
  return offsets_.ListGroups();
}

absl::StatusOr<GroupDescription> Broker::DescribeGroup(absl::string_view group) const {
  if (shutting_down()) return ShuttingDownError();
  return offsets_.DescribeGroup(group);
}

absl::StatusOr<std::unique_ptr<Subscription>> Broker::Subscribe(const SubscribeRequest& request) {
  if (shutting_down()) return ShuttingDownError();
  ASSIGN_OR_RETURN(SubscriptionSlots::Slot slot, subscription_slots_.Acquire());
  ASSIGN_OR_RETURN(std::shared_ptr<storage::Topic> topic, LookupTopic(*store_, request.topic));
  RETURN_IF_ERROR(CheckResetTo(request));
  if (request.max_batch_records < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_batch_records is ", request.max_batch_records, "; use 0 for the default or more"));
  }
  Subscription::Limits limits;
  limits.max_batch_records =
      request.max_batch_records == 0
          ? options_.default_subscribe_batch_records
          : std::min(request.max_batch_records, options_.max_subscribe_batch_records);
  limits.max_batch_bytes = options_.subscribe_batch_bytes;
  const Subscription::Environment environment{&shutdown_, &executor_, &batch_cache_,
                                              options_.collect_metrics ? &metrics_ : nullptr,
                                              cluster_.router, cluster_.remote};

  if (!request.group.empty()) {
    RETURN_IF_ERROR(ValidateGroupName(request.group));
    if (kafka_groups_.HasMembers(request.group)) {
      return util::WithReason(
          absl::FailedPreconditionError(absl::StrCat(
              "group \"", request.group,
              "\" has Kafka members; a group is served by one protocol at a time: use another "
              "group name, or wait until they leave")),
          util::ErrorReason::kInconsistentGroupProtocol);
    }
    if (!request.partitions.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "a member of group \"", request.group,
          "\" gets its partitions from the group; leave partitions empty, or omit group"));
    }
    Subscription::GroupStart start;
    start.offsets = offset_store_;
    ASSIGN_OR_RETURN(start.first, GroupFirstPosition(request));
    start.reset_to = request.reset_to;
    for (int32_t p = 0; p < topic->partition_count(); ++p) {
      if (topic->partition(p)->closed()) return ClosedTopicError(*topic);
    }
    auto subscription = std::make_unique<Subscription>(
        topic, std::make_unique<GroupMembership>(&coordinator_, request.group), start, limits,
        environment);
    subscription->HoldSlot(std::move(slot));
    subscription->JoinGroup(request.client);
    return subscription;
  }

  ASSIGN_OR_RETURN(StartPosition position, ExplicitStartPosition(request));
  std::vector<int32_t> partitions = request.partitions;
  if (partitions.empty()) {
    for (int32_t p = 0; p < topic->partition_count(); ++p) partitions.push_back(p);
  }
  absl::flat_hash_set<int32_t> seen;
  std::vector<Subscription::Cursor> cursors;
  std::vector<Subscription::RemoteStart> remote;
  cursors.reserve(partitions.size());
  for (int32_t partition : partitions) {
    ASSIGN_OR_RETURN(std::shared_ptr<storage::PartitionLog> log,
                     LookupPartition(*topic, partition));
    if (!seen.insert(partition).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("partition ", partition, " is listed more than once"));
    }
    if (cluster_.router != nullptr) {
      PartitionRoute route = cluster_.router->Route(topic->name(), partition);
      if (route.kind != PartitionRoute::Kind::kLocal) {
        // Read through its leader, now or once it has one; a forwarded
        // request is served only where it was sent.
        if (request.forwarded || cluster_.remote == nullptr) {
          return NotLeaderError(topic->name(), partition, route);
        }
        remote.push_back(Subscription::RemoteStart{partition, position});
        continue;
      }
    }
    cursors.push_back(Subscription::Cursor{partition, std::move(log), 0, nullptr});
  }
  for (Subscription::Cursor& cursor : cursors) {
    if (cursor.log->closed()) return ClosedTopicError(*topic);
    ASSIGN_OR_RETURN(cursor.next_offset, ResolveStartOffset(*cursor.log, topic->name(), position));
  }
  auto subscription = std::make_unique<Subscription>(std::move(topic), std::move(cursors),
                                                     std::move(remote), limits, environment);
  subscription->HoldSlot(std::move(slot));
  return subscription;
}

void Broker::Shutdown() {
  shutdown_.Trigger();
  kafka_groups_.Shutdown();
}

}  // namespace eventlog::broker
