#include "service/server/event_log_service.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "service/server/fetch_reactor.h"
#include "service/server/produce_stream_reactor.h"
#include "service/server/proto_convert.h"
#include "service/server/status_mapping.h"
#include "service/server/subscribe_reactor.h"

namespace eventlog::service {
namespace {

namespace v1 = ::eventlog::v1;

grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* EventLogService::CreateTopic(grpc::CallbackServerContext* context,
                                                       const v1::CreateTopicRequest* request,
                                                       v1::TopicDescription* response) {
  absl::StatusOr<broker::CreateTopicRequest> create = FromProto(*request);
  if (!create.ok()) return FinishNow(context, create.status());
  absl::StatusOr<broker::TopicInfo> info = broker_->CreateTopic(*create);
  if (info.ok()) ToProto(*info, response);
  return FinishNow(context, info.status());
}

grpc::ServerUnaryReactor* EventLogService::DeleteTopic(grpc::CallbackServerContext* context,
                                                       const v1::DeleteTopicRequest* request,
                                                       v1::DeleteTopicResponse* /*response*/) {
  return FinishNow(context, broker_->DeleteTopic(request->name()));
}

grpc::ServerUnaryReactor* EventLogService::ListTopics(grpc::CallbackServerContext* context,
                                                      const v1::ListTopicsRequest* /*request*/,
                                                      v1::ListTopicsResponse* response) {
  absl::StatusOr<std::vector<broker::TopicSummary>> topics = broker_->ListTopics();
  if (topics.ok()) {
    for (const broker::TopicSummary& summary : *topics) {
      v1::TopicSummary* topic = response->add_topics();
      topic->set_name(summary.name);
      topic->set_partitions(summary.partitions);
    }
  }
  return FinishNow(context, topics.status());
}

grpc::ServerUnaryReactor* EventLogService::DescribeTopic(grpc::CallbackServerContext* context,
                                                         const v1::DescribeTopicRequest* request,
                                                         v1::TopicDescription* response) {
  absl::StatusOr<broker::TopicInfo> info = broker_->DescribeTopic(request->name());
  if (info.ok()) ToProto(*info, response);
  return FinishNow(context, info.status());
}

grpc::ServerUnaryReactor* EventLogService::Produce(grpc::CallbackServerContext* context,
                                                   const v1::ProduceRequest* request,
                                                   v1::ProduceResponse* response) {
  absl::StatusOr<broker::ProduceRequest> produce = FromProto(*request);
  if (!produce.ok()) return FinishNow(context, produce.status());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  response->set_request_id(request->request_id());
  // gRPC keeps `response` until the reactor finishes, which happens here.
  broker_->Produce(*produce, [reactor, response](absl::StatusOr<broker::ProduceResult> result) {
    if (result.ok()) ToProto(*result, response);
    reactor->Finish(ToGrpcStatus(result.status()));
  });
  return reactor;
}

grpc::ServerBidiReactor<v1::ProduceRequest, v1::ProduceResponse>* EventLogService::ProduceStream(
    grpc::CallbackServerContext* /*context*/) {
  auto* reactor = new ProduceStreamReactor(broker_, produce_stream_max_in_flight_);
  reactor->Start();
  return reactor;
}

grpc::ServerUnaryReactor* EventLogService::Fetch(grpc::CallbackServerContext* /*context*/,
                                                 const v1::FetchRequest* request,
                                                 v1::FetchResponse* response) {
  auto* reactor = new FetchReactor(broker_, request, response);
  reactor->Start();
  return reactor;
}

grpc::ServerWriteReactor<v1::SubscribeResponse>* EventLogService::Subscribe(
    grpc::CallbackServerContext* /*context*/, const v1::SubscribeRequest* request) {
  SubscribeReactor* reactor;
  absl::StatusOr<broker::SubscribeRequest> subscribe = FromProto(*request);
  absl::StatusOr<std::unique_ptr<broker::Subscription>> subscription =
      subscribe.ok() ? broker_->Subscribe(*subscribe) : subscribe.status();
  if (subscription.ok()) {
    reactor = new SubscribeReactor(*std::move(subscription));
  } else {
    reactor = new SubscribeReactor(ToGrpcStatus(subscription.status()));
  }
  reactor->Start();
  return reactor;
}

grpc::ServerUnaryReactor* EventLogService::ListOffsets(grpc::CallbackServerContext* context,
                                                       const v1::ListOffsetsRequest* request,
                                                       v1::ListOffsetsResponse* response) {
  absl::StatusOr<broker::ListOffsetsRequest> list = FromProto(*request);
  if (!list.ok()) return FinishNow(context, list.status());
  absl::StatusOr<std::vector<broker::PartitionOffset>> offsets = broker_->ListOffsets(*list);
  if (offsets.ok()) {
    for (const broker::PartitionOffset& offset : *offsets) {
      v1::PartitionOffset* out = response->add_offsets();
      out->set_partition(offset.partition);
      out->set_offset(offset.offset);
    }
  }
  return FinishNow(context, offsets.status());
}

grpc::ServerUnaryReactor* EventLogService::CommitOffset(grpc::CallbackServerContext* context,
                                                        const v1::CommitOffsetRequest* request,
                                                        v1::CommitOffsetResponse* /*response*/) {
  return FinishNow(context, broker_->CommitOffset(FromProto(*request)));
}

grpc::ServerUnaryReactor* EventLogService::FetchCommittedOffsets(
    grpc::CallbackServerContext* context, const v1::FetchCommittedOffsetsRequest* request,
    v1::FetchCommittedOffsetsResponse* response) {
  absl::StatusOr<std::vector<broker::PartitionCommit>> commits =
      broker_->FetchCommittedOffsets(FromProto(*request));
  if (commits.ok()) {
    for (const broker::PartitionCommit& commit : *commits) {
      v1::CommittedOffset* out = response->add_offsets();
      out->set_partition(commit.partition);
      out->set_offset(commit.offset);
      out->set_metadata(commit.metadata);
    }
  }
  return FinishNow(context, commits.status());
}

grpc::ServerUnaryReactor* EventLogService::ListGroups(grpc::CallbackServerContext* context,
                                                      const v1::ListGroupsRequest* /*request*/,
                                                      v1::ListGroupsResponse* response) {
  absl::StatusOr<std::vector<std::string>> groups = broker_->ListGroups();
  if (groups.ok()) {
    for (const std::string& group : *groups) response->add_groups(group);
  }
  return FinishNow(context, groups.status());
}

grpc::ServerUnaryReactor* EventLogService::DescribeGroup(grpc::CallbackServerContext* context,
                                                         const v1::DescribeGroupRequest* request,
                                                         v1::DescribeGroupResponse* response) {
  absl::StatusOr<broker::GroupDescription> group = broker_->DescribeGroup(request->group());
  if (group.ok()) ToProto(*group, response);
  return FinishNow(context, group.status());
}

}  // namespace eventlog::service
