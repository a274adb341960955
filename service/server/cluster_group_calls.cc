// ClusterCalls: the consumer-group calls (see cluster_calls.h).
#include <algorithm>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "service/broker/validation.h"
#include "service/server/cluster_calls.h"
#include "service/server/cluster_forward.h"
#include "service/server/forwarding.h"
#include "service/server/proto_convert.h"
#include "service/server/status_mapping.h"
#include "storage/util/status_macros.h"

namespace eventlog::service {

namespace v1 = ::eventlog::v1;

namespace {

// How long a group call waits for the offsets topic to be created and for
// its coordinator to load it, before it fails with UNAVAILABLE.
constexpr absl::Duration kCoordinatorWait = absl::Seconds(5);

}  // namespace

absl::Status ClusterCalls::EnsureOffsetsTopic() const {
  if (node_->metadata()->FindTopic(cluster::kOffsetsTopic) != nullptr) return absl::OkStatus();
  if (node_->is_controller()) {
    ASSIGN_OR_RETURN(int64_t revision, node_->CreateOffsetsTopic());
    return node_->WaitForRevision(revision, kCoordinatorWait);
  }
  std::optional<cluster::BrokerEndpoint> controller = node_->controller();
  if (!controller.has_value()) {
    return absl::UnavailableError("the cluster has no controller right now; retry");
  }
  // A forwarded CreateTopic of the offsets topic asks the controller for it.
  v1::CreateTopicRequest request;
  request.set_name(cluster::kOffsetsTopic);
  RETURN_IF_ERROR(
      AskBroker<v1::TopicDescription>(
          channels_, controller->address,
          [&](v1::EventLog::Stub& stub, grpc::ClientContext* client, v1::TopicDescription* out) {
            return stub.CreateTopic(client, request, out);
          })
          .status());
  return node_->SyncTopic(cluster::kOffsetsTopic, kCoordinatorWait);
}

absl::StatusOr<std::optional<std::string>> ClusterCalls::GroupTarget(
    grpc::CallbackServerContext* context, absl::string_view group) const {
  RETURN_IF_ERROR(broker::ValidateGroupName(group));
  RETURN_IF_ERROR(EnsureOffsetsTopic());
  broker::PartitionRoute route = node_->CoordinatorRoute(group);
  if (route.kind == broker::PartitionRoute::Kind::kLocal) {
    // Loading the group's offsets takes a moment after leadership arrives.
    const absl::Time deadline = absl::Now() + kCoordinatorWait;
    absl::Status ready = node_->CheckCoordinator(group);
    while (absl::IsUnavailable(ready) && !broker::LeaderAddress(ready).has_value() &&
           absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(20));
      ready = node_->CheckCoordinator(group);
    }
    RETURN_IF_ERROR(ready);
    return std::nullopt;
  }
  if (route.kind == broker::PartitionRoute::Kind::kRemote && !IsForwarded(*context)) {
    return std::optional<std::string>(route.address);
  }
  if (route.kind == broker::PartitionRoute::Kind::kUnavailable) {
    return absl::UnavailableError(
        absl::StrCat("the coordinator of group \"", group, "\" is unavailable: ", route.reason));
  }
  return absl::UnavailableError(absl::StrCat("group \"", group, "\" is coordinated by broker ",
                                             route.leader, " at ", route.address));
}

grpc::ServerUnaryReactor* ClusterCalls::CommitOffset(grpc::CallbackServerContext* context,
                                                     const v1::CommitOffsetRequest* request,
                                                     v1::CommitOffsetResponse* response) {
  KnowTopic(request->topic());
  absl::StatusOr<std::optional<std::string>> target = GroupTarget(context, request->group());
  if (!target.ok()) return FinishUnary(context, target.status());
  if (target->has_value()) {
    return ForwardUnary(context, channels_, **target, request, response,
                        [](auto* stub, auto* client, auto* req, auto* resp, auto done) {
                          stub->CommitOffset(client, req, resp, std::move(done));
                        });
  }
  return FinishUnary(context, broker_->CommitOffset(FromProto(*request)));
}

grpc::ServerUnaryReactor* ClusterCalls::CommitOffsets(grpc::CallbackServerContext* context,
                                                      const v1::CommitOffsetsRequest* request,
                                                      v1::CommitOffsetsResponse* response) {
  KnowTopic(request->topic());
  absl::StatusOr<std::optional<std::string>> target = GroupTarget(context, request->group());
  if (!target.ok()) return FinishUnary(context, target.status());
  if (target->has_value()) {
    return ForwardUnary(context, channels_, **target, request, response,
                        [](auto* stub, auto* client, auto* req, auto* resp, auto done) {
                          stub->CommitOffsets(client, req, resp, std::move(done));
                        });
  }
  return FinishUnary(context, broker_->CommitOffsets(FromProto(*request)));
}

