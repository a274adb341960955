// eventlog perf latency: end-to-end latency at a fixed rate. A producer sends
// --rate records/s (in requests of --batch_size) over a ProduceStream while a
// subscriber in the same process receives them; each value starts with the
// run's id, a sequence number and the monotonic send time, so the latency is
// measured from just before the produce write to the subscriber's receipt.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "clients/cpp/cli/arg_parser.h"
#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/cli/perf_commands.h"
#include "clients/cpp/cli/perf_meter.h"
#include "clients/cpp/cli/perf_produce_stream.h"
#include "clients/cpp/cli/perf_samples.h"
#include "clients/cpp/cli/perf_util.h"
#include "clients/cpp/status_conversion.h"

namespace eventlog::cli {
namespace {

// Value layout: run id, sequence number, send time (all 8 bytes), padding.
constexpr size_t kStampBytes = 24;

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
        if (value.size() < kStampBytes) continue;
        uint64_t id;
        int64_t sequence, sent;
        std::memcpy(&id, value.data(), 8);
        if (id != run_id) continue;
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

int RunPerfLatency(const std::vector<std::string>& args) {
  CommonFlags common;
  std::string topic = "perf-latency", acks = "all";
  int64_t rate = 10000, records = 50000, record_size = 100, batch_size = 1, warmup = 1000,
          partitions = 1;
  ArgParser parser(
      "eventlog perf latency", "[flags]",
      "Measures end-to-end latency: produces --rate records/s while a subscriber in the same "
      "process receives them, and prints the percentiles from the produce call to the "
      "subscriber's receipt (the first --warmup_records are not counted).");
  parser.AddString("topic", &topic, "topic (created with --partitions if missing)");
  parser.AddInt("rate", &rate, "records per second to produce");
  parser.AddInt("records", &records, "records to send in all");
  parser.AddInt("record_size", &record_size, "value bytes per record (at least 24)");
  parser.AddInt("batch_size", &batch_size, "records per produce request");
  parser.AddInt("warmup_records", &warmup, "first records left out of the percentiles");
  parser.AddInt("partitions", &partitions, "partitions when the topic is created");
  parser.AddString("acks", &acks, "all (fsynced) or leader");
  AddCommonFlags(parser, &common);
  std::vector<std::string> pos;
  if (auto r = parser.Parse(args, &pos, 0, 0); r != ArgParser::Result::kOk) return ExitCodeFor(r);
  absl::StatusOr<v1::Acks> parsed_acks = ParsePerfAcks(acks);
  if (!parsed_acks.ok()) {
    parser.UsageError(parsed_acks.status().message());
    return kExitUsage;
  }
  if (rate < 1 || records < 1 || batch_size < 1 || partitions < 1 || warmup < 0 ||
      record_size < static_cast<int64_t>(kStampBytes)) {
    parser.UsageError(
        "--rate, --records, --batch_size, --partitions must be >= 1, --record_size >= 24");
    return kExitUsage;
  }
  if (warmup >= records) warmup = 0;

  auto client = MakeClient(common);
  absl::StatusOr<int32_t> topic_partitions =
      EnsurePerfTopic(*client, topic, static_cast<int32_t>(partitions));
  if (!topic_partitions.ok()) {
    return ReportError(absl::StrCat("perf latency on '", topic, "'"), topic_partitions.status());
  }

  // The subscriber starts at the end of the log; its response headers mean the
  // broker has fixed the start position, so no produced record is missed.
  v1::SubscribeRequest subscribe;
  subscribe.set_topic(topic);
  subscribe.set_start_from(v1::START_FROM_LATEST);
  grpc::ClientContext subscribe_context;
  client->PrepareStreamContext(subscribe_context);
  auto subscription = client->stub().Subscribe(&subscribe_context, subscribe);
  subscription->WaitForInitialMetadata();

  PerfSamples end_to_end, produce_latency;
  PerfMeter meter("received", &end_to_end);
  Receiver receiver;
  receiver.run_id = absl::Uniform<uint64_t>(absl::BitGen());
  receiver.expected = records;
  receiver.warmup = warmup;
  receiver.meter = &meter;
  receiver.latencies = &end_to_end;
  PerfMeter sent("sent", nullptr);
  PerfProduceStream pipe(*client, 1 << 20, &sent, &produce_latency);

  v1::ProduceRequest request;
  request.set_topic(topic);
  request.set_acks(*parsed_acks);
  for (int64_t i = 0; i < batch_size; ++i) {
    request.add_records()->set_value(
        PerfPayload(static_cast<size_t>(record_size), static_cast<uint64_t>(i)));
  }
  const int64_t interval_nanos = batch_size * 1000000000LL / rate;

  meter.Start();
  std::thread receiving([&] { receiver.Run(*subscription); });
  pipe.Start();
  const int64_t start = MonotonicNanos();
  int64_t sequence = 0;
  bool sent_all = true;
  for (int64_t n = 0; sequence < records; ++n) {
    const int64_t due = start + n * interval_nanos;
    timespec ts{static_cast<time_t>(due / 1000000000LL), static_cast<long>(due % 1000000000LL)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) != 0) {
    }
    const int64_t count = std::min(batch_size, records - sequence);
    while (request.records_size() > count) request.mutable_records()->RemoveLast();
    const int64_t now = MonotonicNanos();
    for (int64_t i = 0; i < count; ++i) {
      WriteStamp(*request.mutable_records(static_cast<int>(i))->mutable_value(), receiver.run_id,
                 sequence + i, now);
    }
    request.set_request_id(static_cast<uint64_t>(n + 1));
    if (!pipe.Send(request, count, count * record_size)) {
      sent_all = false;
      break;
    }
    sequence += count;
  }
  const double send_seconds = static_cast<double>(MonotonicNanos() - start) / 1e9;
  absl::Status produced = pipe.Finish();
  if (sent_all && produced.ok()) {
    receiver.all_received.WaitForNotificationWithTimeout(absl::Seconds(10));
  }
  subscribe_context.TryCancel();
  receiving.join();
  meter.Stop();
  subscription->Finish();
  if (!produced.ok()) return ReportError("perf latency: produce", produced);
  if (receiver.received < records) {
    return ReportError("perf latency", absl::DeadlineExceededError(absl::StrCat(
                                           "the subscriber received ", receiver.received, " of ",
                                           records, " records within 10 s of the last produce")));
  }
  std::printf(
      "perf latency: %d records at %d records/s requested, %.0f records/s sent "
      "(%d-byte values, batches of %d, acks %s, %d partitions)\n",
      static_cast<int>(records), static_cast<int>(rate),
      static_cast<double>(records) / std::max(1e-9, send_seconds), static_cast<int>(record_size),
      static_cast<int>(batch_size), acks.c_str(), *topic_partitions);
  std::printf("end-to-end latency: %s (%d samples)\n", end_to_end.Summary().c_str(),
              static_cast<int>(end_to_end.count()));
  std::printf("produce request latency: %s\n", produce_latency.Summary().c_str());
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace eventlog::cli
