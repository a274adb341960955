#include "service/server/subscribe_proxy_reactor.h"

#include <utility>

#include "service/server/forwarding.h"

namespace eventlog::service {

// The call to the broker the stream is relayed to.
class SubscribeProxyReactor::Upstream : public grpc::ClientReadReactor<grpc::ByteBuffer> {
 public:
  Upstream(SubscribeProxyReactor* owner, grpc::ByteBuffer request)
      : owner_(owner), request_(std::move(request)) {}

  grpc::ClientContext context;
  const grpc::ByteBuffer* request() const { return &request_; }
  grpc::ByteBuffer message;

  void OnReadInitialMetadataDone(bool ok) override { owner_->OnUpstreamHeaders(ok); }
  void OnReadDone(bool ok) override { owner_->OnUpstreamMessage(ok); }
  void OnDone(const grpc::Status& status) override {
    owner_->OnUpstreamDone(status);
    owner_->Unref();  // the upstream's reference
  }

 private:
  SubscribeProxyReactor* const owner_;
  const grpc::ByteBuffer request_;
};

SubscribeProxyReactor::SubscribeProxyReactor(grpc::CallbackServerContext* context,
                                             BrokerChannels* channels, const std::string& address,
                                             const grpc::ByteBuffer& request)
    : server_context_(context),
      channel_(channels->To(address).channel.get()),
      self_(channels->self()),
      upstream_(std::make_unique<Upstream>(this, request)) {}

SubscribeProxyReactor::~SubscribeProxyReactor() = default;

void SubscribeProxyReactor::Start() {
  Ref();  // dropped when the upstream call is done
  MarkForwarded(&upstream_->context, self_);
  PrepareRawSubscribe(channel_, &upstream_->context, upstream_->request(), upstream_.get());
  upstream_->StartRead(&upstream_->message);
  upstream_->StartCall();
}

void SubscribeProxyReactor::OnUpstreamHeaders(bool ok) {
  absl::MutexLock lock(&mu_);
  // A first write sends headers of its own (if it raced ahead of this).
  if (!ok || finished_ || headers_sent_) return;
  headers_sent_ = true;
  StartSendInitialMetadata();
}

void SubscribeProxyReactor::OnUpstreamMessage(bool ok) {
  if (!ok) return;  // the upstream ended: its OnDone finishes this stream
  absl::MutexLock lock(&mu_);
  if (finished_) return;
  headers_sent_ = true;
  StartWrite(&upstream_->message);
}

void SubscribeProxyReactor::OnWriteDone(bool ok) {
  if (!ok) {
    upstream_->context.TryCancel();  // the client is gone
    return;
  }
  absl::MutexLock lock(&mu_);
  if (!finished_) upstream_->StartRead(&upstream_->message);
}

void SubscribeProxyReactor::OnCancel() { upstream_->context.TryCancel(); }

void SubscribeProxyReactor::OnUpstreamDone(const grpc::Status& status) {
  absl::MutexLock lock(&mu_);
  if (finished_) return;
  finished_ = true;
  if (std::optional<std::string> leader = TrailingValue(upstream_->context, kLeaderKey)) {
    server_context_->AddTrailingMetadata(kLeaderKey, *leader);
  }
  Finish(status);
}

}  // namespace eventlog::service
