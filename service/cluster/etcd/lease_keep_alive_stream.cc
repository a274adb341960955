#include "service/cluster/etcd/lease_keep_alive_stream.h"

#include <utility>

namespace eventlog::etcd {

LeaseKeepAliveStream::LeaseKeepAliveStream(const EtcdConnection& connection, Listener listener)
    : listener_(std::move(listener)) {
  connection.ConfigureStream(&context_);
  connection.lease().async()->LeaseKeepAlive(&context_, this);
  // Send() writes from outside the reactions: the hold keeps the call (and
  // so this object) alive until Close().
  AddHold();
  StartRead(&response_);
  StartCall();
}

bool LeaseKeepAliveStream::Send(int64_t lease) {
  if (closed_ || write_in_flight_.exchange(true)) return false;
  request_.set_id(lease);
  StartWrite(&request_);
  return true;
}

void LeaseKeepAliveStream::Close() {
  if (closed_) return;
  closed_ = true;
  context_.TryCancel();
  RemoveHold();
}

void LeaseKeepAliveStream::OnWriteDone(bool /*ok*/) {
  // A failed write also fails the pending read, which reports it.
  write_in_flight_ = false;
}

void LeaseKeepAliveStream::OnReadDone(bool ok) {
  if (!ok) {
    listener_.on_broken();
    return;
  }
  listener_.on_response(response_.id(), response_.ttl());
  StartRead(&response_);
}

void LeaseKeepAliveStream::OnDone(const grpc::Status& /*status*/) { listener_.on_done(); }

}  // namespace eventlog::etcd
