// Limits and defaults of the broker core (the storage has its own
// StoreOptions). Values of 0 in requests resolve to the defaults here.
#pragma once

#include <cstdint>

namespace eventlog::broker {

struct BrokerOptions {
  // This broker's id in a cluster (--broker_id); a single broker reports
  // itself as the leader of every partition under this id.
  int32_t broker_id = 0;

  // Replicas of each partition of a topic created with replication_factor 0
  // (--default_replication_factor); above 1 only in a cluster.
  int32_t default_replication_factor = 1;
  // ACKS_ALL's in-sync replicas for a topic created with
  // min_insync_replicas 0 (--min_insync_replicas).
  int32_t default_min_insync_replicas = 1;

  // Largest produce request (sum of its encoded records) and the ceiling for
  // a topic's max_message_bytes. The gRPC layer caps messages at this size.
  int64_t max_request_bytes = 64LL << 20;

  // Fetch: max_records / max_bytes of 0, the most records one fetch returns
  // (larger requests are capped), and the longest long poll. max_bytes
  // counts what records cost in the response, not only their stored bytes.
  int32_t default_fetch_max_records = 500;
  int32_t max_fetch_records = 10000;
  int32_t default_fetch_max_bytes = 1 << 20;
  int32_t max_fetch_wait_ms = 5 * 60 * 1000;

  // Subscribe: max_batch_records of 0 and its ceiling, and the byte cap of
  // one pushed batch (at least one record is always sent).
  int32_t default_subscribe_batch_records = 500;
  int32_t max_subscribe_batch_records = 10000;
  int32_t subscribe_batch_bytes = 1 << 20;

  // Subscribe: bytes of recent batches kept for subscribers of the same
  // partition to share (0: no sharing), and the threads that run parked
  // readers' next reads when data arrives (off the producer's thread).
  int64_t subscribe_cache_bytes = 16LL << 20;
  int32_t wakeup_threads = 2;

  // Subscribe: most streams open at once, server-wide (0: unlimited); one
  // more is refused with RESOURCE_EXHAUSTED.
  int64_t max_subscriptions = 100000;

  // Produce and each ProduceStream request: bytes per second per client
  // connection (0: unlimited). See ProduceQuota.
  int64_t produce_quota_bytes_per_sec = 0;

  // CommitOffset: longest metadata string.
  int32_t max_commit_metadata_bytes = 4096;

  // Consumer groups: a member whose stream has had a message pending for
  // longer than this has stopped consuming and is evicted (0: never).
  int64_t group_session_timeout_ms = 10000;

  // Kafka consumer groups (ClassicGroupCoordinator): how long a group that
  // was empty waits for more members before its first generation (Kafka's
  // group.initial.rebalance.delay.ms).
  int64_t kafka_group_initial_rebalance_delay_ms = 3000;

  // Count records and bytes per topic and the bytes buffered for
  // subscriptions (Broker::metrics()); eventlogd turns it on with its HTTP
  // listener.
  bool collect_metrics = true;
};

}  // namespace eventlog::broker
