// NullEventLogService: eventlog.v1.EventLog answered from memory, for the
// reference measurements of scripts/bench-scale.sh. It serves what
// `eventlog perf produce|consume|latency` call: CreateTopic, DescribeTopic,
// ListTopics, ListOffsets, Produce and ProduceStream (acknowledged, counted,
// not stored) and Subscribe (raw, pre-serialized, like eventlogd's). Every
// other RPC answers UNIMPLEMENTED (the generated base class's default).
//
// Thread-safe.
#pragma once

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>

#include <cstddef>

#include "eventlog/v1/eventlog.grpc.pb.h"
#include "tests/bench/null_eventlogd/null_topics.h"

namespace eventlog::bench {

class NullEventLogService final
    : public v1::EventLog::WithRawCallbackMethod_Subscribe<v1::EventLog::CallbackService> {
 public:
  // At most `produce_stream_max_in_flight` responses of one ProduceStream
  // wait to be written (eventlogd's --produce_stream_max_in_flight).
  explicit NullEventLogService(size_t produce_stream_max_in_flight)
      : produce_stream_max_in_flight_(produce_stream_max_in_flight) {}

  grpc::ServerUnaryReactor* CreateTopic(grpc::CallbackServerContext* context,
                                        const v1::CreateTopicRequest* request,
                                        v1::TopicDescription* response) override;
  grpc::ServerUnaryReactor* ListTopics(grpc::CallbackServerContext* context,
                                       const v1::ListTopicsRequest* request,
                                       v1::ListTopicsResponse* response) override;
  grpc::ServerUnaryReactor* DescribeTopic(grpc::CallbackServerContext* context,
                                          const v1::DescribeTopicRequest* request,
                                          v1::TopicDescription* response) override;
  grpc::ServerUnaryReactor* Produce(grpc::CallbackServerContext* context,
                                    const v1::ProduceRequest* request,
                                    v1::ProduceResponse* response) override;
  grpc::ServerBidiReactor<v1::ProduceRequest, v1::ProduceResponse>* ProduceStream(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* ListOffsets(grpc::CallbackServerContext* context,
                                        const v1::ListOffsetsRequest* request,
                                        v1::ListOffsetsResponse* response) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw_request) override;

 private:
  const size_t produce_stream_max_in_flight_;
  NullTopics topics_;
};

}  // namespace eventlog::bench
