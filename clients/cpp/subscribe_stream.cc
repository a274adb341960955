#include "clients/cpp/subscribe_stream.h"

#include <utility>

#include "clients/cpp/status_conversion.h"

namespace eventlog::client {

SubscribeStream::SubscribeStream(Client& client, int max_buffered, std::function<void()> on_ready)
    : client_(client),
      max_buffered_(max_buffered < 1 ? 1 : max_buffered),
      on_ready_(std::move(on_ready)) {}

SubscribeStream::~SubscribeStream() {
  {
    absl::MutexLock lock(&mu_);
    if (!started_) return;
  }
  Cancel();
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(&done_));
}

void SubscribeStream::Start(const v1::SubscribeRequest& request) {
  client_.PrepareStreamContext(context_);
  request_ = request;  // must stay alive until the call has started
  client_.stub().async()->Subscribe(&context_, &request_, this);
  AddHold();  // released once no read is outstanding and none will be started
  {
    absl::MutexLock lock(&mu_);
    started_ = true;
    reading_ = std::make_unique<v1::SubscribeResponse>();
    StartRead(reading_.get());
  }
  StartCall();
}

void SubscribeStream::MaybeStartRead() {
  v1::SubscribeResponse* target = nullptr;
  {
    absl::MutexLock lock(&mu_);
    if (!started_ || reading_ != nullptr || read_ended_ || cancelled_ ||
        queue_.size() >= max_buffered_) {
      return;
    }
    if (pool_.empty()) {
      reading_ = std::make_unique<v1::SubscribeResponse>();
    } else {
      reading_ = std::move(pool_.back());
      pool_.pop_back();
    }
    target = reading_.get();
  }
  StartRead(target);
}

void SubscribeStream::OnReadDone(bool ok) {
  bool release = false;
  {
    absl::MutexLock lock(&mu_);
    if (ok) {
      queue_.push_back(std::move(reading_));
      if (on_ready_) on_ready_();
    } else {
      pool_.push_back(std::move(reading_));
      read_ended_ = true;
    }
    // No further read will be started: let the call finish.
    if ((!ok || cancelled_) && !hold_released_) {
      hold_released_ = true;
      release = true;
    }
  }
  if (release) {
    RemoveHold();
  } else {
    MaybeStartRead();
  }
}

void SubscribeStream::OnDone(const grpc::Status& status) {
  absl::MutexLock lock(&mu_);
  status_ = FromGrpcStatus(status);
  if (status_.ok()) status_ = absl::UnavailableError("the server ended the subscription");
  done_ = true;
  // Under the lock: once done_ is seen, the owner may destroy the stream.
  if (on_ready_) on_ready_();
}

absl::StatusOr<std::unique_ptr<v1::SubscribeResponse>> SubscribeStream::Next(
    absl::Duration timeout) {
  std::unique_ptr<v1::SubscribeResponse> response;
  {
    absl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !queue_.empty() || done_; };
    mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
    if (queue_.empty()) {
      if (done_) return status_;
      return nullptr;
    }
    response = std::move(queue_.front());
    queue_.pop_front();
  }
  MaybeStartRead();
  return response;
}

void SubscribeStream::Recycle(std::unique_ptr<v1::SubscribeResponse> response) {
  response->Clear();  // keeps the record objects for the next read
  absl::MutexLock lock(&mu_);
  if (pool_.size() < max_buffered_ + 1) pool_.push_back(std::move(response));
}

void SubscribeStream::Cancel() {
  bool release = false;
  {
    absl::MutexLock lock(&mu_);
    if (!started_ || cancelled_) return;
    cancelled_ = true;
    // With a read outstanding, its failure releases the hold instead.
    if (reading_ == nullptr && !hold_released_) {
      hold_released_ = true;
      release = true;
    }
  }
  context_.TryCancel();
  if (release) RemoveHold();
}

}  // namespace eventlog::client
