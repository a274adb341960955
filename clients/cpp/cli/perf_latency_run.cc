#include "clients/cpp/cli/perf_latency_run.h"

#include <time.h>

#include <algorithm>
#include <cstring>
#include <thread>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "clients/cpp/cli/perf_meter.h"
#include "clients/cpp/cli/perf_produce_stream.h"
#include "clients/cpp/cli/perf_util.h"

namespace eventlog::cli {
namespace {

void WriteStamp(std::string& value, uint64_t run_id, int64_t sequence, int64_t nanos) {
  std::memcpy(value.data(), &run_id, 8);
  std::memcpy(value.data() + 8, &sequence, 8);
  std::memcpy(value.data() + 16, &nanos, 8);
}

struct Receiver {
  uint64_t run_id = 0;
  int64_t expected = 0;
  int64_t warmup = 0;
  PerfMeter* meter = nullptr;
  PerfSamples* latencies = nullptr;
  int64_t received = 0;
  absl::Notification all_received;

  void Run(grpc::ClientReader<v1::SubscribeResponse>& stream) {
    v1::SubscribeResponse response;
    while (received < expected && stream.Read(&response)) {
      if (!response.has_records()) continue;
      const int64_t now = MonotonicNanos();
      int64_t bytes = 0, count = 0;
      for (const v1::Record& record : response.records().records()) {
        const std::string& value = record.value();
        if (value.size() < static_cast<size_t>(kLatencyStampBytes)) continue;
        uint64_t id;
        int64_t sequence, sent;
        std::memcpy(&id, value.data(), 8);
        if (id != run_id) continue;  // an earlier run's records
        std::memcpy(&sequence, value.data() + 8, 8);
        std::memcpy(&sent, value.data() + 16, 8);
        if (sequence >= warmup) latencies->Add(now - sent);
        bytes += static_cast<int64_t>(record.key().size() + value.size());
        ++count;
      }
      received += count;
      meter->Add(count, bytes);
    }
    all_received.Notify();
  }
};

}  // namespace

absl::Status MeasureLatency(client::Client& client, const LatencyRunOptions& options,
                            LatencyRun* out) {
  // The subscriber starts at the end of the log; its response headers mean the
  // broker has fixed the start position, so no produced record is missed.
  v1::SubscribeRequest subscribe;
  subscribe.set_topic(options.topic);
  subscribe.set_start_from(v1::START_FROM_LATEST);
  grpc::ClientContext subscribe_context;
  client.PrepareStreamContext(subscribe_context);
  auto subscription = client.stub().Subscribe(&subscribe_context, subscribe);
  subscription->WaitForInitialMetadata();

  PerfMeter meter("received", &out->end_to_end);
  Receiver receiver;
  receiver.run_id = absl::Uniform<uint64_t>(absl::BitGen());
  receiver.expected = options.records;
  receiver.warmup = options.warmup;
  receiver.meter = &meter;
  receiver.latencies = &out->end_to_end;
  PerfMeter sent("sent", nullptr);
  PerfProduceStream pipe(client, 1 << 20, &sent, &out->produce);

  v1::ProduceRequest request;
  request.set_topic(options.topic);
  request.set_acks(options.acks);
  for (int64_t i = 0; i < options.batch_size; ++i) {
    request.add_records()->set_value(
        PerfPayload(static_cast<size_t>(options.record_size), static_cast<uint64_t>(i)));
  }
  const int64_t interval_nanos = options.batch_size * 1000000000LL / options.rate;

  if (options.progress) meter.Start();
  std::thread receiving([&] { receiver.Run(*subscription); });
  pipe.Start();
  const int64_t start = MonotonicNanos();
  int64_t sequence = 0;
  bool sent_all = true;
  for (int64_t n = 0; sequence < options.records; ++n) {
    const int64_t due = start + n * interval_nanos;
    timespec ts{static_cast<time_t>(due / 1000000000LL), static_cast<long>(due % 1000000000LL)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) != 0) {
    }
    const int64_t count = std::min(options.batch_size, options.records - sequence);
    while (request.records_size() > count) request.mutable_records()->RemoveLast();
    const int64_t now = MonotonicNanos();
    for (int64_t i = 0; i < count; ++i) {
      WriteStamp(*request.mutable_records(static_cast<int>(i))->mutable_value(), receiver.run_id,
                 sequence + i, now);
    }
    request.set_request_id(static_cast<uint64_t>(n + 1));
    if (!pipe.Send(request, count, count * options.record_size)) {
      sent_all = false;
      break;
    }
    sequence += count;
  }
  const double send_seconds = static_cast<double>(MonotonicNanos() - start) / 1e9;
  out->sent_per_second = static_cast<double>(sequence) / std::max(1e-9, send_seconds);
  absl::Status produced = pipe.Finish();
  if (sent_all && produced.ok()) {
    receiver.all_received.WaitForNotificationWithTimeout(absl::Seconds(10));
  }
  subscribe_context.TryCancel();
  receiving.join();
  meter.Stop();
  subscription->Finish();
  if (!produced.ok()) return produced;
  if (receiver.received < options.records) {
    return absl::DeadlineExceededError(absl::StrCat("the subscriber received ", receiver.received,
                                                    " of ", options.records,
                                                    " records within 10 s of the last produce"));
  }
  return absl::OkStatus();
}

}  // namespace eventlog::cli
