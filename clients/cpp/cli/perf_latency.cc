// eventlog perf latency: end-to-end latency at a fixed rate
// (perf_latency_run.h), or with --sweep at rising rates until the p99 passes
// a bound or the producer cannot keep up: the knee of the latency curve.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/cpp/cli/arg_parser.h"
#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/cli/perf_commands.h"
#include "clients/cpp/cli/perf_latency_run.h"
#include "clients/cpp/cli/perf_util.h"

namespace eventlog::cli {
namespace {

double Millis(int64_t nanos) { return static_cast<double>(nanos) / 1e6; }

struct SweepFlags {
  bool enabled = false;
  int64_t max_rate = 1000000;
  int64_t step_percent = 50;  // each step's rate is this much above the last
  int64_t p99_bound_ms = 5;
  int64_t step_seconds = 3;
};

// A stop reason, or nullopt to go on.
std::optional<std::string> PastTheKnee(const SweepFlags& sweep, int64_t rate,
                                       const LatencyRun& run) {
  if (Millis(run.end_to_end.Quantile(0.99)) > static_cast<double>(sweep.p99_bound_ms)) {
    return absl::StrCat("p99 above ", sweep.p99_bound_ms, " ms");
  }
  if (run.sent_per_second < 0.9 * static_cast<double>(rate)) {
    return absl::StrFormat("the producer kept up with only %.0f records/s", run.sent_per_second);
  }
  return std::nullopt;
}

int RunSweep(client::Client& client, LatencyRunOptions options, const SweepFlags& sweep) {
  std::printf("perf latency sweep: p99 bound %d ms, steps of +%d%% from %d records/s, %d s each "
              "(%d-byte values, batches of %d)\n",
              static_cast<int>(sweep.p99_bound_ms), static_cast<int>(sweep.step_percent),
              static_cast<int>(options.rate), static_cast<int>(sweep.step_seconds),
              static_cast<int>(options.record_size), static_cast<int>(options.batch_size));
  options.progress = false;
  std::optional<std::string> knee;  // the last step within the bound
  std::string stop = absl::StrCat("reached --max_rate ", sweep.max_rate);
  for (int64_t rate = options.rate; rate <= sweep.max_rate;
       rate = std::max(rate + 1, rate * (100 + sweep.step_percent) / 100)) {
    options.rate = rate;
    options.records = std::max<int64_t>(rate * sweep.step_seconds, 1000);
    options.warmup = options.records / 10;
    LatencyRun run;
    absl::Status status = MeasureLatency(client, options, &run);
    if (!status.ok()) {
      // A subscriber that falls more than 10 s behind is a collapsed queue:
      // past the knee, not a failure of the tool.
      std::printf("rate %d records/s: %s\n", static_cast<int>(rate),
                  std::string(status.message()).c_str());
      stop = absl::StrCat("step at ", rate, " records/s failed");
      break;
    }
    const std::string line = absl::StrFormat(
        "%d records/s requested, %.0f sent: end-to-end %s; produce p99 %.2f ms",
        static_cast<int>(rate), run.sent_per_second, run.end_to_end.Summary(),
        Millis(run.produce.Quantile(0.99)));
    std::printf("rate %s\n", line.c_str());
    std::fflush(stdout);
    if (std::optional<std::string> why = PastTheKnee(sweep, rate, run)) {
      stop = absl::StrCat(*why, " at ", rate, " records/s");
      break;
    }
    knee = line;
  }
  if (knee) {
    std::printf("knee: %s (the highest rate within the bound; stopped: %s)\n", knee->c_str(),
                stop.c_str());
  } else {
    std::printf("knee: none, the first step is past the bound (%s)\n", stop.c_str());
  }
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace

int RunPerfLatency(const std::vector<std::string>& args) {
  CommonFlags common;
  LatencyRunOptions options;
  options.topic = "perf-latency";
  std::string acks = "all";
  int64_t partitions = 1;
  SweepFlags sweep;
  ArgParser parser(
      "eventlog perf latency", "[flags]",
      "Measures end-to-end latency: produces --rate records/s while a subscriber in the same "
      "process receives them, and prints the percentiles from the produce call to the "
      "subscriber's receipt (the first --warmup_records are not counted). With --sweep, "
      "repeats at rising rates until the p99 passes --p99_bound_ms or the producer cannot keep "
      "up, and prints the knee.");
  parser.AddString("topic", &options.topic, "topic (created with --partitions if missing)");
  parser.AddInt("rate", &options.rate, "records per second to produce (with --sweep: the first)");
  parser.AddInt("records", &options.records, "records to send in all (not with --sweep)");
  parser.AddInt("record_size", &options.record_size, "value bytes per record (at least 24)");
  parser.AddInt("batch_size", &options.batch_size, "records per produce request");
  parser.AddInt("warmup_records", &options.warmup, "first records left out of the percentiles");
  parser.AddInt("partitions", &partitions, "partitions when the topic is created");
  parser.AddString("acks", &acks, "all (fsynced) or leader");
  parser.AddBool("sweep", &sweep.enabled, "find the knee: steps of rising rate");
  parser.AddInt("max_rate", &sweep.max_rate, "--sweep: the last rate tried");
  parser.AddInt("step_percent", &sweep.step_percent, "--sweep: each rate this much above the last");
  parser.AddInt("p99_bound_ms", &sweep.p99_bound_ms, "--sweep: the p99 that ends the sweep");
  parser.AddInt("step_seconds", &sweep.step_seconds, "--sweep: seconds of records per step");
  AddCommonFlags(parser, &common);
  std::vector<std::string> pos;
  if (auto r = parser.Parse(args, &pos, 0, 0); r != ArgParser::Result::kOk) return ExitCodeFor(r);
  absl::StatusOr<v1::Acks> parsed_acks = ParsePerfAcks(acks);
  if (!parsed_acks.ok()) {
    parser.UsageError(parsed_acks.status().message());
    return kExitUsage;
  }
  options.acks = *parsed_acks;
  if (options.rate < 1 || options.records < 1 || options.batch_size < 1 || partitions < 1 ||
      options.warmup < 0 || options.record_size < kLatencyStampBytes) {
    parser.UsageError(
        "--rate, --records, --batch_size, --partitions must be >= 1, --record_size >= 24");
    return kExitUsage;
  }
  if (sweep.enabled && (sweep.max_rate < options.rate || sweep.step_percent < 1 ||
                        sweep.p99_bound_ms < 1 || sweep.step_seconds < 1)) {
    parser.UsageError(
        "--sweep wants --max_rate >= --rate, --step_percent, --p99_bound_ms, --step_seconds >= 1");
    return kExitUsage;
  }
  if (options.warmup >= options.records) options.warmup = 0;

  auto client = MakeClient(common);
  absl::StatusOr<int32_t> topic_partitions =
      EnsurePerfTopic(*client, options.topic, static_cast<int32_t>(partitions));
  if (!topic_partitions.ok()) {
    return ReportError(absl::StrCat("perf latency on '", options.topic, "'"),
                       topic_partitions.status());
  }
  if (sweep.enabled) return RunSweep(*client, options, sweep);

  LatencyRun run;
  absl::Status status = MeasureLatency(*client, options, &run);
  if (!status.ok()) return ReportError("perf latency", status);
  std::printf(
      "perf latency: %d records at %d records/s requested, %.0f records/s sent "
      "(%d-byte values, batches of %d, acks %s, %d partitions)\n",
      static_cast<int>(options.records), static_cast<int>(options.rate), run.sent_per_second,
      static_cast<int>(options.record_size), static_cast<int>(options.batch_size), acks.c_str(),
      *topic_partitions);
  std::printf("end-to-end latency: %s (%d samples)\n", run.end_to_end.Summary().c_str(),
              static_cast<int>(run.end_to_end.count()));
  std::printf("produce request latency: %s\n", run.produce.Summary().c_str());
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace eventlog::cli
