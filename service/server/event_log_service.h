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

#include "eventlog/v1/eventlog.grpc.pb.h"
#include "service/broker/broker.h"
#include "service/server/request_guard.h"
#include "service/server/rpc_metrics.h"

namespace eventlog::service {

// Fetch and Subscribe are raw (ByteBuffer) methods: their responses are
// encoded straight from storage (record_wire_encoder.h).
class EventLogService final : public eventlog::v1::EventLog::WithRawCallbackMethod_Fetch<
                                  eventlog::v1::EventLog::WithRawCallbackMethod_Subscribe<
                                      eventlog::v1::EventLog::CallbackService>> {
 public:
  // `broker`, `access` (null: no access control) and `rpc_metrics` (null:
  // ProduceStream requests are not counted) must outlive the service's RPCs.
  EventLogService(broker::Broker* broker, size_t produce_stream_max_in_flight,
                  const security::AccessController* access = nullptr,
                  RpcMetrics* rpc_metrics = nullptr)
      : broker_(broker),
        produce_stream_max_in_flight_(produce_stream_max_in_flight),
        guard_(access),
        rpc_metrics_(rpc_metrics) {}

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

 private:
  broker::Broker* const broker_;
  const size_t produce_stream_max_in_flight_;
  const RequestGuard guard_;
  RpcMetrics* const rpc_metrics_;
};

}  // namespace eventlog::service
