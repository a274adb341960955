#include "tests/bench/null_eventlogd/null_event_log_service.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "tests/bench/null_eventlogd/produce_stream_reactor.h"
#include "tests/bench/null_eventlogd/subscribe_reactor.h"

namespace eventlog::bench {
namespace {

// absl and gRPC codes are the same numbers.
grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* context, const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpc(status));
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* NullEventLogService::CreateTopic(grpc::CallbackServerContext* context,
                                                           const v1::CreateTopicRequest* request,
                                                           v1::TopicDescription* response) {
  absl::StatusOr<NullTopic*> topic = topics_.Create(*request);
  if (topic.ok()) (*topic)->Describe(response);
  return Done(context, topic.status());
}

grpc::ServerUnaryReactor* NullEventLogService::ListTopics(grpc::CallbackServerContext* context,
                                                          const v1::ListTopicsRequest*,
                                                          v1::ListTopicsResponse* response) {
  for (const NullTopic* topic : topics_.List()) {
    v1::TopicSummary* summary = response->add_topics();
    summary->set_name(topic->name());
    summary->set_partitions(topic->partitions());
  }
  return Done(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* NullEventLogService::DescribeTopic(
    grpc::CallbackServerContext* context, const v1::DescribeTopicRequest* request,
    v1::TopicDescription* response) {
  absl::StatusOr<NullTopic*> topic = topics_.Find(request->name());
  if (topic.ok()) (*topic)->Describe(response);
  return Done(context, topic.status());
}

grpc::ServerUnaryReactor* NullEventLogService::Produce(grpc::CallbackServerContext* context,
                                                       const v1::ProduceRequest* request,
                                                       v1::ProduceResponse* response) {
  absl::StatusOr<NullTopic*> topic = topics_.Find(request->topic());
  absl::Status status = topic.ok() ? (*topic)->Append(*request, response) : topic.status();
  response->set_request_id(request->request_id());
  return Done(context, status);
}

grpc::ServerBidiReactor<v1::ProduceRequest, v1::ProduceResponse>*
NullEventLogService::ProduceStream(grpc::CallbackServerContext*) {
  return new ProduceStreamReactor(&topics_, produce_stream_max_in_flight_);
}

grpc::ServerUnaryReactor* NullEventLogService::ListOffsets(grpc::CallbackServerContext* context,
                                                           const v1::ListOffsetsRequest* request,
                                                           v1::ListOffsetsResponse* response) {
  absl::StatusOr<NullTopic*> topic = topics_.Find(request->topic());
  if (!topic.ok()) return Done(context, topic.status());
  std::vector<int32_t> partitions(request->partitions().begin(), request->partitions().end());
  if (partitions.empty()) {
    for (int32_t p = 0; p < (*topic)->partitions(); ++p) partitions.push_back(p);
  }
  for (int32_t p : partitions) {
    if (p < 0 || p >= (*topic)->partitions()) {
      response->Clear();
      return Done(context, absl::NotFoundError(absl::StrCat("topic '", request->topic(),
                                                            "' has no partition ", p)));
    }
    v1::PartitionOffset* offset = response->add_offsets();
    offset->set_partition(p);
    // Nothing is stored, nothing expires: every log starts at 0, and no
    // record has a timestamp to search by (TIMESTAMP answers the start).
    offset->set_offset(request->spec() == v1::OFFSET_SPEC_LATEST ? (*topic)->HighWatermark(p) : 0);
  }
  return Done(context, absl::OkStatus());
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* NullEventLogService::Subscribe(
    grpc::CallbackServerContext*, const grpc::ByteBuffer* raw_request) {
  v1::SubscribeRequest request;
  grpc::ByteBuffer copy(*raw_request);  // Deserialize consumes its input
  if (!grpc::SerializationTraits<v1::SubscribeRequest>::Deserialize(&copy, &request).ok()) {
    auto* refused = new SubscribeReactor(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "malformed SubscribeRequest"));
    refused->Start();
    return refused;
  }
  absl::StatusOr<NullTopic*> topic = topics_.Find(request.topic());
  absl::StatusOr<NullTopic::Cursor> cursor =
      topic.ok() ? (*topic)->OpenCursor(request) : topic.status();
  SubscribeReactor* reactor = cursor.ok() ? new SubscribeReactor(*topic, *std::move(cursor))
                                          : new SubscribeReactor(ToGrpc(cursor.status()));
  reactor->Start();
  return reactor;
}

}  // namespace eventlog::bench
