#include "clients/cpp/cli/perf_latency_run.h"

#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "clients/cpp/cli/perf_meter.h"
#include "clients/cpp/cli/perf_util.h"
#include "clients/cpp/status_conversion.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/support/async_stream.h"

namespace eventlog::cli {
namespace {

void WriteStamp(std::string& value, uint64_t run_id, int64_t sequence, int64_t nanos) {
  std::memcpy(value.data(), &run_id, 8);
  std::memcpy(value.data() + 8, &sequence, 8);
  std::memcpy(value.data() + 16, &nanos, 8);
}

// What a completion on the queue is for.
enum class Op : intptr_t {
  kSubscribeStarted = 1,
  kSubscribeHeaders,
  kSubscribeRead,
  kSubscribeFinished,
  kProduceStarted,
  kProduceRead,
  kProduceWritten,
  kProduceWritesDone,
  kProduceFinished,
};
void* Tag(Op op) { return reinterpret_cast<void*>(static_cast<intptr_t>(op)); }

// One measurement. The subscriber and the producer's acknowledgements are
// both read by one thread from one completion queue (no hand-off between
// reader threads); the caller's thread paces and writes the requests. A
// client that spent most of a core on thread hand-offs measured itself: at
// 10,000 requests/s the old three-thread tool took a whole core, and a
// store-nothing server showed a p50 of 1.5-1.8 ms through it.
class LatencyProbe {
 public:
  LatencyProbe(client::Client& client, const LatencyRunOptions& options, LatencyRun* out)
      : client_(client),
        options_(options),
        out_(out),
        run_id_(absl::Uniform<uint64_t>(absl::BitGen())),
        requests_((options.records + options.batch_size - 1) / options.batch_size),
        sent_nanos_(static_cast<size_t>(requests_)),
        received_meter_("received", &out->end_to_end) {}

  absl::Status Run() {
    // The subscriber starts at the end of the log; its response headers mean
    // the broker has fixed the start position, so no produced record is
    // missed.
    v1::SubscribeRequest subscribe;
    subscribe.set_topic(options_.topic);
    subscribe.set_start_from(v1::START_FROM_LATEST);
    client_.PrepareStreamContext(subscribe_context_);
    client_.PrepareStreamContext(produce_context_);
    subscription_ = client_.stub().PrepareAsyncSubscribe(&subscribe_context_, subscribe, &queue_);
    produce_ = client_.stub().PrepareAsyncProduceStream(&produce_context_, &queue_);
    subscription_->StartCall(Tag(Op::kSubscribeStarted));
    produce_->StartCall(Tag(Op::kProduceStarted));
    std::thread completions([this] { CompletionLoop(); });

    absl::Status status = Produce();
    if (status.ok()) {
      if (!all_received_.WaitForNotificationWithTimeout(absl::Seconds(10))) {
        status = absl::DeadlineExceededError(
            absl::StrCat("the subscriber received ", received_.load(), " of ", options_.records,
                         " records within 10 s of the last produce"));
      }
    }
    subscribe_context_.TryCancel();
    if (!status.ok()) produce_context_.TryCancel();
    // Every started operation's tag comes back, so the queue is shut down
    // (and drained by the completion thread) only once both calls finished.
    if (!calls_finished_.WaitForNotificationWithTimeout(absl::Seconds(10))) {
      produce_context_.TryCancel();  // the broker never ended the ProduceStream
      calls_finished_.WaitForNotification();
    }
    queue_.Shutdown();
    completions.join();
    received_meter_.Stop();
    // The most specific error first: a refused request, then the call's own
    // status (e.g. the broker went away), then what this side saw.
    absl::MutexLock lock(&mu_);
    if (!error_.ok()) return error_;
    if (!produce_status_.ok()) return client::FromGrpcStatus(produce_status_);
    if (!status.ok()) return status;
    if (acknowledged_ < requests_) {
      return absl::InternalError(
          absl::StrCat(requests_ - acknowledged_, " requests were never answered"));
    }
    return absl::OkStatus();
  }

