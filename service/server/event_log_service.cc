#include "service/server/event_log_service.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "service/server/fetch_reactor.h"
#include "service/server/forwarding.h"
#include "service/server/produce_stream_reactor.h"
#include "service/server/proto_convert.h"
#include "service/server/rejected_stream_reactor.h"
#include "service/server/status_mapping.h"
#include "service/server/subscribe_reactor.h"
#include "storage/util/status_macros.h"

namespace eventlog::service {
namespace {

namespace v1 = ::eventlog::v1;
using security::Operation;
using security::ResourceType;

grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const absl::Status& status) {
  return FinishUnary(context, status);  // with the leader's address, if it names one
}

}  // namespace

grpc::ServerUnaryReactor* EventLogService::CreateTopic(grpc::CallbackServerContext* context,
                                                       const v1::CreateTopicRequest* request,
                                                       v1::TopicDescription* response) {
  if (absl::Status allowed =
          guard_.Check(*context, {{Operation::kAdmin, ResourceType::kTopic, request->name()}});
      !allowed.ok()) {
    return FinishNow(context, allowed);
  }
  if (cluster_ != nullptr) return cluster_->CreateTopic(context, request, response);
  absl::StatusOr<broker::CreateTopicRequest> create = FromProto(*request);
  if (!create.ok()) return FinishNow(context, create.status());
  absl::StatusOr<broker::TopicInfo> info = broker_->CreateTopic(*create);
  if (info.ok()) ToProto(*info, response);
  return FinishNow(context, info.status());
}

grpc::ServerUnaryReactor* EventLogService::DeleteTopic(grpc::CallbackServerContext* context,
                                                       const v1::DeleteTopicRequest* request,
                                                       v1::DeleteTopicResponse* response) {
  if (absl::Status allowed =
          guard_.Check(*context, {{Operation::kAdmin, ResourceType::kTopic, request->name()}});
      !allowed.ok()) {
    return FinishNow(context, allowed);
  }
  if (cluster_ != nullptr) return cluster_->DeleteTopic(context, request, response);
  return FinishNow(context, broker_->DeleteTopic(request->name()));
}

