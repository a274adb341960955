#include "tests/bench/null_eventlogd/produce_stream_reactor.h"

#include <string>
#include <utility>

namespace eventlog::bench {

ProduceStreamReactor::ProduceStreamReactor(NullTopics* topics, size_t max_in_flight)
    : topics_(topics), max_in_flight_(max_in_flight) {
  StartRead(&request_);
}

void ProduceStreamReactor::OnReadDone(bool ok) {
  if (!ok) {  // the client half-closed, or the call ended
    absl::MutexLock lock(&mu_);
    reads_done_ = true;
    if (!writing_) FinishOnceLocked(grpc::Status::OK);
    return;
  }
  v1::ProduceResponse response;
  response.set_request_id(request_.request_id());
  absl::StatusOr<NullTopic*> topic = topics_->Find(request_.topic());
  absl::Status status = topic.ok() ? (*topic)->Append(request_, &response) : topic.status();
  if (!status.ok()) {
    response.clear_appends();
    response.set_error_code(static_cast<int32_t>(status.code()));
    response.set_error_message(std::string(status.message()));
  }
  absl::MutexLock lock(&mu_);
  if (finished_) return;
  responses_.push_back(std::move(response));
  if (!writing_) {
    writing_ = true;
    StartWrite(&responses_.front());
  }
  if (responses_.size() < max_in_flight_) {
    StartRead(&request_);
  } else {
    read_paused_ = true;
  }
}

void ProduceStreamReactor::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  responses_.pop_front();
  writing_ = false;
  if (!ok) {
    FinishOnceLocked(grpc::Status(grpc::StatusCode::CANCELLED, "the stream broke"));
    return;
  }
  if (!responses_.empty()) {
    writing_ = true;
    StartWrite(&responses_.front());
  }
  if (read_paused_ && responses_.size() < max_in_flight_) {
    read_paused_ = false;
    StartRead(&request_);
  }
  if (reads_done_ && !writing_) FinishOnceLocked(grpc::Status::OK);
}

void ProduceStreamReactor::FinishOnceLocked(grpc::Status status) {
  if (finished_) return;
  finished_ = true;
  Finish(std::move(status));
}

}  // namespace eventlog::bench