 private:
  // The caller's thread: waits for both streams, then writes a request at
  // each due time (one write in flight at a time, as gRPC requires).
  absl::Status Produce() {
    if (!ready_.WaitForNotificationWithTimeout(absl::Seconds(30)) || broken_.load()) {
      return absl::UnavailableError("could not open the Subscribe and ProduceStream calls");
    }
    v1::ProduceRequest request;
    request.set_topic(options_.topic);
    request.set_acks(options_.acks);
    for (int64_t i = 0; i < options_.batch_size; ++i) {
      request.add_records()->set_value(
          PerfPayload(static_cast<size_t>(options_.record_size), static_cast<uint64_t>(i)));
    }
    const int64_t interval_nanos = options_.batch_size * 1000000000LL / options_.rate;
    if (options_.progress) received_meter_.Start();
    const int64_t start = MonotonicNanos();
    int64_t sequence = 0;
    for (int64_t n = 0; n < requests_ && !broken_.load(std::memory_order_relaxed); ++n) {
      const int64_t due = start + n * interval_nanos;
      timespec ts{static_cast<time_t>(due / 1000000000LL), static_cast<long>(due % 1000000000LL)};
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) != 0) {
      }
      WaitForWriteDone();
      const int64_t count = std::min(options_.batch_size, options_.records - sequence);
      while (request.records_size() > count) request.mutable_records()->RemoveLast();
      const int64_t now = MonotonicNanos();
      for (int64_t i = 0; i < count; ++i) {
        WriteStamp(*request.mutable_records(static_cast<int>(i))->mutable_value(), run_id_,
                   sequence + i, now);
      }
      request.set_request_id(static_cast<uint64_t>(n + 1));
      sent_nanos_[static_cast<size_t>(n)].store(now, std::memory_order_relaxed);
      SetWriting(true);
      produce_->Write(request, Tag(Op::kProduceWritten));  // serializes before returning
      sequence += count;
    }
    const double seconds = static_cast<double>(MonotonicNanos() - start) / 1e9;
    out_->sent_per_second = static_cast<double>(sequence) / std::max(1e-9, seconds);
    WaitForWriteDone();
    if (broken_.load()) return absl::UnavailableError("the ProduceStream broke");
    produce_->WritesDone(Tag(Op::kProduceWritesDone));
    return absl::OkStatus();
  }

