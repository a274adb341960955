// eventlog perf consume: consume throughput over an existing topic, from the
// earliest offset up to the high watermarks seen at start, via Subscribe (one
// stream over all partitions; with --subscribers N, N such streams on their
// own connections, each reading everything: fan-out) or via Fetch
// (--concurrency fetchers, each reading a contiguous slice of a partition).
// Response messages are reused, so the client's cost is gRPC and protobuf
// parsing, as for any consumer. --cold drops the page cache first.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "clients/cpp/cli/arg_parser.h"
#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/cli/perf_commands.h"
#include "clients/cpp/cli/perf_meter.h"
#include "clients/cpp/cli/perf_util.h"
#include "clients/cpp/consumer.h"
#include "clients/cpp/status_conversion.h"

namespace eventlog::cli {
namespace {

struct PartitionRange {
  int32_t partition;
  int64_t begin;  // first offset to read
  int64_t end;    // high watermark at start: stop before it
};

int64_t PayloadBytes(const google::protobuf::RepeatedPtrField<v1::Record>& records,
                     int64_t end_offset, int64_t* counted) {
  int64_t bytes = 0;
  *counted = 0;
  for (const v1::Record& record : records) {
    if (record.offset() >= end_offset) break;
    bytes += static_cast<int64_t>(record.key().size() + record.value().size());
    ++*counted;
  }
  return bytes;
}

absl::Status ConsumeBySubscribe(client::Client& client, const std::string& topic,
                                const std::vector<PartitionRange>& ranges, int32_t batch_size,
                                PerfMeter& meter) {
  v1::SubscribeRequest request;
  request.set_topic(topic);
  request.set_start_from(v1::START_FROM_EARLIEST);
  request.set_max_batch_records(batch_size);
  std::vector<int64_t> end(ranges.size(), 0);
  size_t remaining = 0;
  for (const PartitionRange& range : ranges) {
    request.add_partitions(range.partition);
    end[static_cast<size_t>(range.partition)] = range.end;
    if (range.begin < range.end) ++remaining;
  }
  grpc::ClientContext context;
  client.PrepareStreamContext(context);
  auto stream = client.stub().Subscribe(&context, request);
  v1::SubscribeResponse response;
  while (remaining > 0 && stream->Read(&response)) {
    if (!response.has_records() || response.records().records_size() == 0) continue;
    const v1::RecordBatch& batch = response.records();
    const size_t p = static_cast<size_t>(batch.partition());
    if (p >= end.size()) continue;
    int64_t counted = 0;
    const int64_t bytes = PayloadBytes(batch.records(), end[p], &counted);
    meter.Add(counted, bytes);
    const int64_t next = batch.records(batch.records_size() - 1).offset() + 1;
    if (counted > 0 && next >= end[p]) --remaining;
  }
  context.TryCancel();
  while (stream->Read(&response)) {
  }
  grpc::Status status = stream->Finish();
  if (remaining == 0) return absl::OkStatus();
  if (!status.ok()) return client::FromGrpcStatus(status);
  return absl::InternalError("the subscription ended before the high watermark");
}

// --subscribers N: N raw subscribers, each on its own connection, each
// reading every record (fan-out). `seconds` gets each one's time to the end.
absl::Status ConsumeByFanOut(const CommonFlags& common, const std::string& topic,
                             const std::vector<PartitionRange>& ranges, int32_t batch_size,
                             int64_t subscribers, PerfMeter& meter, std::vector<double>* seconds) {
  std::vector<std::unique_ptr<client::Client>> clients;
  for (int64_t i = 0; i < subscribers; ++i) clients.push_back(MakeClient(common));
  seconds->assign(static_cast<size_t>(subscribers), 0);
  absl::Mutex mu;
  absl::Status first_error;
  const absl::Time start = absl::Now();
  meter.Start();
  std::vector<std::thread> threads;
  for (int64_t i = 0; i < subscribers; ++i) {
    threads.emplace_back([&, i] {
      const size_t at = static_cast<size_t>(i);
      absl::Status status = ConsumeBySubscribe(*clients[at], topic, ranges, batch_size, meter);
      (*seconds)[at] = absl::ToDoubleSeconds(absl::Now() - start);
      absl::MutexLock lock(&mu);
      if (first_error.ok()) first_error = status;
    });
  }
  for (std::thread& t : threads) t.join();
  meter.Stop();
  absl::MutexLock lock(&mu);
  return first_error;
}

// The same as ConsumeBySubscribe through the C++ library's Consumer (Poll
// record by record), to compare the library with the raw stub.
absl::Status ConsumeByLibrary(client::Client& client, const std::string& topic,
                              const std::vector<PartitionRange>& ranges, int32_t batch_size,
                              PerfMeter& meter) {
  client::ConsumerOptions options;
  options.start_from = v1::START_FROM_EARLIEST;
  options.max_batch_records = batch_size;
  std::vector<int64_t> end(ranges.size(), 0);
  size_t remaining = 0;
  for (const PartitionRange& range : ranges) {
    options.partitions.push_back(range.partition);
    end[static_cast<size_t>(range.partition)] = range.end;
    if (range.begin < range.end) ++remaining;
  }
  meter.Start();
  auto consumer = client::Consumer::Create(client, topic, options);
  if (!consumer.ok()) return consumer.status();
  int64_t pending_records = 0, pending_bytes = 0;
  while (remaining > 0) {
    absl::StatusOr<const v1::Record*> record = (*consumer)->Poll(absl::Seconds(30));
    if (!record.ok()) return record.status();
    if (*record == nullptr) return absl::DeadlineExceededError("no record for 30 s");
    const v1::Record& r = **record;
    const size_t p = static_cast<size_t>(r.partition());
    if (p >= end.size() || r.offset() >= end[p]) continue;
    ++pending_records;
    pending_bytes += static_cast<int64_t>(r.key().size() + r.value().size());
    if (r.offset() + 1 == end[p]) --remaining;
    if (pending_records == 1000 || remaining == 0) {  // the meter takes a lock: not per record
      meter.Add(pending_records, pending_bytes);
      pending_records = pending_bytes = 0;
    }
  }
  meter.Stop();
  (*consumer)->Close();
  return absl::OkStatus();
}

absl::Status ConsumeByFetch(client::Client& client, const std::string& topic,
                            const std::vector<PartitionRange>& ranges, int32_t batch_size,
                            int64_t concurrency, PerfMeter& meter) {
  // Slices: each partition split so that there are about `concurrency` in all.
  std::vector<PartitionRange> slices;
  const int64_t per_partition =
      std::max<int64_t>(1, (concurrency + static_cast<int64_t>(ranges.size()) - 1) /
                               static_cast<int64_t>(ranges.size()));
  for (const PartitionRange& range : ranges) {
    const int64_t length = range.end - range.begin;
    if (length <= 0) continue;
    const int64_t step = (length + per_partition - 1) / per_partition;
    for (int64_t begin = range.begin; begin < range.end; begin += step) {
      slices.push_back({range.partition, begin, std::min(range.end, begin + step)});
    }
  }
  std::atomic<size_t> next_slice{0};
  absl::Mutex mu;
  absl::Status first_error;
  meter.Start();
  std::vector<std::thread> workers;
  for (int64_t w = 0; w < concurrency; ++w) {
    workers.emplace_back([&] {
      v1::FetchRequest request;
      request.set_topic(topic);
      v1::FetchResponse response;
      for (size_t i = next_slice.fetch_add(1); i < slices.size(); i = next_slice.fetch_add(1)) {
        const PartitionRange& slice = slices[i];
        request.set_partition(slice.partition);
        int64_t offset = slice.begin;
        while (offset < slice.end) {
          request.set_offset(offset);
          request.set_max_records(
              static_cast<int32_t>(std::min<int64_t>(batch_size, slice.end - offset)));
          grpc::ClientContext context;
          client.PrepareContext(context);
          grpc::Status status = client.stub().Fetch(&context, request, &response);
          absl::Status error;
          if (!status.ok()) {
            error = client::FromGrpcStatus(status);
          } else if (response.records_size() == 0) {
            error = absl::InternalError(absl::StrCat("Fetch of partition ", slice.partition, " at ",
                                                     offset, " returned no records"));
          }
          if (!error.ok()) {
            absl::MutexLock lock(&mu);
            if (first_error.ok()) first_error = error;
            return;
          }
          int64_t counted = 0;
          const int64_t bytes = PayloadBytes(response.records(), slice.end, &counted);
          meter.Add(counted, bytes);
          offset = response.records(response.records_size() - 1).offset() + 1;
        }
      }
    });
  }
  for (std::thread& t : workers) t.join();
  meter.Stop();
  absl::MutexLock lock(&mu);
  return first_error;
}

}  // namespace

int RunPerfConsume(const std::vector<std::string>& args) {
  CommonFlags common;
  std::string topic = "perf-test", mode = "subscribe", client_kind = "raw";
  int64_t batch_size = 5000, concurrency = 1, subscribers = 1;
  bool cold = false;
  ArgParser parser(
      "eventlog perf consume", "[flags]",
      "Measures consume throughput: reads an existing topic from its earliest offset up to "
      "the high watermarks seen at start and prints records/s and MB/s (10^6 bytes of keys "
      "+ values). A progress line goes to stderr every second.");
  parser.AddString("topic", &topic, "topic to read");
  parser.AddString("mode", &mode, "subscribe (push stream) or fetch (unary Fetch calls)");
  parser.AddInt("batch_size", &batch_size,
                "records per pushed batch (max_batch_records) or per Fetch (max_records)");
  parser.AddInt("concurrency", &concurrency, "--mode fetch: parallel fetchers");
  parser.AddString("client", &client_kind,
                   "--mode subscribe: raw (the generated stub) or library (client::Consumer::Poll)");
  parser.AddInt("subscribers", &subscribers,
                "--mode subscribe --client raw: subscribers, each on its own connection and "
                "reading every record (fan-out); the summary adds the slowest and fastest");
  parser.AddBool("cold", &cold,
                 "drop the page cache before reading (sync + /proc/sys/vm/drop_caches; needs "
                 "root), so that the broker reads from the disk");
  AddCommonFlags(parser, &common);
  std::vector<std::string> pos;
  if (auto r = parser.Parse(args, &pos, 0, 0); r != ArgParser::Result::kOk) return ExitCodeFor(r);
  if (mode != "subscribe" && mode != "fetch") {
    parser.UsageError("--mode must be subscribe or fetch");
    return kExitUsage;
  }
  if (client_kind != "raw" && client_kind != "library") {
    parser.UsageError("--client must be raw or library");
    return kExitUsage;
  }
  if (batch_size < 1 || batch_size > (1 << 30) || concurrency < 1 || subscribers < 1 ||
      subscribers > 10000) {
    parser.UsageError("--batch_size, --concurrency and --subscribers must be >= 1");
    return kExitUsage;
  }
  if (subscribers > 1 && (mode != "subscribe" || client_kind != "raw")) {
    parser.UsageError("--subscribers goes with --mode subscribe --client raw");
    return kExitUsage;
  }

  auto client = MakeClient(common);
  auto earliest = client->ListOffsets(topic, v1::OFFSET_SPEC_EARLIEST);
  if (!earliest.ok())
    return ReportError(absl::StrCat("perf consume '", topic, "'"), earliest.status());
  auto latest = client->ListOffsets(topic, v1::OFFSET_SPEC_LATEST);
  if (!latest.ok()) return ReportError(absl::StrCat("perf consume '", topic, "'"), latest.status());
  std::vector<PartitionRange> ranges(earliest->size());
  for (const v1::PartitionOffset& o : *earliest) {
    if (o.partition() < 0 || static_cast<size_t>(o.partition()) >= ranges.size()) continue;
    ranges[static_cast<size_t>(o.partition())] = {o.partition(), o.offset(), o.offset()};
  }
  int64_t total = 0;
  for (const v1::PartitionOffset& o : *latest) {
    if (o.partition() < 0 || static_cast<size_t>(o.partition()) >= ranges.size()) continue;
    PartitionRange& range = ranges[static_cast<size_t>(o.partition())];
    range.end = o.offset();
    total += std::max<int64_t>(0, range.end - range.begin);
  }
  if (total == 0) {
    return ReportError(
        "perf consume",
        absl::FailedPreconditionError(absl::StrCat(
            "topic '", topic, "' has no records; fill it with `eventlog perf produce`")));
  }

  if (cold) {
    if (absl::Status dropped = DropPageCache(); !dropped.ok()) {
      return ReportError("perf consume --cold", dropped);
    }
  }
  PerfMeter meter("received", nullptr);
  const int32_t batch = static_cast<int32_t>(batch_size);
  std::vector<double> seconds;  // per subscriber, with --subscribers
  absl::Status status;
  if (mode == "fetch") {
    status = ConsumeByFetch(*client, topic, ranges, batch, concurrency, meter);
  } else if (client_kind == "library") {
    status = ConsumeByLibrary(*client, topic, ranges, batch, meter);
  } else if (subscribers > 1) {
    status = ConsumeByFanOut(common, topic, ranges, batch, subscribers, meter, &seconds);
  } else {
    meter.Start();
    status = ConsumeBySubscribe(*client, topic, ranges, batch, meter);
    meter.Stop();
  }
  if (!status.ok()) return ReportError("perf consume", status);
  std::string details;
  if (mode == "fetch") absl::StrAppend(&details, ", ", concurrency, " fetchers");
  if (!seconds.empty()) {
    const auto [fastest, slowest] = std::minmax_element(seconds.begin(), seconds.end());
    absl::StrAppendFormat(&details, ", %d subscribers: each %.0f - %.0f records/s",
                          static_cast<int>(seconds.size()),
                          static_cast<double>(total) / std::max(*slowest, 1e-9),
                          static_cast<double>(total) / std::max(*fastest, 1e-9));
  }
  if (cold) absl::StrAppend(&details, ", page cache dropped first");
  std::printf("perf consume: %s (mode %s, client %s, batches of %d, %d partitions%s)\n",
              meter.RateSummary().c_str(), mode.c_str(), client_kind.c_str(), batch,
              static_cast<int>(ranges.size()), details.c_str());
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace eventlog::cli
