#include "service/cluster/etcd/etcd_client.h"

#include <algorithm>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "service/cluster/etcd/etcd_connection.h"
#include "service/cluster/etcd/etcd_proto_convert.h"
#include "storage/util/status_macros.h"

namespace eventlog::etcd {
namespace {

enum class Retry {
  // Reads, and lease calls whose repetition is harmless: retried on any
  // UNAVAILABLE (member down, leader changing, etcd-side timeout).
  kOnUnavailable,
  // Writes: retried only when etcd certainly did not apply them.
  kIfNotApplied,
};

constexpr absl::Duration kFirstCallRetryPause = absl::Milliseconds(25);
constexpr absl::Duration kMaxCallRetryPause = absl::Milliseconds(500);

// Runs `attempt` with a fresh context until it succeeds, fails in a way
// `retry` does not cover, or the call's deadline is about to pass.
absl::Status CallWithRetries(const EtcdConnection& connection, Retry retry,
                             absl::FunctionRef<grpc::Status(grpc::ClientContext*)> attempt) {
  const absl::Time deadline = absl::Now() + connection.options().call_timeout;
  absl::Duration pause = kFirstCallRetryPause;
  while (true) {
    grpc::ClientContext context;
    connection.ConfigureCall(&context, deadline);
    absl::Status status = FromGrpcStatus(attempt(&context));
    const bool retryable = retry == Retry::kOnUnavailable
                               ? status.code() == absl::StatusCode::kUnavailable
                               : RefusedForNoLeader(status);
    if (status.ok() || !retryable || absl::Now() + pause >= deadline) return status;
    absl::SleepFor(pause);
    pause = std::min(pause * 2, kMaxCallRetryPause);
  }
}

bool Writes(const TxnRequest& txn) {
  auto writes = [](const TxnOp& op) { return op.type != TxnOp::Type::kGet; };
  return std::any_of(txn.then_ops.begin(), txn.then_ops.end(), writes) ||
         std::any_of(txn.else_ops.begin(), txn.else_ops.end(), writes);
}

}  // namespace

absl::StatusOr<std::unique_ptr<EtcdClient>> EtcdClient::Create(const EtcdClientOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<EtcdConnection> connection, EtcdConnection::Create(options));
  return std::unique_ptr<EtcdClient>(new EtcdClient(std::move(connection)));
}

EtcdClient::EtcdClient(std::unique_ptr<EtcdConnection> connection)
    : connection_(std::move(connection)) {}

EtcdClient::~EtcdClient() = default;

const EtcdClientOptions& EtcdClient::options() const { return connection_->options(); }

absl::StatusOr<RangeResult> EtcdClient::Range(const KeyRange& range, const RangeOptions& options) {
  etcdserverpb::RangeRequest request;
  ToProto(range, &request);
  request.set_limit(options.limit);
  request.set_revision(options.revision);
  etcdserverpb::RangeResponse response;
  RETURN_IF_ERROR(CallWithRetries(*connection_, Retry::kOnUnavailable, [&](auto* context) {
    return connection_->kv().Range(context, request, &response);
  }));
  return FromProto(response);
}

absl::StatusOr<PutResult> EtcdClient::Put(absl::string_view key, absl::string_view value,
                                          int64_t lease) {
  etcdserverpb::PutRequest request;
  request.set_key(std::string(key));
  request.set_value(std::string(value));
  request.set_lease(lease);
  etcdserverpb::PutResponse response;
  RETURN_IF_ERROR(CallWithRetries(*connection_, Retry::kIfNotApplied, [&](auto* context) {
    return connection_->kv().Put(context, request, &response);
  }));
  return FromProto(response);
}

absl::StatusOr<DeleteResult> EtcdClient::Delete(const KeyRange& range) {
  etcdserverpb::DeleteRangeRequest request;
  ToProto(range, &request);
  etcdserverpb::DeleteRangeResponse response;
  RETURN_IF_ERROR(CallWithRetries(*connection_, Retry::kIfNotApplied, [&](auto* context) {
    return connection_->kv().DeleteRange(context, request, &response);
  }));
  return FromProto(response);
}

absl::StatusOr<TxnResult> EtcdClient::Txn(const TxnRequest& txn) {
  etcdserverpb::TxnRequest request;
  ToProto(txn, &request);
  etcdserverpb::TxnResponse response;
  const Retry retry = Writes(txn) ? Retry::kIfNotApplied : Retry::kOnUnavailable;
  RETURN_IF_ERROR(CallWithRetries(*connection_, retry, [&](auto* context) {
    return connection_->kv().Txn(context, request, &response);
  }));
  return FromProto(response);
}

absl::Status EtcdClient::Compact(int64_t revision) {
  etcdserverpb::CompactionRequest request;
  request.set_revision(revision);
  etcdserverpb::CompactionResponse response;
  return CallWithRetries(*connection_, Retry::kIfNotApplied, [&](auto* context) {
    return connection_->kv().Compact(context, request, &response);
  });
}

absl::StatusOr<GrantedLease> EtcdClient::GrantLease(int64_t ttl_seconds) {
  etcdserverpb::LeaseGrantRequest request;
  request.set_ttl(ttl_seconds);
  etcdserverpb::LeaseGrantResponse response;
  // A repeated grant at worst leaves an unused lease, which expires.
  RETURN_IF_ERROR(CallWithRetries(*connection_, Retry::kOnUnavailable, [&](auto* context) {
    return connection_->lease().LeaseGrant(context, request, &response);
  }));
  if (!response.error().empty()) {
    return absl::UnavailableError(absl::StrCat("etcd lease grant: ", response.error()));
  }
  return GrantedLease{response.id(), response.ttl()};
}

absl::Status EtcdClient::RevokeLease(int64_t lease) {
  etcdserverpb::LeaseRevokeRequest request;
  request.set_id(lease);
  etcdserverpb::LeaseRevokeResponse response;
  // A repeated revoke finds the lease gone: NOT_FOUND, as documented.
  return CallWithRetries(*connection_, Retry::kOnUnavailable, [&](auto* context) {
    return connection_->lease().LeaseRevoke(context, request, &response);
  });
}

absl::StatusOr<LeaseInfo> EtcdClient::LeaseTimeToLive(int64_t lease, bool with_keys) {
  etcdserverpb::LeaseTimeToLiveRequest request;
  request.set_id(lease);
  request.set_keys(with_keys);
  etcdserverpb::LeaseTimeToLiveResponse response;
  RETURN_IF_ERROR(CallWithRetries(*connection_, Retry::kOnUnavailable, [&](auto* context) {
    return connection_->lease().LeaseTimeToLive(context, request, &response);
  }));
  LeaseInfo info;
  info.id = response.id();
  info.ttl_seconds = response.ttl();
  info.granted_ttl_seconds = response.grantedttl();
  info.keys.assign(response.keys().begin(), response.keys().end());
  return info;
}

}  // namespace eventlog::etcd
