#include "clients/cpp/cli/perf_produce_stream.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "clients/cpp/cli/perf_util.h"
#include "clients/cpp/status_conversion.h"

namespace eventlog::cli {

PerfProduceStream::PerfProduceStream(client::Client& client, int window, PerfMeter* meter,
                                     PerfSamples* latencies)
    : client_(client), window_(window < 1 ? 1 : window), meter_(meter), latencies_(latencies) {}

PerfProduceStream::~PerfProduceStream() {
  if (reader_.joinable()) {
    context_.TryCancel();
    reader_.join();
  }
}

void PerfProduceStream::Start() {
  client_.PrepareStreamContext(context_);
  stream_ = client_.stub().ProduceStream(&context_);
  reader_ = std::thread([this] { ReadLoop(); });
}

bool PerfProduceStream::Send(const v1::ProduceRequest& request, int64_t records, int64_t bytes) {
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &PerfProduceStream::HasRoomLocked));
    if (broken_) return false;
    pending_.push_back(Pending{MonotonicNanos(), records, bytes});
  }
  if (!stream_->Write(request)) {
    absl::MutexLock lock(&mu_);
    broken_ = true;
    return false;
  }
  return true;
}

void PerfProduceStream::ReadLoop() {
  v1::ProduceResponse response;
  while (stream_->Read(&response)) {
    const int64_t now = MonotonicNanos();
    Pending done;
    {
      absl::MutexLock lock(&mu_);
      if (pending_.empty()) {
        if (error_.ok()) error_ = absl::InternalError("ProduceStream answered an unsent request");
        broken_ = true;
        break;
      }
      done = pending_.front();
      pending_.pop_front();
      if (response.error_code() != 0) {
        if (error_.ok()) {
          error_ = absl::Status(
              static_cast<absl::StatusCode>(response.error_code()),
              absl::StrCat("request ", response.request_id(), ": ", response.error_message()));
        }
        broken_ = true;
        continue;
      }
    }
    if (latencies_ != nullptr) latencies_->Add(now - done.sent_nanos);
    meter_->Add(done.records, done.bytes);
  }
  absl::MutexLock lock(&mu_);
  broken_ = true;
}

absl::Status PerfProduceStream::Finish() {
  if (finished_) return absl::OkStatus();
  finished_ = true;
  stream_->WritesDone();
  reader_.join();
  absl::Status status = client::FromGrpcStatus(stream_->Finish());
  absl::MutexLock lock(&mu_);
  if (!error_.ok()) return error_;
  if (!status.ok()) return status;
  if (!pending_.empty()) {
    return absl::InternalError(absl::StrCat(pending_.size(), " requests were never answered"));
  }
  return absl::OkStatus();
}

}  // namespace eventlog::cli
