// EventLogService: the eventlog.v1.EventLog gRPC service on the callback API.
// Converts requests to the broker's domain structs, calls the broker, and
// converts results back; statuses go through ToGrpcStatus. Quick unary calls
// finish inline on the default reactor; Produce finishes when its append is
// durable; Fetch, ProduceStream and Subscribe have their own reactors. Every
// handler first asks its RequestGuard whether the caller may make the call.
// Subscribe is registered raw (bytes in, bytes out) so that its reactor can
// send one encoding of a record batch to every subscriber of it; on the wire
// it is the same method.
//
// Thread-safe (the broker is).
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <string>
#include <utility>

#include "eventlog/v1/eventlog.grpc.pb.h"
#include "service/broker/broker.h"
#include "service/server/cluster_calls.h"
#include "service/server/produce_stream_limits.h"
#include "service/server/request_guard.h"
#include "service/server/rpc_metrics.h"

namespace eventlog::service {

// Fetch and Subscribe are raw (ByteBuffer) methods: their responses are
// encoded straight from storage (record_wire_encoder.h).
class EventLogService final : public eventlog::v1::EventLog::WithRawCallbackMethod_Fetch<
                                  eventlog::v1::EventLog::WithRawCallbackMethod_Subscribe<
                                      eventlog::v1::EventLog::CallbackService>> {
 public:
  // `broker`, `access` (null: no access control), `rpc_metrics` (null:
  // ProduceStream requests are not counted), `cluster` (null: a single
  // broker) and `advertise` must outlive the service's RPCs. `*advertise` is
  // the address a single broker reports in GetMetadata.
  EventLogService(broker::Broker* broker, ProduceStreamLimits produce_stream_limits,
                  const security::AccessController* access = nullptr,
                  RpcMetrics* rpc_metrics = nullptr, ClusterCalls* cluster = nullptr,
                  const std::string* advertise = nullptr)
      : broker_(broker),
        produce_stream_limits_(produce_stream_limits),
        guard_(access),
        rpc_metrics_(rpc_metrics),
        cluster_(cluster),
        advertise_(advertise) {}

  grpc::ServerUnaryReactor* CreateTopic(grpc::CallbackServerContext* context,
                                        const eventlog::v1::CreateTopicRequest* request,
                                        eventlog::v1::TopicDescription* response) override;
  grpc::ServerUnaryReactor* DeleteTopic(grpc::CallbackServerContext* context,
                                        const eventlog::v1::DeleteTopicRequest* request,
                                        eventlog::v1::DeleteTopicResponse* response) override;
  grpc::ServerUnaryReactor* ListTopics(grpc::CallbackServerContext* context,
                                       const eventlog::v1::ListTopicsRequest* request,
                                       eventlog::v1::ListTopicsResponse* response) override;
  grpc::ServerUnaryReactor* DescribeTopic(grpc::CallbackServerContext* context,
                                          const eventlog::v1::DescribeTopicRequest* request,
                                          eventlog::v1::TopicDescription* response) override;
  grpc::ServerUnaryReactor* Produce(grpc::CallbackServerContext* context,
                                    const eventlog::v1::ProduceRequest* request,
                                    eventlog::v1::ProduceResponse* response) override;
  grpc::ServerBidiReactor<eventlog::v1::ProduceRequest, eventlog::v1::ProduceResponse>*
  ProduceStream(grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* Fetch(grpc::CallbackServerContext* context,
                                  const grpc::ByteBuffer* raw_request,
                                  grpc::ByteBuffer* raw_response) override;
  // `request` is a serialized eventlog.v1.SubscribeRequest; the stream
  // writes serialized eventlog.v1.SubscribeResponse messages.
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request) override;
  grpc::ServerUnaryReactor* ListOffsets(grpc::CallbackServerContext* context,
                                        const eventlog::v1::ListOffsetsRequest* request,
                                        eventlog::v1::ListOffsetsResponse* response) override;
  grpc::ServerUnaryReactor* CommitOffset(grpc::CallbackServerContext* context,
                                         const eventlog::v1::CommitOffsetRequest* request,
                                         eventlog::v1::CommitOffsetResponse* response) override;
  grpc::ServerUnaryReactor* CommitOffsets(grpc::CallbackServerContext* context,
                                          const eventlog::v1::CommitOffsetsRequest* request,
                                          eventlog::v1::CommitOffsetsResponse* response) override;
  grpc::ServerUnaryReactor* FetchCommittedOffsets(
      grpc::CallbackServerContext* context,
      const eventlog::v1::FetchCommittedOffsetsRequest* request,
      eventlog::v1::FetchCommittedOffsetsResponse* response) override;
  grpc::ServerUnaryReactor* ListGroups(grpc::CallbackServerContext* context,
                                       const eventlog::v1::ListGroupsRequest* request,
                                       eventlog::v1::ListGroupsResponse* response) override;
  grpc::ServerUnaryReactor* DescribeGroup(grpc::CallbackServerContext* context,
                                          const eventlog::v1::DescribeGroupRequest* request,
                                          eventlog::v1::DescribeGroupResponse* response) override;
  grpc::ServerUnaryReactor* GetMetadata(grpc::CallbackServerContext* context,
                                        const eventlog::v1::GetMetadataRequest* request,
                                        eventlog::v1::GetMetadataResponse* response) override;

 private:
  // Whether `principal` may see a topic (read, write or admin it).
  bool MaySeeTopic(const std::string& principal, const std::string& topic) const;
  // A single broker's metadata: itself, leading every partition.
  absl::Status LocalMetadata(const eventlog::v1::GetMetadataRequest& request,
                             const std::string& principal,
                             eventlog::v1::GetMetadataResponse* response) const;

  broker::Broker* const broker_;
  const ProduceStreamLimits produce_stream_limits_;
  const RequestGuard guard_;
  RpcMetrics* const rpc_metrics_;
  ClusterCalls* const cluster_;
  const std::string* const advertise_;
};

}  // namespace eventlog::service