  // Usually long done by the next due time, so the lock is uncontended.
  void WaitForWriteDone() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](bool* writing) { return !*writing; }, &writing_));
  }
  void SetWriting(bool writing) {
    absl::MutexLock lock(&mu_);
    writing_ = writing;
  }

  // The completion thread: every read and write completion of both calls.
  // Runs until the queue is shut down and drained.
  void CompletionLoop() {
    int open_calls = 2;
    void* tag;
    bool ok;
    while (queue_.Next(&tag, &ok)) {
      switch (static_cast<Op>(reinterpret_cast<intptr_t>(tag))) {
        case Op::kSubscribeStarted:
          if (!ok) {
            FailToOpen(Op::kSubscribeStarted);
          } else {
            subscription_->ReadInitialMetadata(Tag(Op::kSubscribeHeaders));
          }
          break;
        case Op::kSubscribeHeaders:
          if (!ok) {
            FailToOpen(Op::kSubscribeHeaders);
          } else {
            subscription_->Read(&subscribe_response_, Tag(Op::kSubscribeRead));
            if (++streams_ready_ == 2) SetReady();
          }
          break;
        case Op::kSubscribeRead:
          if (ok) OnRecords(MonotonicNanos());
          if (ok && received_.load(std::memory_order_relaxed) < options_.records) {
            subscription_->Read(&subscribe_response_, Tag(Op::kSubscribeRead));
          } else {
            if (ok) all_received_.Notify();
            subscription_->Finish(&subscribe_status_, Tag(Op::kSubscribeFinished));
          }
          break;
        case Op::kSubscribeFinished:
          if (--open_calls == 0) calls_finished_.Notify();
          break;
        case Op::kProduceStarted:
          if (!ok) {
            FailToOpen(Op::kProduceStarted);
          } else {
            produce_->Read(&produce_response_, Tag(Op::kProduceRead));
            if (++streams_ready_ == 2) SetReady();
          }
          break;
        case Op::kProduceRead:
          if (ok) {
            OnAcknowledgement(MonotonicNanos());
            produce_->Read(&produce_response_, Tag(Op::kProduceRead));
          } else {
            produce_->Finish(&produce_status_, Tag(Op::kProduceFinished));
          }
          break;
        case Op::kProduceWritten:
          if (!ok) broken_.store(true);
          SetWriting(false);
          break;
        case Op::kProduceWritesDone:
          break;
        case Op::kProduceFinished:
          if (!produce_status_.ok()) broken_.store(true);
          if (--open_calls == 0) calls_finished_.Notify();
          break;
      }
    }
  }

  // A call could not be opened: it is finished, and the producer told.
  void FailToOpen(Op step) {
    if (step == Op::kProduceStarted) {
      produce_->Finish(&produce_status_, Tag(Op::kProduceFinished));
    } else {
      subscription_->Finish(&subscribe_status_, Tag(Op::kSubscribeFinished));
    }
    Break();
  }

  void OnRecords(int64_t now) {
    if (!subscribe_response_.has_records()) return;
    int64_t count = 0;
    for (const v1::Record& record : subscribe_response_.records().records()) {
      const std::string& value = record.value();
      if (value.size() < static_cast<size_t>(kLatencyStampBytes)) continue;
      uint64_t id;
      int64_t sequence, sent;
      std::memcpy(&id, value.data(), 8);
      if (id != run_id_) continue;  // an earlier run's records
      std::memcpy(&sequence, value.data() + 8, 8);
      std::memcpy(&sent, value.data() + 16, 8);
      if (sequence >= options_.warmup) out_->end_to_end.Add(now - sent);
      ++count;
    }
    received_.fetch_add(count, std::memory_order_relaxed);
    received_meter_.Add(count, count * options_.record_size);
  }

  void OnAcknowledgement(int64_t now) {
    const int64_t request = static_cast<int64_t>(produce_response_.request_id()) - 1;
    if (produce_response_.error_code() != 0 || request < 0 || request >= requests_) {
      Error(produce_response_.error_code() != 0
                ? absl::Status(static_cast<absl::StatusCode>(produce_response_.error_code()),
                               absl::StrCat("request ", produce_response_.request_id(), ": ",
                                            produce_response_.error_message()))
                : absl::InternalError("ProduceStream answered an unsent request"));
      return;
    }
    out_->produce.Add(now -
                      sent_nanos_[static_cast<size_t>(request)].load(std::memory_order_relaxed));
    absl::MutexLock lock(&mu_);
    ++acknowledged_;
  }

  // Keeps the first error and stops the producer.
  void Error(const absl::Status& status) {
    Break();
    absl::MutexLock lock(&mu_);
    if (error_.ok()) error_ = status;
  }
  void Break() {
    broken_.store(true);
    SetReady();
  }
  // Both threads may get here; a Notification may be notified only once.
  void SetReady() {
    absl::MutexLock lock(&mu_);
    if (!ready_.HasBeenNotified()) ready_.Notify();
  }

  client::Client& client_;
  const LatencyRunOptions& options_;
  LatencyRun* const out_;
  const uint64_t run_id_;
  const int64_t requests_;
  // Send time of each request, by request number.
  std::vector<std::atomic<int64_t>> sent_nanos_;
  PerfMeter received_meter_;

  grpc::CompletionQueue queue_;
  grpc::ClientContext subscribe_context_;
  grpc::ClientContext produce_context_;
  std::unique_ptr<grpc::ClientAsyncReader<v1::SubscribeResponse>> subscription_;
  std::unique_ptr<grpc::ClientAsyncReaderWriter<v1::ProduceRequest, v1::ProduceResponse>> produce_;
  // Owned by the completion thread.
  v1::SubscribeResponse subscribe_response_;
  v1::ProduceResponse produce_response_;
  grpc::Status subscribe_status_;
  grpc::Status produce_status_;  // read after the completion thread ends
  int streams_ready_ = 0;

  absl::Notification ready_;  // both calls open (or one failed)
  absl::Notification all_received_;
  absl::Notification calls_finished_;  // both calls' Finish completed
  std::atomic<bool> broken_{false};
  std::atomic<int64_t> received_{0};
  absl::Mutex mu_;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  int64_t acknowledged_ ABSL_GUARDED_BY(mu_) = 0;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;  // a Write is in flight
};

}  // namespace

absl::Status MeasureLatency(client::Client& client, const LatencyRunOptions& options,
                            LatencyRun* out) {
  LatencyProbe probe(client, options, out);
  return probe.Run();
}

}  // namespace eventlog::cli
