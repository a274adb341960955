// FetchOperation: one Kafka Fetch, a long poll over its partitions. It
// reads every partition's stored batches as they are (Broker::FetchBatches:
// no record is decoded or re-encoded) and answers once they hold at least
// `min_bytes`, or a partition has an error, or `max_wait_ms` passed (then
// with whatever there is). Meanwhile it parks on all of its partitions at
// once (a DataWaiter, woken on the broker's executor when any of them
// grows) and reads again when woken. No thread is held while it waits.
//
// Limits: `partition_max_bytes` per partition and `max_bytes` in all, but
// the first batch found is sent whole even if larger (Kafka's rule since
// Fetch v3), so a consumer always makes progress. Per partition: the `read`
// ACL on the topic, this broker leading it (else NOT_LEADER_OR_FOLLOWER),
// an offset within [log_start_offset, high_watermark] (else
// OFFSET_OUT_OF_RANGE).
//
// Thread-safe: the wake-up, the deadline and the first read may race; one
// of them answers (exactly once).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "service/broker/data_waiter.h"
#include "service/kafka/handler/kafka_handler_env.h"
#include "service/kafka/kafka_request_handler.h"
#include "service/kafka/protocol/fetch.h"

namespace eventlog::kafka {

class FetchOperation : public std::enable_shared_from_this<FetchOperation> {
 public:
  // Answers through `done` (exactly once, maybe inline). `env` must
  // outlive the operation.
  static void Start(const KafkaHandlerEnv& env, std::string principal, FetchRequest request,
                    KafkaResponseCallback done);

  // Use Start.
  FetchOperation(const KafkaHandlerEnv& env, std::string principal, FetchRequest request,
                 KafkaResponseCallback done);

 private:
  // Reads every partition. `bytes` is what the response carries, `failed`
  // whether a partition has an error; `wait` where to park.
  FetchResponse ReadAll(int64_t* bytes, bool* failed, std::vector<broker::DataPosition>* wait);
  // Reads; answers if the response is ready (or `final`), else parks.
  void Attempt(bool final);
  void OnDeadline();
  // Claims the right to answer; false if someone already did.
  bool Claim();

  const KafkaHandlerEnv env_;
  const std::string principal_;
  const FetchRequest request_;
  KafkaResponseCallback done_;

  absl::Mutex mu_;
  bool answered_ ABSL_GUARDED_BY(mu_) = false;
  std::shared_ptr<broker::DataWaiter> waiter_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::kafka
