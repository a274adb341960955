// eventlog perf produce: produce throughput, modelled on Kafka's
// kafka-producer-perf-test. By default (--client raw) it writes prebuilt
// ProduceRequests of --batch_size records over --streams ProduceStreams with
// --concurrency requests in flight in all, so the client spends its CPU on
// gRPC rather than on building records; --client library measures the
// Producer class (per-record Send, batching by count and --linger_ms;
// --route off sends everything through --server, which forwards what it does
// not lead; with --batch_size 1 --concurrency 1 each record waits for its
// acknowledgement, and their latencies are printed).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/cpp/cli/arg_parser.h"
#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/cli/perf_commands.h"
#include "clients/cpp/cli/perf_meter.h"
#include "clients/cpp/cli/perf_produce_stream.h"
#include "clients/cpp/cli/perf_samples.h"
#include "clients/cpp/cli/perf_util.h"
#include "clients/cpp/producer.h"

namespace eventlog::cli {
namespace {

struct ProduceSettings {
  std::string topic;
  int64_t records = 0;
  int64_t record_size = 0;
  bool keys = false;
  int64_t batch_size = 0;
  int64_t linger_ms = 0;
  int64_t concurrency = 0;
  int64_t streams = 0;
  v1::Acks acks = v1::ACKS_ALL;
  bool route = true;  // --client library: to each partition's leader
  // --client raw: each stream on its own connection (many connections).
  bool connection_per_stream = false;
};

// What each stream (connection) sent, for the fairness figures of
// --connection_per_stream.
struct StreamShares {
  std::vector<int64_t> records;
  double seconds = 0;
};

// "key-%08d" of i mod 10^8, written into `out` without a formatter: the
// library run makes one per record, and StrFormat was ~5% of its CPU.
constexpr size_t kPerfKeySize = 12;
absl::string_view PerfKey(int64_t i, char (&out)[kPerfKeySize]) {
  std::memcpy(out, "key-", 4);
  int64_t rest = i % 100000000;
  for (size_t digit = kPerfKeySize; digit-- > 4;) {
    out[digit] = static_cast<char>('0' + rest % 10);
    rest /= 10;
  }
  return absl::string_view(out, kPerfKeySize);
}

// A request of `count` records; keyless records leave the partition to the
// broker's per-request round robin, keyed ones to murmur2(key).
v1::ProduceRequest BuildRequest(const ProduceSettings& s, int64_t count, int64_t* bytes) {
  v1::ProduceRequest request;
  request.set_topic(s.topic);
  request.set_acks(s.acks);
  *bytes = 0;
  for (int64_t i = 0; i < count; ++i) {
    v1::Record* record = request.add_records();
    char key[kPerfKeySize];
    if (s.keys) record->set_key(std::string(PerfKey(i, key)));
    record->set_value(PerfPayload(static_cast<size_t>(s.record_size), static_cast<uint64_t>(i)));
    *bytes += static_cast<int64_t>(record->key().size() + record->value().size());
  }
  return request;
}

absl::Status RunRaw(client::Client& client, const CommonFlags& common, const ProduceSettings& s,
                    PerfMeter& meter, PerfSamples& latencies, StreamShares* shares) {
  const int64_t full_requests = s.records / s.batch_size;
  const int64_t remainder = s.records % s.batch_size;
  const int64_t total_requests = full_requests + (remainder > 0 ? 1 : 0);
  const int streams = static_cast<int>(std::max<int64_t>(1, std::min(s.streams, total_requests)));
  const int window = static_cast<int>(std::max<int64_t>(1, s.concurrency / streams));

  std::vector<std::unique_ptr<client::Client>> connections;
  std::vector<std::unique_ptr<PerfProduceStream>> pipes;
  for (int i = 0; i < streams; ++i) {
    client::Client* on = &client;
    if (s.connection_per_stream) on = connections.emplace_back(MakeClient(common)).get();
    pipes.push_back(std::make_unique<PerfProduceStream>(*on, window, &meter, &latencies));
  }
  std::atomic<int64_t> next_request{0};
  std::vector<absl::Status> results(streams);
  shares->records.assign(static_cast<size_t>(streams), 0);
  meter.Start();
  std::vector<std::thread> writers;
  for (int i = 0; i < streams; ++i) {
    writers.emplace_back([&, i] {
      int64_t full_bytes = 0, tail_bytes = 0;
      v1::ProduceRequest full = BuildRequest(s, s.batch_size, &full_bytes);
      v1::ProduceRequest tail = BuildRequest(s, remainder, &tail_bytes);
      PerfProduceStream& pipe = *pipes[i];
      pipe.Start();
      for (int64_t n = next_request.fetch_add(1); n < total_requests;
           n = next_request.fetch_add(1)) {
        const bool is_tail = n >= full_requests;
        v1::ProduceRequest& request = is_tail ? tail : full;
        request.set_request_id(static_cast<uint64_t>(n + 1));
        const int64_t count = is_tail ? remainder : s.batch_size;
        if (!pipe.Send(request, count, is_tail ? tail_bytes : full_bytes)) break;
        shares->records[static_cast<size_t>(i)] += count;
      }
      results[i] = pipe.Finish();
    });
  }
  for (std::thread& t : writers) t.join();
  meter.Stop();
  shares->seconds = meter.seconds();
  for (const absl::Status& status : results) {
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status RunLibrary(client::Client& client, const ProduceSettings& s, PerfMeter& meter,
                        PerfSamples& latencies) {
  client::ProducerOptions options;
  options.route_to_leaders = s.route;
  options.acks = s.acks;
  options.batch_max_records = static_cast<int>(s.batch_size);
  options.batch_max_bytes =
      static_cast<size_t>(std::max<int64_t>(512 * 1024, 2 * s.batch_size * (s.record_size + 16)));
  options.linger = absl::Milliseconds(s.linger_ms);
  options.max_in_flight = static_cast<int>(s.concurrency);
  options.max_buffered_bytes =
      std::max<size_t>(options.max_buffered_bytes, options.batch_max_bytes * (s.concurrency + 2));
  absl::StatusOr<std::unique_ptr<client::Producer>> producer =
      client::Producer::Create(client, s.topic, options);
  if (!producer.ok()) return producer.status();
  std::vector<std::string> values;
  for (int i = 0; i < 64; ++i) {
    values.push_back(PerfPayload(static_cast<size_t>(s.record_size), static_cast<uint64_t>(i)));
  }
  // One record at a time: each one's round trip is a latency sample.
  const bool one_by_one = s.batch_size == 1 && s.concurrency == 1;
  meter.Start();
  client::RecordFuture last;
  for (int64_t i = 0; i < s.records; ++i) {
    char key_buffer[kPerfKeySize];
    const absl::string_view key = s.keys ? PerfKey(i, key_buffer) : absl::string_view();
    const std::string& value = values[static_cast<size_t>(i) % values.size()];
    const absl::Time sent = one_by_one ? absl::Now() : absl::InfinitePast();
    last = (*producer)->Send(key, value);
    if (one_by_one) {
      if (absl::StatusOr<client::RecordMetadata> ack = last.Get(); !ack.ok()) return ack.status();
      latencies.Add(absl::ToInt64Nanoseconds(absl::Now() - sent));
    }
    // Counted when handed over; Flush() below waits for the acknowledgements.
    meter.Add(1, static_cast<int64_t>(key.size() + value.size()));
  }
  absl::Status flushed = (*producer)->Flush();
  meter.Stop();
  if (!flushed.ok()) return flushed;
  if (last.valid()) {
    if (absl::StatusOr<client::RecordMetadata> ack = last.Get(); !ack.ok()) return ack.status();
  }
  return (*producer)->Close();
}

}  // namespace

int RunPerfProduce(const std::vector<std::string>& args) {
  CommonFlags common;
  ProduceSettings s;
  s.topic = "perf-test";
  s.records = 1000000;
  s.record_size = 100;
  s.batch_size = 1000;
  s.linger_ms = 5;
  s.concurrency = 8;
  s.streams = 1;
  int64_t partitions = 1;
  std::string keys = "off", acks = "all", mode = "raw", route = "on";
  ArgParser parser(
      "eventlog perf produce", "[flags]",
      "Measures produce throughput: sends --records records of --record_size bytes and "
      "prints records/s, MB/s (10^6 bytes of keys + values) and request latency "
      "percentiles. A progress line goes to stderr every second.");
  parser.AddString("topic", &s.topic, "topic (created with --partitions if missing)");
  parser.AddInt("records", &s.records, "records to send");
  parser.AddInt("record_size", &s.record_size, "value bytes per record");
  parser.AddString("keys", &keys, "on: records carry 12-byte keys (routed by murmur2)");
  parser.AddInt("batch_size", &s.batch_size, "records per request");
  parser.AddInt("linger_ms", &s.linger_ms, "--client library: how long a batch waits to fill");
  parser.AddInt("concurrency", &s.concurrency, "requests in flight, over all streams");
  parser.AddInt("streams", &s.streams, "--client raw: parallel ProduceStreams");
  parser.AddBool("connection_per_stream", &s.connection_per_stream,
                 "--client raw: each stream on its own connection (many connections); the "
                 "summary adds the least and most any one sent, in records/s");
  parser.AddInt("partitions", &partitions, "partitions when the topic is created");
  parser.AddString("acks", &acks, "all (fsynced) or leader");
  parser.AddString("client", &mode,
                   "raw: prebuilt requests on the generated stub; library: Producer::Send");
  parser.AddString("route", &route,
                   "--client library: on: each partition's batches to its leader (GetMetadata); "
                   "off: all through --server, which forwards");
  AddCommonFlags(parser, &common);
  std::vector<std::string> pos;
  if (auto r = parser.Parse(args, &pos, 0, 0); r != ArgParser::Result::kOk) return ExitCodeFor(r);
  absl::StatusOr<bool> parsed_keys = ParseOnOff("keys", keys);
  absl::StatusOr<v1::Acks> parsed_acks = ParsePerfAcks(acks);
  absl::StatusOr<bool> parsed_route = ParseOnOff("route", route);
  std::string problem;
  if (!parsed_keys.ok()) problem = std::string(parsed_keys.status().message());
  if (!parsed_acks.ok()) problem = std::string(parsed_acks.status().message());
  if (!parsed_route.ok()) problem = std::string(parsed_route.status().message());
  if (mode != "raw" && mode != "library") problem = "--client must be raw or library";
  if (mode != "raw" && s.connection_per_stream) {
    problem = "--connection_per_stream goes with --client raw";
  }
  if (s.records < 1 || s.record_size < 0 || s.batch_size < 1 || s.concurrency < 1 ||
      s.streams < 1 || partitions < 1 || s.linger_ms < 0) {
    problem = "--records, --batch_size, --concurrency, --streams and --partitions must be >= 1";
  }
  if (!problem.empty()) {
    parser.UsageError(problem);
    return kExitUsage;
  }
  s.keys = *parsed_keys;
  s.acks = *parsed_acks;
  s.route = *parsed_route;

  auto client = MakeClient(common);
  absl::StatusOr<int32_t> topic_partitions =
      EnsurePerfTopic(*client, s.topic, static_cast<int32_t>(partitions));
  if (!topic_partitions.ok()) {
    return ReportError(absl::StrCat("perf produce to '", s.topic, "'"), topic_partitions.status());
  }
  PerfSamples latencies;
  const bool timed = mode == "raw" || (s.batch_size == 1 && s.concurrency == 1);
  PerfMeter meter("sent", timed ? &latencies : nullptr);
  StreamShares shares;
  absl::Status status = mode == "raw" ? RunRaw(*client, common, s, meter, latencies, &shares)
                                      : RunLibrary(*client, s, meter, latencies);
  if (!status.ok()) return ReportError("perf produce", status);
  std::string details;
  if (s.connection_per_stream && !shares.records.empty() && shares.seconds > 0) {
    const auto [least, most] = std::minmax_element(shares.records.begin(), shares.records.end());
    absl::StrAppendFormat(&details, ", %d connections: each %.0f - %.0f records/s",
                          static_cast<int>(shares.records.size()),
                          static_cast<double>(*least) / shares.seconds,
                          static_cast<double>(*most) / shares.seconds);
  }
  std::printf(
      "perf produce: %s (%d-byte values, keys %s, batches of %d, acks %s, client %s, "
      "%d partitions%s)\n",
      meter.RateSummary().c_str(), static_cast<int>(s.record_size), keys.c_str(),
      static_cast<int>(s.batch_size), acks.c_str(), mode.c_str(), *topic_partitions,
      details.c_str());
  if (timed) std::printf("request latency: %s\n", latencies.Summary().c_str());
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace eventlog::cli
