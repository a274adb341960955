// Producer: sends records to one topic, batching them per partition (by
// count, bytes and a short linger) and pipelining the batches over a single
// ProduceStream with a bounded number of requests in flight. Each Send()
// returns a RecordFuture for the record's (partition, offset).
//
// A batch whose linger expired is sent once the pipeline has room; until
// then it keeps filling, so a saturated pipeline yields larger requests (as
// Kafka's producer does), even with linger 0.
//
// Partitioning matches the broker's and Kafka's: an explicit partition wins;
// otherwise a non-empty key goes to murmur2(key) % partitions; keyless
// records stick to one partition per batch, rotating round-robin.
//
// In a cluster (ProducerOptions::route_to_leaders), each partition's batches
// go on a stream to its leader (LeaderRouter), the others on the Client's
// stream, which its broker forwards. A leader's stream that breaks is
// replaced (its partitions go through the Client's stream meanwhile); when a
// partition's route changes, its next batches wait until those in flight on
// the old stream are answered, so a route change never reorders them.
//
// No retries: a failed request fails its records' futures, so acknowledged
// records are never duplicated by the client. When the Client's stream
// breaks (its broker went away), the batches in flight on it fail with
// UNAVAILABLE (they may or may not have been appended) and the next batch
// opens a new stream on the Client's channel, whose pick_first policy moves
// to the next broker of a bootstrap list: the first reopen is immediate,
// later ones at most once per backoff (100 ms doubling to 5 s, reset by an
// acknowledged batch), and a batch sealed while the backoff runs fails with
// the broken stream's status.
//
// Thread-safe: Send/Flush/Close may be called from any threads.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "clients/cpp/client.h"
#include "clients/cpp/leader_router.h"
#include "clients/cpp/produce_batch.h"
#include "clients/cpp/produce_pipeline.h"
#include "clients/cpp/producer_options.h"
#include "clients/cpp/reconnect_backoff.h"
#include "clients/cpp/record_future.h"

namespace eventlog::client {

class Producer {
 public:
  static constexpr int32_t kAnyPartition = -1;

  // Looks the topic up (NOT_FOUND if it does not exist) and opens the
  // stream. `client` must outlive the producer.
  static absl::StatusOr<std::unique_ptr<Producer>> Create(Client& client, absl::string_view topic,
                                                          ProducerOptions options = {});
  // Close()s.
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Queues `record` (its key, value, headers and timestamp are copied into
  // the batch's wire bytes; topic/partition/offset are ignored). Blocks while
  // options.max_buffered_bytes are unacknowledged. An explicit `partition`
  // must be in [0, partition_count()).
  RecordFuture Send(v1::Record&& record, int32_t partition = kAnyPartition);
  // Same, from a key and a value (appended to the batch's bytes: no
  // allocation per record).
  RecordFuture Send(absl::string_view key, absl::string_view value,
                    int32_t partition = kAnyPartition);

  // Sends every queued record now and waits for all of them to be answered.
  // Returns the error of the stream on the Client's channel if it is broken
  // now (the next batch reopens it; per-record errors are in the futures).
  absl::Status Flush();
  // Flushes, ends the streams, and waits (up to options.close_timeout) for
  // them to finish. Later Sends fail with FAILED_PRECONDITION. Returns the
  // final status of the current stream on the Client's channel. Idempotent.
  absl::Status Close();

  int32_t partition_count() const { return partitions_; }
  const std::string& topic() const { return topic_; }

 private:
  struct PrivateTag {
    explicit PrivateTag() = default;
  };

 public:
  // Use Create().
  Producer(PrivateTag, Client& client, std::string topic, int32_t partitions,
           ProducerOptions options);

 private:
  // Where a partition's batches are in flight, and the sealed ones held back
  // until those are answered (the partition's route changed meanwhile).
  struct PartitionFlight {
    std::string address;  // "" = the Client's stream
    int in_flight = 0;
    std::deque<std::unique_ptr<ProduceBatch>> held;
  };

  // Sends a sealed batch on its partition's route, or holds it back.
  void Dispatch(std::unique_ptr<ProduceBatch> batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sends held batches of `partition` while its route allows.
  void DrainHeld(int32_t partition) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Enqueues on the stream to `address` ("" = the Client's), falling back to
  // the Client's when a leader's stream has ended.
  void SendTo(const std::string& address, std::unique_ptr<ProduceBatch> batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The live stream to a leader, opened (again) if needed.
  ProducePipeline* LeaderPipeline(const std::string& address) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The stream on the Client's channel, reopened if it ended and the
  // backoff allows (otherwise the ended one, which refuses batches).
  ProducePipeline* ClientPipeline() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A started stream on `channel` (null = the Client's).
  std::unique_ptr<ProducePipeline> NewPipeline(std::shared_ptr<grpc::Channel> channel)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string Route(int32_t partition) const;
  // Whether a batch of `partition` sealed now would be written at once.
  bool HasCapacity(int32_t partition) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FailBatch(std::unique_ptr<ProduceBatch> batch, absl::Status error)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Returns the open batch of `partition`, sealing a full one first.
  ProduceBatch& BatchFor(int32_t partition, size_t record_bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Adds one record, written into its slot by `fill`.
  RecordFuture Append(absl::string_view key, int32_t requested_partition, size_t record_bytes,
                      absl::FunctionRef<void(std::string& records)> fill);
  int32_t ChoosePartition(absl::string_view key, int32_t requested)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Seal(int32_t partition) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RecycleLocked(std::unique_ptr<ProduceBatch> batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnBatchDone(std::unique_ptr<ProduceBatch> batch);
  // The pipeline can take a batch: send those whose linger has expired.
  void OnCapacity();
  void LingerLoop();
  absl::Status StreamError() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Client& client_;
  const std::string topic_;
  const int32_t partitions_;
  const ProducerOptions options_;

  mutable absl::Mutex mu_;
  absl::CondVar progress_cv_;  // a batch finished: buffer space, flush progress
  absl::CondVar linger_cv_;    // a batch opened, or closing
  std::vector<std::unique_ptr<ProduceBatch>> open_ ABSL_GUARDED_BY(mu_);  // per partition
  std::vector<std::unique_ptr<ProduceBatch>> pool_ ABSL_GUARDED_BY(mu_);  // for reuse
  size_t buffered_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int32_t sticky_partition_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_request_id_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t sealed_batches_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t finished_batches_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status close_status_ ABSL_GUARDED_BY(mu_);
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;                // Close() is ending the streams
  std::vector<PartitionFlight> flights_ ABSL_GUARDED_BY(mu_);  // per partition
  // When the Client's stream may be reopened next.
  ReconnectBackoff reopen_ ABSL_GUARDED_BY(mu_);

  // Null when not routing. Used by the pipelines' callbacks: outlives them.
  std::unique_ptr<LeaderRouter> router_;
  // Declared last: destroyed first, while the members above still exist.
  // Streams to leaders, by address, and streams that ended (kept until they
  // finished, or until Close finishes them).
  absl::flat_hash_map<std::string, std::unique_ptr<ProducePipeline>> leaders_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<ProducePipeline>> retired_ ABSL_GUARDED_BY(mu_);
  // The stream on the Client's channel (replaced when it broke; never null).
  std::unique_ptr<ProducePipeline> pipeline_ ABSL_GUARDED_BY(mu_);
  std::thread linger_thread_;
};

}  // namespace eventlog::client
