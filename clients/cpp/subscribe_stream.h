// SubscribeStream: one Subscribe call whose responses are read ahead into a
// small bounded queue (so a slow consumer pushes back on the server through
// gRPC flow control) and handed out one at a time. Response objects are
// recycled to avoid allocating per batch.
//
// Thread-safe (internal synchronization); meant for one consuming thread
// plus gRPC's callback threads. Used by Consumer only.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "clients/cpp/client.h"
#include "grpcpp/support/client_callback.h"

namespace eventlog::client {

class SubscribeStream final : public grpc::ClientReadReactor<v1::SubscribeResponse> {
 public:
  // `client` must outlive the stream. At most `max_buffered` responses are
  // read ahead. `on_ready` (may be empty) is called, on a gRPC thread with
  // the stream's lock held, after a response was queued and when the call
  // ended: it must not call into the stream.
  SubscribeStream(Client& client, int max_buffered, std::function<void()> on_ready = {});
  // Cancels the call if it is open and waits for it to end.
  ~SubscribeStream() override;

  void Start(const v1::SubscribeRequest& request);

  // The next response, waiting up to `timeout`; nullptr on timeout. After the
  // call ended and the queue is drained: the call's status (OK becomes
  // UNAVAILABLE, "stream ended", since a subscription never ends by itself
  // unless cancelled, then CANCELLED).
  absl::StatusOr<std::unique_ptr<v1::SubscribeResponse>> Next(absl::Duration timeout);
  // Gives a response back for reuse.
  void Recycle(std::unique_ptr<v1::SubscribeResponse> response);
  // Ends the call; Next() then drains what was queued and returns CANCELLED.
  void Cancel();

 private:
  void MaybeStartRead();
  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

  Client& client_;
  const size_t max_buffered_;
  const std::function<void()> on_ready_;
  grpc::ClientContext context_;
  v1::SubscribeRequest request_;

  mutable absl::Mutex mu_;
  std::deque<std::unique_ptr<v1::SubscribeResponse>> queue_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<v1::SubscribeResponse>> pool_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<v1::SubscribeResponse> reading_ ABSL_GUARDED_BY(mu_);  // outstanding read
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool read_ended_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool hold_released_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::client