grpc::ServerUnaryReactor* EventLogService::ListTopics(grpc::CallbackServerContext* context,
                                                      const v1::ListTopicsRequest* /*request*/,
                                                      v1::ListTopicsResponse* response) {
  // Lists only the topics the caller may read, write or administer.
  absl::StatusOr<std::string> principal = guard_.Authenticate(*context);
  if (!principal.ok()) return FinishNow(context, principal.status());
  if (cluster_ != nullptr) {
    return cluster_->ListTopics(
        context,
        [this, principal = *principal](const std::string& topic) {
          return MaySeeTopic(principal, topic);
        },
        response);
  }
  absl::StatusOr<std::vector<broker::TopicSummary>> topics = broker_->ListTopics();
  if (topics.ok()) {
    for (const broker::TopicSummary& summary : *topics) {
      if (!MaySeeTopic(*principal, summary.name)) continue;
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
  if (absl::Status allowed =
          guard_.Check(*context, {{Operation::kRead, ResourceType::kTopic, request->name()}});
      !allowed.ok()) {
    return FinishNow(context, allowed);
  }
  if (cluster_ != nullptr) return cluster_->DescribeTopic(context, request, response);
  absl::StatusOr<broker::TopicInfo> info = broker_->DescribeTopic(request->name());
  if (info.ok()) ToProto(*info, response);
  return FinishNow(context, info.status());
}

grpc::ServerUnaryReactor* EventLogService::Produce(grpc::CallbackServerContext* context,
                                                   const v1::ProduceRequest* request,
                                                   v1::ProduceResponse* response) {
  if (absl::Status allowed =
          guard_.Check(*context, {{Operation::kWrite, ResourceType::kTopic, request->topic()}});
      !allowed.ok()) {
    return FinishNow(context, allowed);
  }
  if (cluster_ != nullptr) cluster_->KnowTopic(request->topic());
  absl::StatusOr<broker::ProduceRequest> produce = FromProto(*request);
  if (!produce.ok()) return FinishNow(context, produce.status());
  produce->forwarded = cluster_ != nullptr && IsForwarded(*context);
  if (absl::Status quota = broker_->ChargeProduceQuota(
          context->peer(), static_cast<int64_t>(request->ByteSizeLong()));
      !quota.ok()) {
    return FinishNow(context, quota);
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  response->set_request_id(request->request_id());
  // gRPC keeps `response` until the reactor finishes, which happens here.
  broker_->Produce(*produce,
                   [context, reactor, response](absl::StatusOr<broker::ProduceResult> result) {
                     if (result.ok()) ToProto(*result, response);
                     AddLeaderTrailer(context, result.status());
                     reactor->Finish(ToGrpcStatus(result.status()));
                   });
  return reactor;
}

grpc::ServerBidiReactor<v1::ProduceRequest, v1::ProduceResponse>* EventLogService::ProduceStream(
    grpc::CallbackServerContext* context) {
  // Who the caller is is settled once per stream; each request's topic is
  // checked as it is read.
  absl::StatusOr<std::string> principal = guard_.Authenticate(*context);
  if (!principal.ok()) {
    return new RejectedStreamReactor<v1::ProduceRequest, v1::ProduceResponse>(
        ToGrpcStatus(principal.status()));
  }
  auto* reactor = new ProduceStreamReactor(
      broker_, produce_stream_limits_, rpc_metrics_, context->peer(),
      [guard = guard_, principal = *std::move(principal), broker = broker_, cluster = cluster_,
       peer = context->peer()](const v1::ProduceRequest& request) {
        RETURN_IF_ERROR(guard.CheckFor(
            principal, {{Operation::kWrite, ResourceType::kTopic, request.topic()}}));
        if (cluster != nullptr) cluster->KnowTopic(request.topic());
        return broker->ChargeProduceQuota(peer, static_cast<int64_t>(request.ByteSizeLong()));
      },
      cluster_ != nullptr && IsForwarded(*context));
  reactor->Start();
  return reactor;
}

grpc::ServerUnaryReactor* EventLogService::Fetch(grpc::CallbackServerContext* context,
                                                 const grpc::ByteBuffer* raw_request,
                                                 grpc::ByteBuffer* raw_response) {
  v1::FetchRequest request;
  grpc::ByteBuffer copy(*raw_request);  // Deserialize consumes its input
  if (!grpc::SerializationTraits<v1::FetchRequest>::Deserialize(&copy, &request).ok()) {
    return FinishNow(context, absl::InvalidArgumentError("malformed FetchRequest"));
  }
  if (absl::Status allowed =
          guard_.Check(*context, {{Operation::kRead, ResourceType::kTopic, request.topic()}});
      !allowed.ok()) {
    return FinishNow(context, allowed);
  }
  if (cluster_ != nullptr) {
    if (grpc::ServerUnaryReactor* forwarded =
            cluster_->MaybeForwardFetch(context, request, *raw_request, raw_response)) {
      return forwarded;
    }
  }
  auto* reactor = new FetchReactor(broker_, request, raw_response, context);
  reactor->Start();
  return reactor;
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* EventLogService::Subscribe(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw_request) {
  v1::SubscribeRequest parsed;
  grpc::ByteBuffer copy(*raw_request);  // Deserialize consumes its input
  if (!grpc::SerializationTraits<v1::SubscribeRequest>::Deserialize(&copy, &parsed).ok()) {
    auto* malformed = new SubscribeReactor(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "malformed SubscribeRequest"));
    malformed->Start();
    return malformed;
  }
  const v1::SubscribeRequest* request = &parsed;
  absl::Status allowed =
      request->group().empty()
          ? guard_.Check(*context, {{Operation::kRead, ResourceType::kTopic, request->topic()}})
          : guard_.Check(*context, {{Operation::kRead, ResourceType::kTopic, request->topic()},
                                    {Operation::kRead, ResourceType::kGroup, request->group()}});
  if (!allowed.ok()) {
    auto* rejected = new SubscribeReactor(ToGrpcStatus(allowed));
    rejected->Start();
    return rejected;
  }
  const bool forwarded = cluster_ != nullptr && IsForwarded(*context);
  if (cluster_ != nullptr) {
    if (grpc::ServerWriteReactor<grpc::ByteBuffer>* relayed =
            cluster_->MaybeForwardSubscribe(context, *request, *raw_request)) {
      return relayed;
    }
    cluster_->KnowTopic(request->topic());
  }
  SubscribeReactor* reactor;
  absl::StatusOr<broker::SubscribeRequest> subscribe = FromProto(*request);
  if (subscribe.ok()) {
    subscribe->client = context->peer();
    subscribe->forwarded = forwarded;
  }
  absl::StatusOr<std::unique_ptr<broker::Subscription>> subscription =
      subscribe.ok() ? broker_->Subscribe(*subscribe) : subscribe.status();
  if (subscription.ok()) {
    reactor =
        new SubscribeReactor(context, *std::move(subscription), broker_->executor(), forwarded,
                             request->columnar());
  } else {
    AddLeaderTrailer(context, subscription.status());
    reactor = new SubscribeReactor(ToGrpcStatus(subscription.status()));
  }
  reactor->Start();
  return reactor;
}

grpc::ServerUnaryReactor* EventLogService::ListOffsets(grpc::CallbackServerContext* context,
                                                       const v1::ListOffsetsRequest* request,
                                                       v1::ListOffsetsResponse* response) {
  if (absl::Status allowed =
          guard_.Check(*context, {{Operation::kRead, ResourceType::kTopic, request->topic()}});
      !allowed.ok()) {
    return FinishNow(context, allowed);
  }
  if (cluster_ != nullptr) return cluster_->ListOffsets(context, request, response);
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
                                                        v1::CommitOffsetResponse* response) {
  if (absl::Status allowed =
          guard_.Check(*context, {{Operation::kRead, ResourceType::kTopic, request->topic()},
                                  {Operation::kRead, ResourceType::kGroup, request->group()}});
      !allowed.ok()) {
    return FinishNow(context, allowed);
  }
  if (cluster_ != nullptr) return cluster_->CommitOffset(context, request, response);
  return FinishNow(context, broker_->CommitOffset(FromProto(*request)));
}

grpc::ServerUnaryReactor* EventLogService::CommitOffsets(grpc::CallbackServerContext* context,
                                                         const v1::CommitOffsetsRequest* request,
                                                         v1::CommitOffsetsResponse* response) {
  if (absl::Status allowed =
          guard_.Check(*context, {{Operation::kRead, ResourceType::kTopic, request->topic()},
                                  {Operation::kRead, ResourceType::kGroup, request->group()}});
      !allowed.ok()) {
    return FinishNow(context, allowed);
  }
  if (cluster_ != nullptr) return cluster_->CommitOffsets(context, request, response);
  return FinishNow(context, broker_->CommitOffsets(FromProto(*request)));
}

grpc::ServerUnaryReactor* EventLogService::FetchCommittedOffsets(
    grpc::CallbackServerContext* context, const v1::FetchCommittedOffsetsRequest* request,
    v1::FetchCommittedOffsetsResponse* response) {
  if (absl::Status allowed =
          guard_.Check(*context, {{Operation::kRead, ResourceType::kTopic, request->topic()},
                                  {Operation::kRead, ResourceType::kGroup, request->group()}});
      !allowed.ok()) {
    return FinishNow(context, allowed);
  }
  if (cluster_ != nullptr) return cluster_->FetchCommittedOffsets(context, request, response);
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
  // Lists only the groups the caller may read.
  absl::StatusOr<std::string> principal = guard_.Authenticate(*context);
  if (!principal.ok()) return FinishNow(context, principal.status());
  if (cluster_ != nullptr) {
    return cluster_->ListGroups(
        context,
        [this, principal = *principal](const std::string& group) {
          return guard_.Allows(principal, Operation::kRead, ResourceType::kGroup, group);
        },
        response);
  }
  absl::StatusOr<std::vector<std::string>> groups = broker_->ListGroups();
  if (groups.ok()) {
    for (const std::string& group : *groups) {
      if (guard_.Allows(*principal, Operation::kRead, ResourceType::kGroup, group)) {
        response->add_groups(group);
      }
    }
  }
  return FinishNow(context, groups.status());
}

grpc::ServerUnaryReactor* EventLogService::DescribeGroup(grpc::CallbackServerContext* context,
                                                         const v1::DescribeGroupRequest* request,
                                                         v1::DescribeGroupResponse* response) {
  absl::StatusOr<std::string> principal = guard_.Authenticate(*context);
  if (!principal.ok()) return FinishNow(context, principal.status());
  if (absl::Status allowed =
          guard_.CheckFor(*principal, {{Operation::kRead, ResourceType::kGroup, request->group()}});
      !allowed.ok()) {
    return FinishNow(context, allowed);
  }
  if (cluster_ != nullptr) return cluster_->DescribeGroup(context, request, response);
  absl::StatusOr<broker::GroupDescription> group = broker_->DescribeGroup(request->group());
  if (group.ok()) {
    // Only topics the caller may describe: a group's members and lags must
    // not reveal the others.
    auto hidden = [&](const std::string& topic) {
      return !guard_.Allows(*principal, Operation::kRead, ResourceType::kTopic, topic);
    };
    std::erase_if(group->members,
                  [&](const broker::GroupMemberInfo& member) { return hidden(member.topic); });
    std::erase_if(group->lags, [&](const broker::PartitionLag& lag) { return hidden(lag.topic); });
    ToProto(*group, response);
  }
  return FinishNow(context, group.status());
}

grpc::ServerUnaryReactor* EventLogService::GetMetadata(grpc::CallbackServerContext* context,
                                                       const v1::GetMetadataRequest* request,
                                                       v1::GetMetadataResponse* response) {
  // Lists only the topics the caller may read, write or administer.
  absl::StatusOr<std::string> principal = guard_.Authenticate(*context);
  if (!principal.ok()) return FinishNow(context, principal.status());
  if (cluster_ != nullptr) {
    return cluster_->GetMetadata(
        context, request,
        [this, principal = *principal](const std::string& topic) {
          return MaySeeTopic(principal, topic);
        },
        response);
  }
  return FinishNow(context, LocalMetadata(*request, *principal, response));
}

absl::Status EventLogService::LocalMetadata(const v1::GetMetadataRequest& request,
                                            const std::string& principal,
                                            v1::GetMetadataResponse* response) const {
  const int32_t self = broker_->options().broker_id;
  v1::BrokerInfo* broker = response->add_brokers();
  broker->set_id(self);
  if (advertise_ != nullptr) broker->set_address(*advertise_);
  response->set_controller(self);
  std::vector<std::string> names(request.topics().begin(), request.topics().end());
  if (names.empty()) {
    ASSIGN_OR_RETURN(std::vector<broker::TopicSummary> topics, broker_->ListTopics());
    for (const broker::TopicSummary& topic : topics) names.push_back(topic.name);
  }
  for (const std::string& name : names) {
    absl::StatusOr<broker::TopicInfo> info = broker_->DescribeTopic(name);
    const bool visible = MaySeeTopic(principal, name);
    if (!info.ok() || !visible) {
      if (!request.topics().empty()) {
        return info.ok() ? absl::NotFoundError(absl::StrCat("topic \"", name, "\" does not exist"))
                         : info.status();
      }
      continue;
    }
    v1::TopicMetadata* topic = response->add_topics();
    topic->set_name(name);
    for (const broker::PartitionInfo& partition : info->partitions) {
      v1::PartitionMetadata* out = topic->add_partitions();
      out->set_partition(partition.partition);
      out->set_leader(self);
      out->add_replicas(self);
      out->add_isr(self);
    }
  }
  return absl::OkStatus();
}

bool EventLogService::MaySeeTopic(const std::string& principal, const std::string& topic) const {
  return guard_.Allows(principal, Operation::kRead, ResourceType::kTopic, topic) ||
         guard_.Allows(principal, Operation::kWrite, ResourceType::kTopic, topic) ||
         guard_.Allows(principal, Operation::kAdmin, ResourceType::kTopic, topic);
}

}  // namespace eventlog::service
