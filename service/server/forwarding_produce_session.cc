#include "service/server/forwarding_produce_session.h"

#include <utility>

namespace eventlog::service {

ForwardingProduceSession::~ForwardingProduceSession() {
  absl::MutexLock lock(&mu_);
  for (auto& [address, stream] : streams_) stream->Close();
}

void ForwardingProduceSession::Send(const std::string& address,
                                    eventlog::v1::ProduceRequest request,
                                    broker::ProduceCallback done) {
  // Under mu_ throughout: requests of this session keep their order on the
  // stream to each leader.
  absl::MutexLock lock(&mu_);
  std::shared_ptr<ProduceForwardStream>& stream = streams_[address];
  if (stream != nullptr && stream->Send(request, done)) return;
  // None yet, or it failed (what it had in flight failed with it, and the
  // client retries that): a new stream.
  stream =
      ProduceForwardStream::Open(channels_->To(address).stub.get(), channels_->self(), address);
  if (!stream->Send(request, done)) {
    done(absl::UnavailableError("cannot open a stream to the partition's leader at " + address));
  }
}

}  // namespace eventlog::service
