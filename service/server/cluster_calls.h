// ClusterCalls: the RPCs a broker in a cluster serves differently from a
// single broker (docs/CLUSTER.md, "What clients see"). Any broker serves any
// client:
// - CreateTopic / DeleteTopic go to the controller (forwarded there when
//   this broker is not it); the answer waits until this broker's metadata
//   shows the change.
// - ListTopics reads etcd; GetMetadata and DescribeTopic answer from the
//   metadata, DescribeTopic asking each partition's leader for its offsets.
// - Fetch and ListOffsets on partitions led elsewhere are forwarded to their
//   leaders (raw bytes for Fetch); Produce and explicit Subscribe forward in
//   the broker core (RemotePartitions).
// - Group calls (commits, committed offsets, DescribeGroup, a group's
//   Subscribe) go to the group's coordinator; ListGroups asks every broker.
// A call another broker forwarded (IsForwarded) is served from what this
// broker leads or coordinates, or refused with UNAVAILABLE naming the
// leader; it is never forwarded again.
//
// Calls that wait on etcd or on other brokers run on a small executor of
// their own, never on gRPC's threads.
//
// Thread-safe.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <string>

#include "eventlog/v1/eventlog.grpc.pb.h"
#include "service/broker/broker.h"
#include "service/broker/executor.h"
#include "service/cluster/cluster_node.h"
#include "service/server/broker_channels.h"

namespace eventlog::service {

class ClusterCalls {
 public:
  // Which topics or groups the caller may see (ACL).
  using Visible = std::function<bool(const std::string& name)>;

  // All must outlive the RPCs.
  ClusterCalls(broker::Broker* broker, cluster::ClusterNode* node, BrokerChannels* channels);

  grpc::ServerUnaryReactor* CreateTopic(grpc::CallbackServerContext* context,
                                        const eventlog::v1::CreateTopicRequest* request,
                                        eventlog::v1::TopicDescription* response);
  grpc::ServerUnaryReactor* DeleteTopic(grpc::CallbackServerContext* context,
                                        const eventlog::v1::DeleteTopicRequest* request,
                                        eventlog::v1::DeleteTopicResponse* response);
  grpc::ServerUnaryReactor* ListTopics(grpc::CallbackServerContext* context, Visible visible,
                                       eventlog::v1::ListTopicsResponse* response);
  grpc::ServerUnaryReactor* DescribeTopic(grpc::CallbackServerContext* context,
                                          const eventlog::v1::DescribeTopicRequest* request,
                                          eventlog::v1::TopicDescription* response);
  grpc::ServerUnaryReactor* GetMetadata(grpc::CallbackServerContext* context,
                                        const eventlog::v1::GetMetadataRequest* request,
                                        Visible visible,
                                        eventlog::v1::GetMetadataResponse* response);
  grpc::ServerUnaryReactor* ListOffsets(grpc::CallbackServerContext* context,
                                        const eventlog::v1::ListOffsetsRequest* request,
                                        eventlog::v1::ListOffsetsResponse* response);

  grpc::ServerUnaryReactor* CommitOffset(grpc::CallbackServerContext* context,
                                         const eventlog::v1::CommitOffsetRequest* request,
                                         eventlog::v1::CommitOffsetResponse* response);
  grpc::ServerUnaryReactor* CommitOffsets(grpc::CallbackServerContext* context,
                                          const eventlog::v1::CommitOffsetsRequest* request,
                                          eventlog::v1::CommitOffsetsResponse* response);
  grpc::ServerUnaryReactor* FetchCommittedOffsets(
      grpc::CallbackServerContext* context,
      const eventlog::v1::FetchCommittedOffsetsRequest* request,
      eventlog::v1::FetchCommittedOffsetsResponse* response);
  grpc::ServerUnaryReactor* ListGroups(grpc::CallbackServerContext* context, Visible visible,
                                       eventlog::v1::ListGroupsResponse* response);
  grpc::ServerUnaryReactor* DescribeGroup(grpc::CallbackServerContext* context,
                                          const eventlog::v1::DescribeGroupRequest* request,
                                          eventlog::v1::DescribeGroupResponse* response);

  // Fetch of a partition led elsewhere: forwarded as it came (raw);
  // nullptr when this broker serves it.
  grpc::ServerUnaryReactor* MaybeForwardFetch(grpc::CallbackServerContext* context,
                                              const eventlog::v1::FetchRequest& request,
                                              const grpc::ByteBuffer& raw_request,
                                              grpc::ByteBuffer* raw_response);
  // A group's Subscribe reaching a broker that does not coordinate the
  // group: relayed to the coordinator, or refused; nullptr when served here.
  grpc::ServerWriteReactor<grpc::ByteBuffer>* MaybeForwardSubscribe(
      grpc::CallbackServerContext* context, const eventlog::v1::SubscribeRequest& request,
      const grpc::ByteBuffer& raw_request);

  // Before serving a request on `topic`: if this broker's metadata does not
  // know it yet (created a moment ago through another broker), catches up.
  void KnowTopic(const std::string& topic) const;

  // Has the controller create the offsets topic if it does not exist yet,
  // and waits until this broker's metadata has it (also for the Kafka
  // listener's FindCoordinator). Blocks up to a few seconds.
  absl::Status EnsureOffsetsTopic() const;

 private:
  // Where the group's calls go: OK and nullopt to serve here; an address
  // to forward to; or the error (not coordinated here and not forwardable).
  absl::StatusOr<std::optional<std::string>> GroupTarget(grpc::CallbackServerContext* context,
                                                         absl::string_view group) const;
  // Fills the lags of partitions led elsewhere from their leaders.
  void FillRemoteLags(broker::GroupDescription* group) const;

  broker::Broker* const broker_;
  cluster::ClusterNode* const node_;
  BrokerChannels* const channels_;
  // Last: drained (its tasks finish) before the fields they use go.
  mutable broker::Executor blocking_;
};

}  // namespace eventlog::service
