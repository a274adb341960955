// GrpcRemotePartitions: the broker core's RemotePartitions over gRPC
// (docs/CLUSTER.md). A forwarded produce is a Produce call to the leader
// (or, for a client's ProduceStream, a request on the session's ordered
// ProduceStream to that leader); a feed is a forwarded Subscribe of one
// partition (GrpcPartitionFeed). Every call is marked as forwarded, so the
// leader serves it from what it leads or refuses it, never forwarding again.
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

 private:
  BrokerChannels* const channels_;
  const broker::PartitionRouter* const router_;
  absl::Mutex mu_;
  std::string self_address_ ABSL_GUARDED_BY(mu_);
  DelayedTasks delayed_;
};

}  // namespace eventlog::service
