#include "service/server/produce_forward_stream.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "service/server/forwarding.h"
#include "service/server/proto_convert.h"

namespace eventlog::service {

std::shared_ptr<ProduceForwardStream> ProduceForwardStream::Open(eventlog::v1::EventLog::Stub* stub,
                                                                 int32_t self, std::string leader) {
  std::shared_ptr<ProduceForwardStream> stream(new ProduceForwardStream(std::move(leader)));
  MarkForwarded(&stream->context_, self);
  {
    absl::MutexLock lock(&stream->mu_);
    stream->self_ = stream;
  }
  stub->async()->ProduceStream(&stream->context_, stream.get());
  stream->StartRead(&stream->response_);
  stream->StartCall();
  return stream;
}

bool ProduceForwardStream::Send(eventlog::v1::ProduceRequest& request,
                                broker::ProduceCallback& done) {
  absl::MutexLock lock(&mu_);
  if (failed_ || closing_) return false;
  unsent_.push_back(std::move(request));
  unanswered_.push_back(std::move(done));
  WriteNextLocked();
  return true;
}

void ProduceForwardStream::Close() {
  absl::MutexLock lock(&mu_);
  closing_ = true;
  WriteNextLocked();
}

void ProduceForwardStream::WriteNextLocked() {
  if (write_in_flight_ || writes_done_ || failed_) return;
  if (!unsent_.empty()) {
    writing_ = std::move(unsent_.front());
    unsent_.pop_front();
    write_in_flight_ = true;
    StartWrite(&writing_);
    return;
  }
  if (closing_) {
    writes_done_ = true;
    StartWritesDone();
  }
}

void ProduceForwardStream::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  write_in_flight_ = false;
  if (!ok) {
    failed_ = true;  // the stream is broken; OnDone reports why
    return;
  }
  WriteNextLocked();
}

void ProduceForwardStream::OnReadDone(bool ok) {
  if (!ok) return;  // the stream ended; OnDone follows
  broker::ProduceCallback done;
  absl::StatusOr<broker::ProduceResult> result;
  {
    absl::MutexLock lock(&mu_);
    if (unanswered_.empty()) {
      failed_ = true;  // an answer to nothing: the leader is confused
      context_.TryCancel();
      return;
    }
    done = std::move(unanswered_.front());
    unanswered_.pop_front();
  }
  if (response_.error_code() != 0) {
    result = absl::Status(static_cast<absl::StatusCode>(response_.error_code()),
                          response_.error_message());
  } else {
    result = FromProto(response_);
  }
  done(std::move(result));
  StartRead(&response_);
}

void ProduceForwardStream::OnDone(const grpc::Status& status) {
  std::deque<broker::ProduceCallback> unanswered;
  std::shared_ptr<ProduceForwardStream> self;
  {
    absl::MutexLock lock(&mu_);
    failed_ = true;
    unanswered.swap(unanswered_);
    self = std::move(self_);
  }
  absl::Status why = FromForwardedCall(status, context_);
  if (why.ok() || why.code() == absl::StatusCode::kCancelled) {
    why = absl::UnavailableError(
        absl::StrCat("the stream to the partition's leader at ", leader_, " ended; retry"));
  } else if (why.code() != absl::StatusCode::kUnavailable) {
    why = absl::UnavailableError(absl::StrCat("the stream to the partition's leader at ", leader_,
                                              " failed: ", why.message(), "; retry"));
  }
  for (broker::ProduceCallback& done : unanswered) done(why);
}

}  // namespace eventlog::service
