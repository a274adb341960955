// GrpcRemotePartitions: the broker core's RemotePartitions over gRPC
// (docs/CLUSTER.md). A forwarded produce is a Produce call to the leader
// (or, for a client's ProduceStream, a request on the session's ordered
// ProduceStream to that leader); a feed is a forwarded Subscribe of one
// partition (GrpcPartitionFeed). Every call is marked as forwarded, so the
// leader serves it from what it leads or refuses it, never forwarding again.
//
// It counts what it forwards (eventlog_produce_forwarded_records_total), so
// that operators and tests see whether clients reach partition leaders
// directly (docs/CLUSTER.md, "Forward or redirect").
//
// Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "service/broker/partition_router.h"
#include "service/broker/remote_partitions.h"
#include "service/server/broker_channels.h"
#include "service/server/delayed_tasks.h"
#include "storage/util/metrics/counter.h"
#include "storage/util/metrics/metric_writer.h"

namespace eventlog::service {

class GrpcRemotePartitions final : public broker::RemotePartitions {
 public:
  // `channels` and `router` must outlive this object and every feed and
  // session it makes.
  GrpcRemotePartitions(BrokerChannels* channels, const broker::PartitionRouter* router);

  // This broker's advertised address, once it is known (it listens).
  void SetSelfAddress(std::string address);

  void Produce(const broker::PartitionRoute& route, const broker::ProduceRequest& request,
               broker::ProduceCallback done) override;
  std::unique_ptr<broker::ProduceSession> NewProduceSession() override;
  std::unique_ptr<broker::PartitionFeed> OpenFeed(const broker::FeedRequest& request,
                                                  absl::AnyInvocable<void()> notify) override;

  // Writes eventlog_produce_forwarded_{requests,records}_total.
  void WriteMetrics(metrics::MetricWriter& writer) const;

 private:
  BrokerChannels* const channels_;
  const broker::PartitionRouter* const router_;
  absl::Mutex mu_;
  std::string self_address_ ABSL_GUARDED_BY(mu_);
  DelayedTasks delayed_;
  // Produce requests (one per leader and client request) and their records
  // sent on to another broker.
  metrics::Counter forwarded_requests_;
  metrics::Counter forwarded_records_;
};

}  // namespace eventlog::service
