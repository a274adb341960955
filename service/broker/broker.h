// Broker: the transport-free core of eventlogd. One object per data
// directory, in front of a storage::Store: topic admin, produce (routing and
// batching), fetch and list offsets, committed offsets and groups, and
// subscriptions. Requests and results are domain structs (no protobuf);
// errors are absl::Status with the codes of docs/protocol.md's table, which the gRPC
// layer maps one-to-one.
//
// Thread-safe. Shutdown() makes new requests fail with UNAVAILABLE and wakes
// every parked reader, so that streams end promptly.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/broker/batch_cache.h"
#include "service/broker/batch_producer.h"
#include "service/broker/broker_metrics.h"
#include "service/broker/broker_options.h"
#include "service/broker/cluster_parts.h"
#include "service/broker/classic_group_coordinator.h"
#include "service/broker/data_waiter.h"
#include "service/broker/executor.h"
#include "service/broker/fetch_types.h"
#include "service/broker/fetcher.h"
#include "service/broker/group_coordinator.h"
#include "service/broker/offset_manager.h"
#include "service/broker/offset_types.h"
#include "service/broker/partitioner.h"
#include "service/broker/produce_quota.h"
#include "service/broker/produce_types.h"
#include "service/broker/producer.h"
#include "service/broker/producer_ids.h"
#include "service/broker/shutdown_signal.h"
#include "service/broker/subscribe_types.h"
#include "service/broker/subscription.h"
#include "service/broker/subscription_slots.h"
#include "service/broker/topic_admin.h"
#include "service/broker/topic_types.h"
#include "storage/store.h"

namespace eventlog::broker {

class Broker {
 public:
  // `store` (and the parts of `cluster`) must outlive the broker and
  // everything it hands out. Without `cluster` (a single broker) every
  // partition is served here and offsets are committed to the store.
  Broker(storage::Store* store, const BrokerOptions& options, const ClusterParts& cluster = {});
  // Shuts down (parked readers wake and their wake-ups run) before the
  // parts go.
  ~Broker();

  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  const BrokerOptions& options() const { return options_; }
  const ClusterParts& cluster() const { return cluster_; }

  // The effective config and partition count of a topic `request` would
  // create (defaults filled in), or what is wrong with it
  // (INVALID_ARGUMENT, RESOURCE_EXHAUSTED as CreateTopic). For the cluster
  // controller, which creates topics in etcd.
  absl::StatusOr<ResolvedTopic> ResolveNewTopic(const CreateTopicRequest& request) const {
    return topics_.Resolve(request);
  }

  // A session for a produce stream's forwarded requests (null on a single
  // broker); see ProduceRequest::session.
  std::unique_ptr<ProduceSession> NewProduceSession() {
    return cluster_.remote == nullptr ? nullptr : cluster_.remote->NewProduceSession();
  }

  absl::StatusOr<TopicInfo> CreateTopic(const CreateTopicRequest& request);
  absl::Status DeleteTopic(absl::string_view name);
  absl::StatusOr<std::vector<TopicSummary>> ListTopics() const;
  absl::StatusOr<TopicInfo> DescribeTopic(absl::string_view name) const;

  // Takes `bytes` (a produce request's size) from the produce quota of
  // `connection` (the client's address); RESOURCE_EXHAUSTED when over it.
  // Call before Produce; OK when there is no quota.
  absl::Status ChargeProduceQuota(absl::string_view connection, int64_t bytes) {
    return produce_quota_.Charge(connection, bytes);
  }

  // See Producer::Produce. `done` may run inline.
  void Produce(const ProduceRequest& request, ProduceCallback done);

  // See BatchProducer (a Kafka client's record batch, appended as it came).
  // `done` may run inline.
  void AppendBatch(BatchAppendRequest request, BatchAppendCallback done);

  // Kafka's InitProducerId (see ProducerIds).
  absl::StatusOr<ProducerIdAndEpoch> InitProducerId(int64_t producer_id, int16_t producer_epoch);

  // See Fetcher::FetchBatches.
  absl::StatusOr<BatchFetchResult> FetchBatches(const BatchFetchRequest& request) const;

