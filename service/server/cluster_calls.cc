#include "service/server/cluster_calls.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "service/broker/validation.h"
#include "service/server/cluster_forward.h"
#include "service/server/forwarding.h"
#include "service/server/proto_convert.h"
#include "service/server/status_mapping.h"
#include "service/server/subscribe_proxy_reactor.h"
#include "storage/util/status_macros.h"

namespace eventlog::service {
namespace {

namespace v1 = ::eventlog::v1;

// How long an answer may wait for this broker's metadata to catch up.
constexpr absl::Duration kMetadataWait = absl::Seconds(10);
constexpr absl::Duration kKnowTopicWait = absl::Seconds(3);

absl::Status NoControllerError() {
  return absl::UnavailableError(
      "the cluster has no controller right now (an election is under "
      "way, or etcd is out of reach); retry in a few seconds");
}

// Finishes `reactor` once the view reaches the revision the controller
// reported in `client`'s trailers (so this broker shows the change too).
void FinishAfterRevision(cluster::ClusterNode* node, broker::Executor* executor,
                         const grpc::ClientContext& client, grpc::Status status,
                         absl::AnyInvocable<void(grpc::Status)> finish) {
  int64_t revision = 0;
  std::optional<std::string> text = TrailingValue(client, kRevisionKey);
  if (!status.ok() || !text.has_value() || !absl::SimpleAtoi(*text, &revision)) {
    finish(std::move(status));
    return;
  }
  executor->Schedule(
      [node, revision, status = std::move(status), finish = std::move(finish)]() mutable {
        (void)node->WaitForRevision(revision, kMetadataWait);
        finish(std::move(status));
      });
}

// Each partition's replicas and ISR, and the topic's replication config, as
// this broker's metadata shows them (the broker core knows leaders only).
void AddReplicas(const cluster::ClusterState& state, broker::TopicInfo* info) {
  if (const cluster::TopicEntry* topic = state.FindTopic(info->name); topic != nullptr) {
    // 0: a topic created before the setting existed, which follows the
    // brokers' --min_insync_replicas (shown as this broker's).
    if (topic->config.min_insync_replicas() > 0) {
      info->replica_config.min_insync_replicas = topic->config.min_insync_replicas();
    }
    info->replica_config.unclean_leader_election_enable =
        topic->config.unclean_leader_election_enable();
  }
  for (broker::PartitionInfo& partition : info->partitions) {
    const cluster::PartitionEntry* entry = state.FindPartition(info->name, partition.partition);
    if (entry == nullptr) continue;
    partition.replicas = entry->replicas;
    partition.isr = entry->isr;
  }
}

}  // namespace

ClusterCalls::ClusterCalls(broker::Broker* broker, cluster::ClusterNode* node,
                           BrokerChannels* channels)
    : broker_(broker), node_(node), channels_(channels), blocking_(2) {}

void ClusterCalls::KnowTopic(const std::string& topic) const {
  if (node_->metadata()->FindTopic(topic) != nullptr) return;
  (void)node_->SyncTopic(topic, kKnowTopicWait);
}

grpc::ServerUnaryReactor* ClusterCalls::CreateTopic(grpc::CallbackServerContext* context,
                                                    const v1::CreateTopicRequest* request,
                                                    v1::TopicDescription* response) {
  if (!node_->is_controller()) {
    std::optional<cluster::BrokerEndpoint> controller = node_->controller();
    if (IsForwarded(*context) || !controller.has_value() || controller->id == node_->broker_id()) {
      return FinishUnary(context, NoControllerError());
    }
    return ForwardUnary(
        context, channels_, controller->address, request, response,
        [](auto* stub, auto* client, auto* req, auto* resp, auto done) {
          stub->CreateTopic(client, req, resp, std::move(done));
        },
        [this](const grpc::ClientContext& client, grpc::Status status,
               absl::AnyInvocable<void(grpc::Status)> finish) {
          FinishAfterRevision(node_, &blocking_, client, std::move(status), std::move(finish));
        });
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const bool offsets_topic = IsForwarded(*context) && request->name() == cluster::kOffsetsTopic;
  blocking_.Schedule([this, context, reactor, request, response, offsets_topic] {
    absl::Status status = [&]() -> absl::Status {
      if (offsets_topic) {
        // Another broker's consumer group needs the offsets topic.
        ASSIGN_OR_RETURN(int64_t revision, node_->CreateOffsetsTopic());
        context->AddTrailingMetadata(kRevisionKey, absl::StrCat(revision));
        return node_->WaitForRevision(revision, kMetadataWait);
      }
      ASSIGN_OR_RETURN(broker::CreateTopicRequest create, FromProto(*request));
      ASSIGN_OR_RETURN(broker::ResolvedTopic resolved, broker_->ResolveNewTopic(create));
      ASSIGN_OR_RETURN(int64_t revision, node_->CreateTopic(resolved));
      context->AddTrailingMetadata(kRevisionKey, absl::StrCat(revision));
      RETURN_IF_ERROR(node_->WaitForRevision(revision, kMetadataWait));
      ASSIGN_OR_RETURN(broker::TopicInfo info, broker_->DescribeTopic(request->name()));
      AddReplicas(*node_->metadata(), &info);
      ToProto(info, response);
      return absl::OkStatus();
    }();
    AddLeaderTrailer(context, status);
    reactor->Finish(ToGrpcStatus(status));
  });
  return reactor;
}

grpc::ServerUnaryReactor* ClusterCalls::DeleteTopic(grpc::CallbackServerContext* context,
                                                    const v1::DeleteTopicRequest* request,
                                                    v1::DeleteTopicResponse* response) {
  if (!node_->is_controller()) {
    std::optional<cluster::BrokerEndpoint> controller = node_->controller();
    if (IsForwarded(*context) || !controller.has_value() || controller->id == node_->broker_id()) {
      return FinishUnary(context, NoControllerError());
    }
    return ForwardUnary(
        context, channels_, controller->address, request, response,
        [](auto* stub, auto* client, auto* req, auto* resp, auto done) {
          stub->DeleteTopic(client, req, resp, std::move(done));
        },
        [this](const grpc::ClientContext& client, grpc::Status status,
               absl::AnyInvocable<void(grpc::Status)> finish) {
          FinishAfterRevision(node_, &blocking_, client, std::move(status), std::move(finish));
        });
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  blocking_.Schedule([this, context, reactor, request] {
    absl::Status status = [&]() -> absl::Status {
      RETURN_IF_ERROR(broker::ValidateTopicName(request->name()));
      ASSIGN_OR_RETURN(int64_t revision, node_->DeleteTopic(request->name()));
      context->AddTrailingMetadata(kRevisionKey, absl::StrCat(revision));
      return node_->WaitForRevision(revision, kMetadataWait);
    }();
    reactor->Finish(ToGrpcStatus(status));
  });
  return reactor;
}

grpc::ServerUnaryReactor* ClusterCalls::ListTopics(grpc::CallbackServerContext* context,
                                                   Visible visible,
                                                   v1::ListTopicsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  blocking_.Schedule([this, reactor, visible = std::move(visible), response] {
    absl::StatusOr<std::vector<std::pair<std::string, int32_t>>> topics = node_->ListTopics();
    if (topics.ok()) {
      for (const auto& [name, partitions] : *topics) {
        if (!visible(name)) continue;
        v1::TopicSummary* topic = response->add_topics();
        topic->set_name(name);
        topic->set_partitions(partitions);
      }
    }
    reactor->Finish(ToGrpcStatus(topics.status()));
  });
  return reactor;
}

grpc::ServerUnaryReactor* ClusterCalls::DescribeTopic(grpc::CallbackServerContext* context,
                                                      const v1::DescribeTopicRequest* request,
                                                      v1::TopicDescription* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const bool forwarded = IsForwarded(*context);
  blocking_.Schedule([this, reactor, request, response, forwarded] {
    if (!forwarded) KnowTopic(request->name());
    absl::StatusOr<broker::TopicInfo> info = broker_->DescribeTopic(request->name());
    if (!info.ok()) {
      reactor->Finish(ToGrpcStatus(info.status()));
      return;
    }
    if (!forwarded) {
      // Each leader's own figures for the partitions it leads.
      std::map<std::string, std::vector<broker::PartitionInfo*>> by_leader;
      for (broker::PartitionInfo& partition : info->partitions) {
        broker::PartitionRoute route = node_->Route(info->name, partition.partition);
        if (route.kind == broker::PartitionRoute::Kind::kRemote) {
          by_leader[route.address].push_back(&partition);
        }
      }
      for (auto& [address, partitions] : by_leader) {
        absl::StatusOr<v1::TopicDescription> remote = AskBroker<v1::TopicDescription>(
            channels_, address,
            [&](v1::EventLog::Stub& stub, grpc::ClientContext* client, v1::TopicDescription* out) {
              return stub.DescribeTopic(client, *request, out);
            });
        if (!remote.ok()) continue;  // shown as 0: the leader did not answer
        for (broker::PartitionInfo* partition : partitions) {
          for (const v1::PartitionInfo& theirs : remote->partitions()) {
            if (theirs.partition() != partition->partition ||
                theirs.leader() != partition->leader) {
              continue;
            }
            partition->log_start_offset = theirs.log_start_offset();
            partition->high_watermark = theirs.high_watermark();
            partition->log_end_offset = theirs.log_end_offset();
            partition->size_bytes = theirs.size_bytes();
          }
        }
      }
    }
    AddReplicas(*node_->metadata(), &*info);
    ToProto(*info, response);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* ClusterCalls::GetMetadata(grpc::CallbackServerContext* context,
                                                    const v1::GetMetadataRequest* request,
                                                    Visible visible,
                                                    v1::GetMetadataResponse* response) {
  for (const std::string& topic : request->topics()) KnowTopic(topic);
  std::shared_ptr<const cluster::ClusterState> state = node_->metadata();
  for (const auto& [id, broker] : state->brokers()) {
    v1::BrokerInfo* info = response->add_brokers();
    info->set_id(id);
    info->set_address(broker.address);
  }
  const std::optional<cluster::BrokerEndpoint> controller = node_->controller();
  response->set_controller(controller.has_value() ? controller->id : -1);
  response->set_revision(state->revision());
  std::vector<std::string> names(request->topics().begin(), request->topics().end());
  if (names.empty()) {
    for (const auto& [name, topic] : state->topics()) {
      if (!topic.internal) names.push_back(name);
    }
  }
  for (const std::string& name : names) {
    const cluster::TopicEntry* topic = state->FindTopic(name);
    if (topic == nullptr || !visible(name)) {
      if (!request->topics().empty()) {
        return FinishUnary(
            context, absl::NotFoundError(absl::StrCat("topic \"", name, "\" does not exist")));
      }
      continue;
    }
    v1::TopicMetadata* out = response->add_topics();
    out->set_name(name);
    for (int32_t p = 0; p < topic->partitions; ++p) {
      v1::PartitionMetadata* partition = out->add_partitions();
      partition->set_partition(p);
      const cluster::PartitionEntry* entry = state->FindPartition(name, p);
      if (entry == nullptr) {
        partition->set_leader(-1);
        continue;
      }
      partition->set_leader(entry->leader);
      partition->set_leader_epoch(entry->leader_epoch);
      partition->mutable_replicas()->Add(entry->replicas.begin(), entry->replicas.end());
      partition->mutable_isr()->Add(entry->isr.begin(), entry->isr.end());
    }
  }
  return FinishUnary(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* ClusterCalls::ListOffsets(grpc::CallbackServerContext* context,
                                                    const v1::ListOffsetsRequest* request,
                                                    v1::ListOffsetsResponse* response) {
  absl::StatusOr<broker::ListOffsetsRequest> list = FromProto(*request);
  if (!list.ok()) return FinishUnary(context, list.status());
  if (IsForwarded(*context)) {
    absl::StatusOr<std::vector<broker::PartitionOffset>> offsets = broker_->ListOffsets(*list);
    if (offsets.ok()) {
      for (const broker::PartitionOffset& offset : *offsets) {
        v1::PartitionOffset* out = response->add_offsets();
        out->set_partition(offset.partition);
        out->set_offset(offset.offset);
      }
    }
    return FinishUnary(context, offsets.status());
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  blocking_.Schedule([this, context, reactor, request, response, list = *std::move(list)] {
    absl::Status status = [&]() -> absl::Status {
      KnowTopic(request->topic());
      const cluster::TopicEntry* topic = node_->metadata()->FindTopic(request->topic());
      std::vector<int32_t> partitions = list.partitions;
      if (partitions.empty() && topic != nullptr) {
        for (int32_t p = 0; p < topic->partitions; ++p) partitions.push_back(p);
      }
      // Local ones here; the others by leader.
      broker::ListOffsetsRequest local = list;
      local.partitions.clear();
      std::map<std::string, v1::ListOffsetsRequest> remote;
      for (int32_t p : partitions) {
        broker::PartitionRoute route = node_->Route(request->topic(), p);
        if (route.kind == broker::PartitionRoute::Kind::kLocal) {
          local.partitions.push_back(p);
        } else if (route.kind == broker::PartitionRoute::Kind::kRemote) {
          v1::ListOffsetsRequest& sub = remote[route.address];
          if (sub.topic().empty()) {
            sub = *request;
            sub.clear_partitions();
          }
          sub.add_partitions(p);
        } else {
          return broker::NotLeaderError(request->topic(), p, route);
        }
      }
      std::map<int32_t, int64_t> offsets;
      if (!local.partitions.empty() || remote.empty()) {
        ASSIGN_OR_RETURN(std::vector<broker::PartitionOffset> found, broker_->ListOffsets(local));
        for (const broker::PartitionOffset& offset : found)
          offsets[offset.partition] = offset.offset;
      }
      for (const auto& [address, sub] : remote) {
        // A named reference: C++17 lambdas cannot capture structured bindings (clang rejects it).
        const v1::ListOffsetsRequest& forwarded = sub;
        ASSIGN_OR_RETURN(
            v1::ListOffsetsResponse found,
            (AskBroker<v1::ListOffsetsResponse>(
                channels_, address,
                [&](v1::EventLog::Stub& stub, grpc::ClientContext* client,
                    v1::ListOffsetsResponse* out) { return stub.ListOffsets(client, forwarded, out); })));
        for (const v1::PartitionOffset& offset : found.offsets()) {
          offsets[offset.partition()] = offset.offset();
        }
      }
      for (const auto& [partition, offset] : offsets) {
        v1::PartitionOffset* out = response->add_offsets();
        out->set_partition(partition);
        out->set_offset(offset);
      }
      return absl::OkStatus();
    }();
    AddLeaderTrailer(context, status);
    reactor->Finish(ToGrpcStatus(status));
  });
  return reactor;
}

grpc::ServerUnaryReactor* ClusterCalls::MaybeForwardFetch(grpc::CallbackServerContext* context,
                                                          const v1::FetchRequest& request,
                                                          const grpc::ByteBuffer& raw_request,
                                                          grpc::ByteBuffer* raw_response) {
  if (IsForwarded(*context)) return nullptr;
  KnowTopic(request.topic());
  broker::PartitionRoute route = node_->Route(request.topic(), request.partition());
  if (route.kind == broker::PartitionRoute::Kind::kLocal) return nullptr;
  if (route.kind == broker::PartitionRoute::Kind::kUnavailable) {
    return FinishUnary(context,
                       broker::NotLeaderError(request.topic(), request.partition(), route));
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  struct Call {
    grpc::ClientContext client;
    grpc::ByteBuffer request;
  };
  auto call = std::make_shared<Call>();
  call->request = raw_request;
  MarkForwarded(&call->client, channels_->self());
  // A long poll may take as long as the client allows.
  call->client.set_deadline(context->deadline());
  channels_->To(route.address)
      .generic->UnaryCall(
          &call->client, "/eventlog.v1.EventLog/Fetch", grpc::StubOptions(), &call->request,
          raw_response, [context, reactor, call](grpc::Status status) {
            if (std::optional<std::string> leader = TrailingValue(call->client, kLeaderKey)) {
              context->AddTrailingMetadata(kLeaderKey, *leader);
            }
            reactor->Finish(status);
          });
  return reactor;
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* ClusterCalls::MaybeForwardSubscribe(
    grpc::CallbackServerContext* context, const v1::SubscribeRequest& request,
    const grpc::ByteBuffer& raw_request) {
  if (request.group().empty()) return nullptr;  // explicit: the core reads through feeds
  KnowTopic(request.topic());
  absl::StatusOr<std::optional<std::string>> target = GroupTarget(context, request.group());
  if (target.ok() && !target->has_value()) return nullptr;
  if (target.ok()) {
    auto* proxy = new SubscribeProxyReactor(context, channels_, **target, raw_request);
    proxy->Start();
    return proxy;
  }
  // Refused: a stream that ends at once with the error (and its leader).
  class Refused : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
   public:
    explicit Refused(grpc::Status status) { Finish(std::move(status)); }
    void OnDone() override { delete this; }
  };
  AddLeaderTrailer(context, target.status());
  return new Refused(ToGrpcStatus(target.status()));
}

}  // namespace eventlog::service
