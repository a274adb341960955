// EtcdConnection: the gRPC channel to an etcd cluster and the stubs of the
// etcd services used here (KV, Watch, Lease). EtcdClient owns one; Watcher and
// LeaseKeeper open their streams on it. Internal to service/cluster/etcd:
// outside code uses EtcdClient and never sees protobuf types.
//
// One channel for all members: a target of every member's address with the
// round_robin policy (channel_target.h), so calls go to members that are up
// and a member's failure moves new calls and reopened streams to the others.
//
// Thread-safe (gRPC channels and stubs are).
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "etcd/etcdserver/etcdserverpb/rpc.grpc.pb.h"
#include "service/cluster/etcd/etcd_client_options.h"

namespace eventlog::etcd {

class EtcdConnection {
 public:
  // Does not connect yet (calls do, waiting for a member up to their
  // deadline). The errors of ChannelTarget() for bad endpoints.
  static absl::StatusOr<std::unique_ptr<EtcdConnection>> Create(const EtcdClientOptions& options);

  EtcdConnection(const EtcdConnection&) = delete;
  EtcdConnection& operator=(const EtcdConnection&) = delete;

  etcdserverpb::KV::Stub& kv() const { return *kv_; }
  etcdserverpb::Watch::Stub& watch() const { return *watch_; }
  etcdserverpb::Lease::Stub& lease() const { return *lease_; }

  // Sets up `context` for one unary call that ends at `deadline`.
  void ConfigureCall(grpc::ClientContext* context, absl::Time deadline) const;
  // Sets up `context` for a long-lived stream (Watch, LeaseKeepAlive).
  void ConfigureStream(grpc::ClientContext* context) const;

  const EtcdClientOptions& options() const { return options_; }
  // The gRPC target the endpoints became ("ipv4:...", "dns:///...").
  const std::string& target() const { return target_; }

 private:
  EtcdConnection(const EtcdClientOptions& options, std::string target);

  const EtcdClientOptions options_;
  const std::string target_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<etcdserverpb::KV::Stub> kv_;
  std::unique_ptr<etcdserverpb::Watch::Stub> watch_;
  std::unique_ptr<etcdserverpb::Lease::Stub> lease_;
};

}  // namespace eventlog::etcd
