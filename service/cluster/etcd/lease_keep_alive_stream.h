// LeaseKeepAliveStream: one etcd LeaseKeepAlive bidi stream, as a gRPC
// client reactor. Each Send(lease) asks etcd to refresh that lease; each
// response reports the lease's new TTL (0: the lease no longer exists).
// LeaseKeeper owns one at a time and decides when to send and when to give
// a stream up; internal to service/cluster/etcd.
//
// Life cycle: the constructor starts the call. When the stream breaks
// (on_broken) or its owner wants it gone, the owner calls Close(); on_done
// follows once gRPC has finished with it, and only then may the owner
// destroy it. Nothing else ends it (a hold keeps it open for Send).
//
// Thread-safety: Send() and Close() must be called from one thread (the
// owner's), never while holding a lock the listener's callbacks take: gRPC
// may run the callbacks inline, on the calling thread. The callbacks run on
// gRPC threads, one at a time, and must not block.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>

#include "absl/functional/any_invocable.h"
#include "etcd/etcdserver/etcdserverpb/rpc.grpc.pb.h"
#include "service/cluster/etcd/etcd_connection.h"

namespace eventlog::etcd {

class LeaseKeepAliveStream : public grpc::ClientBidiReactor<etcdserverpb::LeaseKeepAliveRequest,
                                                            etcdserverpb::LeaseKeepAliveResponse> {
 public:
  struct Listener {
    // A response: `lease` now has `ttl_seconds` to live (<= 0: gone).
    absl::AnyInvocable<void(int64_t lease, int64_t ttl_seconds)> on_response;
    // The stream failed (member down, no leader, cancelled): call Close().
    absl::AnyInvocable<void()> on_broken;
    // gRPC is done with the stream; it may be destroyed now.
    absl::AnyInvocable<void()> on_done;
  };

  // Starts the call on `connection`, which must outlive this stream.
  LeaseKeepAliveStream(const EtcdConnection& connection, Listener listener);

  // Sends one keepalive request for `lease`. False (nothing sent) while the
  // previous request is still being written, or after Close().
  bool Send(int64_t lease);

  // Cancels the stream and lets it finish. Idempotent.
  void Close();

  void OnWriteDone(bool ok) override;
  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  grpc::ClientContext context_;
  Listener listener_;
  etcdserverpb::LeaseKeepAliveRequest request_;
  etcdserverpb::LeaseKeepAliveResponse response_;
  // Written by Send (owner thread) and OnWriteDone (gRPC thread).
  std::atomic<bool> write_in_flight_{false};
  // Owner thread only.
  bool closed_ = false;
};

}  // namespace eventlog::etcd
