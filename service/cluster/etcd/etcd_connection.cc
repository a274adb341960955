#include "service/cluster/etcd/etcd_connection.h"

#include <algorithm>
#include <utility>

#include "service/cluster/etcd/channel_target.h"
#include "storage/util/status_macros.h"

namespace eventlog::etcd {
namespace {

// etcd's "require leader" metadata (rpctypes.MetadataRequireLeaderKey): a
// member that has lost touch with the raft leader refuses the call at once
// with UNAVAILABLE "etcdserver: no leader" (before proposing anything, so a
// write is safe to retry elsewhere), and cancels such streams when it loses
// the leader, instead of serving stale watches or stalling keepalives.
constexpr char kRequireLeaderKey[] = "hasleader";
constexpr char kRequireLeaderValue[] = "true";

int Milliseconds(absl::Duration duration) {
  return static_cast<int>(absl::ToInt64Milliseconds(duration));
}

}  // namespace

absl::StatusOr<std::unique_ptr<EtcdConnection>> EtcdConnection::Create(
    const EtcdClientOptions& options) {
  ASSIGN_OR_RETURN(std::string target, ChannelTarget(options.endpoints));
  return std::unique_ptr<EtcdConnection>(new EtcdConnection(options, std::move(target)));
}

EtcdConnection::EtcdConnection(const EtcdClientOptions& options, std::string target)
    : options_(options), target_(std::move(target)) {
  grpc::ChannelArguments args;
  args.SetLoadBalancingPolicyName("round_robin");
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, Milliseconds(options.max_reconnect_backoff));
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
              std::min(100, Milliseconds(options.max_reconnect_backoff)));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, Milliseconds(options.keepalive_time));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, Milliseconds(options.keepalive_timeout));
  // Keep pinging an idle watch stream (no data for minutes is normal).
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // A range over many keys can exceed gRPC's 4 MiB default; etcd bounds it.
  args.SetMaxReceiveMessageSize(-1);
  channel_ = grpc::CreateCustomChannel(target_, grpc::InsecureChannelCredentials(), args);
  kv_ = etcdserverpb::KV::NewStub(channel_);
  watch_ = etcdserverpb::Watch::NewStub(channel_);
  lease_ = etcdserverpb::Lease::NewStub(channel_);
}

void EtcdConnection::ConfigureCall(grpc::ClientContext* context, absl::Time deadline) const {
  context->set_deadline(absl::ToChronoTime(deadline));
  // While every member is down or unreachable, wait (up to the deadline) for
  // one to come back instead of failing at once.
  context->set_wait_for_ready(true);
  context->AddMetadata(kRequireLeaderKey, kRequireLeaderValue);
}

void EtcdConnection::ConfigureStream(grpc::ClientContext* context) const {
  context->set_wait_for_ready(true);
  context->AddMetadata(kRequireLeaderKey, kRequireLeaderValue);
}

}  // namespace eventlog::etcd
