// eventlog consume: prints records of a topic, from explicit partitions or
// as a member of a group. By default it stops once it has caught up with the
// high watermarks it saw at start; --follow keeps tailing until interrupted.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clients/cpp/cli/arg_parser.h"
#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/cli/commands.h"
#include "clients/cpp/cli/record_formatter.h"
#include "clients/cpp/consumer.h"

namespace eventlog::cli {
namespace {

volatile std::sig_atomic_t g_stop = 0;
void OnStopSignal(int) { g_stop = 1; }

constexpr absl::Duration kPollSlice = absl::Milliseconds(200);
constexpr absl::Duration kIdleBeforeTailCheck = absl::Seconds(1);
constexpr absl::Duration kCommitInterval = absl::Seconds(5);
// The final commit at exit, when it fails retriably, is tried again after
// these pauses (doubling), for this long at most, before the error is fatal.
constexpr absl::Duration kFinalCommitFirstBackoff = absl::Milliseconds(250);
constexpr absl::Duration kFinalCommitRetryBudget = absl::Seconds(10);

using OffsetMap = absl::flat_hash_map<int32_t, int64_t>;

absl::StatusOr<OffsetMap> OffsetsAt(client::Client& client, const std::string& topic,
                                    v1::OffsetSpec spec, int64_t timestamp_ms) {
  auto offsets = client.ListOffsets(topic, spec, timestamp_ms);
  if (!offsets.ok()) return offsets.status();
  OffsetMap out;
  for (const v1::PartitionOffset& o : *offsets) out[o.partition()] = o.offset();
  return out;
}

// Where reading starts on each partition, resolved like the server does, to
// know which partitions are already caught up.
absl::StatusOr<OffsetMap> StartOffsets(client::Client& client, const std::string& topic,
                                       const Position& from, const std::string& group,
                                       bool reset_earliest, const OffsetMap& end) {
  switch (from.kind) {
    case Position::Kind::kEarliest:
      return OffsetsAt(client, topic, v1::OFFSET_SPEC_EARLIEST, 0);
    case Position::Kind::kLatest:
      return end;
    case Position::Kind::kTimestamp:
      return OffsetsAt(client, topic, v1::OFFSET_SPEC_TIMESTAMP, from.value);
    case Position::Kind::kOffset: {
      OffsetMap out;
      for (const auto& [p, _] : end) out[p] = from.value;
      return out;
    }
    case Position::Kind::kCommitted:
      break;
  }
  absl::StatusOr<OffsetMap> start =
      reset_earliest ? OffsetsAt(client, topic, v1::OFFSET_SPEC_EARLIEST, 0) : end;
  if (!start.ok()) return start.status();
  auto committed = client.FetchCommittedOffsets(group, topic);
  if (!committed.ok()) return committed.status();
  for (const v1::CommittedOffset& c : *committed) (*start)[c.partition()] = c.offset();
  return start;
}

// Errors of a commit that a later commit may not meet (as Kafka's consumers
// treat them): the broker or the coordinator out of reach, moving or loading
// its offsets (all UNAVAILABLE), a deadline, a conflict.
bool IsRetriableCommitError(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kAborted:
      return true;
    default:
      return false;
  }
}

}  // namespace