grpc::ServerUnaryReactor* ClusterCalls::FetchCommittedOffsets(
    grpc::CallbackServerContext* context, const v1::FetchCommittedOffsetsRequest* request,
    v1::FetchCommittedOffsetsResponse* response) {
  KnowTopic(request->topic());
  absl::StatusOr<std::optional<std::string>> target = GroupTarget(context, request->group());
  if (!target.ok()) return FinishUnary(context, target.status());
  if (target->has_value()) {
    return ForwardUnary(context, channels_, **target, request, response,
                        [](auto* stub, auto* client, auto* req, auto* resp, auto done) {
                          stub->FetchCommittedOffsets(client, req, resp, std::move(done));
                        });
  }
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
  return FinishUnary(context, commits.status());
}

grpc::ServerUnaryReactor* ClusterCalls::ListGroups(grpc::CallbackServerContext* context,
                                                   Visible visible,
                                                   v1::ListGroupsResponse* response) {
  const bool forwarded = IsForwarded(*context);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  blocking_.Schedule([this, reactor, visible = std::move(visible), response, forwarded] {
    absl::StatusOr<std::vector<std::string>> local = broker_->ListGroups();
    if (!local.ok()) {
      reactor->Finish(ToGrpcStatus(local.status()));
      return;
    }
    std::set<std::string> groups(local->begin(), local->end());
    if (!forwarded) {
      // Each coordinator knows its own groups.
      for (const cluster::BrokerEndpoint& broker : node_->brokers()) {
        if (broker.id == node_->broker_id()) continue;
        absl::StatusOr<v1::ListGroupsResponse> theirs = AskBroker<v1::ListGroupsResponse>(
            channels_, broker.address,
            [](v1::EventLog::Stub& stub, grpc::ClientContext* client, v1::ListGroupsResponse* out) {
              return stub.ListGroups(client, v1::ListGroupsRequest(), out);
            });
        if (theirs.ok()) groups.insert(theirs->groups().begin(), theirs->groups().end());
      }
    }
    for (const std::string& group : groups) {
      if (visible(group)) response->add_groups(group);
    }
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* ClusterCalls::DescribeGroup(grpc::CallbackServerContext* context,
                                                      const v1::DescribeGroupRequest* request,
                                                      v1::DescribeGroupResponse* response) {
  absl::StatusOr<std::optional<std::string>> target = GroupTarget(context, request->group());
  if (!target.ok()) return FinishUnary(context, target.status());
  if (target->has_value()) {
    return ForwardUnary(context, channels_, **target, request, response,
                        [](auto* stub, auto* client, auto* req, auto* resp, auto done) {
                          stub->DescribeGroup(client, req, resp, std::move(done));
                        });
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  blocking_.Schedule([this, reactor, request, response] {
    absl::StatusOr<broker::GroupDescription> group = broker_->DescribeGroup(request->group());
    if (group.ok()) {
      FillRemoteLags(&*group);
      ToProto(*group, response);
    }
    reactor->Finish(ToGrpcStatus(group.status()));
  });
  return reactor;
}

void ClusterCalls::FillRemoteLags(broker::GroupDescription* group) const {
  for (broker::PartitionLag& lag : group->lags) {
    if (lag.high_watermark >= 0) continue;
    broker::PartitionRoute route = node_->Route(lag.topic, lag.partition);
    if (route.kind != broker::PartitionRoute::Kind::kRemote) continue;  // stays -1: unknown
    std::map<v1::OffsetSpec, int64_t> bounds;
    for (v1::OffsetSpec spec : {v1::OFFSET_SPEC_EARLIEST, v1::OFFSET_SPEC_LATEST}) {
      v1::ListOffsetsRequest list;
      list.set_topic(lag.topic);
      list.add_partitions(lag.partition);
      list.set_spec(spec);
      absl::StatusOr<v1::ListOffsetsResponse> found = AskBroker<v1::ListOffsetsResponse>(
          channels_, route.address,
          [&](v1::EventLog::Stub& stub, grpc::ClientContext* client, v1::ListOffsetsResponse* out) {
            return stub.ListOffsets(client, list, out);
          });
      if (found.ok() && found->offsets_size() == 1) bounds[spec] = found->offsets(0).offset();
    }
    if (bounds.size() != 2) continue;
    lag.high_watermark = bounds[v1::OFFSET_SPEC_LATEST];
    lag.lag = lag.committed_offset >= 0
                  ? std::max<int64_t>(0, lag.high_watermark - lag.committed_offset)
                  : lag.high_watermark - bounds[v1::OFFSET_SPEC_EARLIEST];
  }
}

}  // namespace eventlog::service
