// SubscribeProxyReactor: a Subscribe stream that this broker passes through
// to another broker (docs/CLUSTER.md): a consumer group's member is served
// by the group's coordinator, where the group's members live, so a group
// Subscribe reaching any other broker is relayed there. Messages travel as
// they are (serialized), one at a time in each direction: the next is read
// from the coordinator only after the previous one was written to the
// client, so flow control reaches from the client to the coordinator. The
// coordinator's headers, status and `eventlog-leader` trailer are the
// client's; a client cancel cancels the upstream call.
//
// Thread-safe. Deletes itself once both calls are done.
#pragma once

#include <grpcpp/client_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/client_callback.h>
#include <grpcpp/support/server_callback.h>

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "service/server/broker_channels.h"
#include "service/server/ref_counted_reactor.h"

namespace eventlog::service {

class SubscribeProxyReactor : public grpc::ServerWriteReactor<grpc::ByteBuffer>,
                              public RefCountedReactor {
 public:
  // Relays `request` (a serialized SubscribeRequest) to the broker at
  // `address`, marked as forwarded.
  SubscribeProxyReactor(grpc::CallbackServerContext* context, BrokerChannels* channels,
                        const std::string& address, const grpc::ByteBuffer& request);

  // Call once, from the handler, before returning the reactor.
  void Start();

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override { Unref(); }

 private:
  class Upstream;
  ~SubscribeProxyReactor() override;

  // Upstream events.
  void OnUpstreamHeaders(bool ok);
  void OnUpstreamMessage(bool ok);
  void OnUpstreamDone(const grpc::Status& status);

  grpc::CallbackServerContext* const server_context_;
  grpc::ChannelInterface* const channel_;
  const int32_t self_;
  // Lives as long as this reactor (its context may be cancelled any time).
  std::unique_ptr<Upstream> upstream_;

  absl::Mutex mu_;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;  // the upstream call is done
  bool headers_sent_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace eventlog::service