int RunConsume(const std::vector<std::string>& args) {
  CommonFlags common;
  std::vector<std::string> partition_args;
  std::string group, from, format = "text", reset = "latest";
  bool follow = false, print_keys = false, commit = true;
  int64_t max_records = 0, max_batch_records = 0;
  ArgParser parser(
      "eventlog consume", "TOPIC [flags]",
      "Prints TOPIC's records: the value per line (key<TAB>value with --print_keys), or one "
      "JSON object per line. Stops once caught up with the high watermarks seen at start, "
      "unless --follow. With --group the server assigns the partitions and the printed "
      "position is committed at exit (and every 5 s when following). A periodic commit that "
      "fails retriably (UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED) is a warning and is tried "
      "again at the next one; the commit at exit is retried for up to 10 s, then its error "
      "ends the command with status 1; other commit errors end it at once.");
  parser.AddRepeated("partition", &partition_args, "read this partition (repeatable; default all)");
  parser.AddString("group", &group, "consume as a member of this group");
  parser.AddString("from", &from,
                   "earliest, latest, offset:N, timestamp:MS or committed (default: earliest, "
                   "committed with --group)");
  parser.AddString("reset", &reset,
                   "with --group: where partitions without a committed offset start, latest "
                   "(as in the client libraries and Kafka) or earliest");
  parser.AddBool("follow", &follow, "keep waiting for new records until interrupted");
  parser.AddInt("max", &max_records, "stop after this many records (0 = no limit)");
  parser.AddString("format", &format, "text or json");
  parser.AddBool("print_keys", &print_keys, "text format: print key<TAB>value");
  parser.AddBool("commit", &commit, "with --group: commit the position at exit");
  parser.AddInt("max_batch_records", &max_batch_records,
                "records per pushed batch (0 = server default)");
  AddCommonFlags(parser, &common);
  std::vector<std::string> pos;
  if (auto r = parser.Parse(args, &pos, 1, 1); r != ArgParser::Result::kOk) return ExitCodeFor(r);
  const std::string& topic = pos[0];

  if (format != "text" && format != "json") {
    parser.UsageError(absl::StrCat("--format must be text or json, got '", format, "'"));
    return kExitUsage;
  }
  if (reset != "earliest" && reset != "latest") {
    parser.UsageError(absl::StrCat("--reset must be earliest or latest, got '", reset, "'"));
    return kExitUsage;
  }
  if (!group.empty() && !partition_args.empty()) {
    parser.UsageError("--group and --partition exclude each other");
    return kExitUsage;
  }
  if (from.empty()) from = group.empty() ? "earliest" : "committed";
  auto position = ParsePosition(from);
  if (!position.ok()) {
    parser.UsageError(absl::StrCat("--from: ", position.status().message()));
    return kExitUsage;
  }
  if (position->kind == Position::Kind::kCommitted && group.empty()) {
    parser.UsageError("--from committed needs --group");
    return kExitUsage;
  }
  std::vector<int32_t> partitions;
  for (const std::string& text : partition_args) {
    auto p = ParsePartition(text);
    if (!p.ok()) {
      parser.UsageError(absl::StrCat("--partition: ", p.status().message()));
      return kExitUsage;
    }
    partitions.push_back(*p);
  }

  auto client = MakeClient(common);
  auto description = client->DescribeTopic(topic);
  if (!description.ok()) {
    return ReportError(absl::StrCat("consume '", topic, "'"), description.status());
  }
  for (int32_t p : partitions) {
    if (p >= description->partitions_size()) {
      return ReportError("consume", absl::NotFoundError(absl::StrCat(
                                        "topic '", topic, "' has no partition ", p, " (it has ",
                                        description->partitions_size(), ")")));
    }
  }
  if (partitions.empty() && group.empty()) {
    for (int32_t p = 0; p < description->partitions_size(); ++p) partitions.push_back(p);
  }
  // An offset outside a partition's records is an error, as in the client
  // libraries (the broker ends such a subscription with OUT_OF_RANGE).
  if (position->kind == Position::Kind::kOffset) {
    for (const v1::PartitionInfo& info : description->partitions()) {
      const bool read = group.empty() ? std::find(partitions.begin(), partitions.end(),
                                                  info.partition()) != partitions.end()
                                      : true;
      if (read &&
          (position->value < info.log_start_offset() || position->value > info.high_watermark())) {
        return ReportError(
            absl::StrCat("consume '", topic, "'"),
            absl::OutOfRangeError(absl::StrCat(
                "offset ", position->value, " is outside partition ", info.partition(),
                "'s records [", info.log_start_offset(), ", ", info.high_watermark(), "]")));
      }
    }
  }

  // Bounded mode: the end of each partition as of now, and where we start.
  OffsetMap end, start;
  absl::flat_hash_map<int32_t, bool> done;
  if (!follow) {
    auto latest = OffsetsAt(*client, topic, v1::OFFSET_SPEC_LATEST, 0);
    if (!latest.ok()) return ReportError("list offsets", latest.status());
    end = *std::move(latest);
    auto first = StartOffsets(*client, topic, *position, group, reset == "earliest", end);
    if (!first.ok()) return ReportError("resolve start offsets", first.status());
    start = *std::move(first);
    for (const auto& [p, e] : end) done[p] = start[p] >= e;
  }

  client::ConsumerOptions options;
  options.group = group;
  options.partitions = group.empty() ? partitions : std::vector<int32_t>();
  options.reset_to = reset == "earliest" ? v1::START_FROM_EARLIEST : v1::START_FROM_LATEST;
  options.max_batch_records = static_cast<int32_t>(max_batch_records);
  options.auto_commit_interval = absl::ZeroDuration();  // commits what it printed, below
  options.log = [](absl::string_view line) {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
  };
  switch (position->kind) {
    case Position::Kind::kEarliest:
      options.start_from = v1::START_FROM_EARLIEST;
      break;
    case Position::Kind::kLatest:
      options.start_from = v1::START_FROM_LATEST;
      break;
    case Position::Kind::kOffset:
      options.start_from = v1::START_FROM_OFFSET;
      options.start_offset = position->value;
      break;
    case Position::Kind::kTimestamp:
      options.start_from = v1::START_FROM_TIMESTAMP;
      options.start_timestamp_ms = position->value;
      break;
    case Position::Kind::kCommitted:
      options.start_from = v1::START_FROM_COMMITTED;
      break;
  }
  auto consumer = client::Consumer::Create(*client, topic, options);
  if (!consumer.ok()) return ReportError("subscribe", consumer.status());

  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);

  // The partitions this process must catch up on.
  const auto relevant = [&]() -> std::vector<int32_t> {
    if (group.empty()) return partitions;
    const auto& assignment = (*consumer)->assignment();
    if (!assignment.has_value()) return {};
    return {assignment->partitions().begin(), assignment->partitions().end()};
  };
  const auto caught_up = [&]() {
    if (!group.empty() && !(*consumer)->assignment().has_value()) return false;
    for (int32_t p : relevant()) {
      if (!done[p]) return false;
    }
    return true;
  };

  OffsetMap printed;  // next offset after the last printed record, per partition
  const auto commit_printed = [&]() -> absl::Status {
    if (group.empty() || !commit) return absl::OkStatus();
    for (int32_t p : relevant()) {
      auto it = printed.find(p);
      if (it == printed.end()) continue;
      absl::Status status = (*consumer)->Commit(p, it->second);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  };
  // Records past `end` never come when the tail of a partition was compacted
  // away; after a quiet second, ask Fetch whether anything is left below end.
  const auto check_tails = [&]() {
    for (int32_t p : relevant()) {
      if (done[p]) continue;
      auto it = printed.find(p);
      v1::FetchRequest request;
      request.set_topic(topic);
      request.set_partition(p);
      request.set_offset(it != printed.end() ? it->second : start[p]);
      request.set_max_records(1);
      auto fetched = client->Fetch(request);
      if (fetched.ok() && (fetched->records().empty() || fetched->records(0).offset() >= end[p])) {
        done[p] = true;
      }
    }
  };

  RecordFormatter formatter(
      format == "json" ? RecordFormatter::Format::kJson : RecordFormatter::Format::kText,
      print_keys, topic);
  int64_t count = 0;
  absl::Time last_record = absl::Now();
  absl::Time last_commit = absl::Now();
  while (g_stop == 0) {
    if (!follow && caught_up()) break;
    auto record = (*consumer)->Poll(absl::ZeroDuration());
    if (record.ok() && *record == nullptr) {
      std::fflush(stdout);
      const absl::Time now = absl::Now();
      if (!follow && now - last_record >= kIdleBeforeTailCheck) {
        check_tails();
        last_record = now;
      }
      if (follow && now - last_commit >= kCommitInterval) {
        // During a rebalance the library defers the commit (and says so); a
        // retriable failure waits for the next commit, which carries the same
        // or newer positions.
        if (absl::Status status = commit_printed(); !status.ok()) {
          if (!IsRetriableCommitError(status)) return ReportError("commit", status);
          ReportWarning("commit", status, "; retrying at the next commit");
        }
        last_commit = now;
      }
      record = (*consumer)->Poll(kPollSlice);
    }
    if (!record.ok()) {
      if (g_stop != 0) break;
      return ReportError(absl::StrCat("consume '", topic, "'"), record.status());
    }
    if (*record == nullptr) continue;
    const v1::Record& r = **record;
    last_record = absl::Now();
    const int32_t p = r.partition();
    if (!follow) {
      if (r.offset() >= end[p]) {
        done[p] = true;
        continue;
      }
      if (r.offset() + 1 >= end[p]) done[p] = true;
    }
    const std::string& line = formatter.Render(r);
    std::fwrite(line.data(), 1, line.size(), stdout);
    printed[p] = r.offset() + 1;
    if (max_records > 0 && ++count >= max_records) break;
  }
  std::fflush(stdout);
  // Still a member while retrying, so the commit keeps its generation.
  absl::Status status = commit_printed();
  const absl::Time give_up = absl::Now() + kFinalCommitRetryBudget;
  for (absl::Duration backoff = kFinalCommitFirstBackoff;
       IsRetriableCommitError(status) && absl::Now() + backoff < give_up; backoff *= 2) {
    ReportWarning("commit", status, absl::StrCat("; retrying in ", absl::FormatDuration(backoff)));
    absl::SleepFor(backoff);
    status = commit_printed();
  }
  (*consumer)->Close();
  if (!status.ok()) return ReportError("commit", status);
  return kExitOk;
}

}  // namespace eventlog::cli