  // See Fetcher. A long poll: Fetch; if FetchResult::wait_ms > 0, create a
  // DataWaiter, AwaitData on it, and Fetch again when it wakes.
  absl::StatusOr<FetchResult> Fetch(const FetchRequest& request) const;
  void AwaitData(absl::string_view topic, int32_t partition, int64_t offset,
                 const std::shared_ptr<DataWaiter>& waiter) const;
  // See Fetcher::AwaitAny (a long poll over several partitions).
  void AwaitAnyData(const std::vector<DataPosition>& positions,
                    const std::shared_ptr<DataWaiter>& waiter) const {
    fetcher_.AwaitAny(positions, waiter);
  }
  absl::StatusOr<std::vector<PartitionOffset>> ListOffsets(const ListOffsetsRequest& request) const;

  absl::Status CommitOffset(const CommitOffsetRequest& request);
  absl::Status CommitOffsets(const CommitOffsetsRequest& request);
  absl::StatusOr<std::vector<PartitionCommit>> FetchCommittedOffsets(
      const FetchCommittedRequest& request) const;
  absl::StatusOr<std::vector<std::string>> ListGroups() const;
  absl::StatusOr<GroupDescription> DescribeGroup(absl::string_view group) const;

  // Validates the request. Explicit partitions: resolves every partition's
  // start offset. Group mode: joins the group (the first messages of the
  // subscription then announce assignments). INVALID_ARGUMENT (name,
  // partitions negative or repeated or given with a group, start position),
  // NOT_FOUND, OUT_OF_RANGE (start offset), RESOURCE_EXHAUSTED (already
  // max_subscriptions open; the subscription holds its slot until destroyed),
  // FAILED_PRECONDITION (reason kInconsistentGroupProtocol: the group has
  // Kafka members).
  absl::StatusOr<std::unique_ptr<Subscription>> Subscribe(const SubscribeRequest& request);

  // Where parked readers' wake-ups run (see DataWaiter::Create).
  Executor* executor() { return &executor_; }
  GroupCoordinator& coordinator() { return coordinator_; }
  // The consumer groups of Kafka clients (Kafka's classic protocol).
  ClassicGroupCoordinator& kafka_groups() { return kafka_groups_; }

  // The per-topic counters and buffered bytes; null unless
  // BrokerOptions::collect_metrics.
  const BrokerMetrics* metrics() const { return options_.collect_metrics ? &metrics_ : nullptr; }
  // Subscribe streams open now.
  int64_t open_subscriptions() const { return subscription_slots_.open(); }
  // The store's health: OK, or the latched storage failure (see
  // storage::StorageHealth) after which nothing more is acknowledged.
  absl::Status storage_health() const { return store_->health(); }

  // Idempotent. After it, requests fail with UNAVAILABLE and parked readers
  // wake (and then fail with UNAVAILABLE).
  void Shutdown();
  bool shutting_down() const { return shutdown_.triggered(); }

  // For streams that must end on shutdown without parking on data (e.g.
  // ProduceStream).
  ShutdownSignal& shutdown_signal() { return shutdown_; }

 private:
  storage::Store* const store_;
  const BrokerOptions options_;
  const ClusterParts cluster_;
  // The committed offsets: the cluster's, else the store's.
  storage::OffsetStore* const offset_store_;
  ShutdownSignal shutdown_;
  mutable BrokerMetrics metrics_;  // internally synchronized; Fetch() counts
  Partitioner partitioner_;
  GroupCoordinator coordinator_;
  ClassicGroupCoordinator kafka_groups_;
  BatchCache batch_cache_;
  TopicAdmin topics_;
  Producer producer_;
  BatchProducer batch_producer_;
  ProducerIds producer_ids_;
  Fetcher fetcher_;
  OffsetManager offsets_;
  ProduceQuota produce_quota_;
  SubscriptionSlots subscription_slots_;
  // Destroyed first: draining it may end the last streams, which leave
  // their groups.
  Executor executor_;
};

}  // namespace eventlog::broker
