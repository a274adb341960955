// eventlog produce: records from stdin, one per line, pipelined through the
// Producer; prints "partition offset" for each record as it is acknowledged
// (flushed as acks arrive, so a caller can follow them live).
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "clients/cpp/cli/arg_parser.h"
#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/cli/commands.h"
#include "clients/cpp/producer.h"
#include "clients/cpp/status_conversion.h"

namespace eventlog::cli {
namespace {

// Futures in send order, handed from the stdin reader to the ack printer.
class AckQueue {
 public:
  void Push(client::RecordFuture future) {
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(future));
  }
  void Finish() {
    absl::MutexLock lock(&mu_);
    finished_ = true;
  }
  // Takes the oldest future. With `wait`, waits for one; false once finished
  // and drained (or, without `wait`, when none is queued).
  bool Pop(client::RecordFuture& out, bool wait) {
    absl::MutexLock lock(&mu_);
    if (wait) mu_.Await(absl::Condition(this, &AckQueue::ReadyLocked));
    if (queue_.empty()) return false;
    out = std::move(queue_.front());
    queue_.pop_front();
    return true;
  }

 private:
  bool ReadyLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return finished_ || !queue_.empty();
  }

  absl::Mutex mu_;
  std::deque<client::RecordFuture> queue_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

// Prints acks in order. On the first failure reports it and exits the
// process: the stdin reader may be blocked on a quiet pipe.
void PrintAcks(AckQueue& queue, bool quiet) {
  client::RecordFuture future;
  while (true) {
    if (!queue.Pop(future, /*wait=*/false)) {
      std::fflush(stdout);  // show what is acked before waiting
      if (!queue.Pop(future, /*wait=*/true)) break;
    }
    if (!future.ready()) std::fflush(stdout);  // show what is acked before waiting
    absl::StatusOr<client::RecordMetadata> ack = future.Get();
    if (!ack.ok()) {
      ReportError("produce", ack.status());
      std::fflush(stderr);
      std::_Exit(kExitError);
    }
    if (!quiet) std::printf("%d %lld\n", ack->partition, static_cast<long long>(ack->offset));
  }
  std::fflush(stdout);
}

}  // namespace

int RunProduce(const std::vector<std::string>& args) {
  CommonFlags common;
  int64_t partition = -1, linger_ms = 5, batch_records = 1000, batch_bytes = 512 * 1024,
          max_in_flight = 4;
  bool keyed = false, quiet = false;
  std::string key_separator, acks = "all";
  std::vector<std::string> headers;
  ArgParser parser(
      "eventlog produce", "TOPIC [flags] < records",
      "Sends stdin to TOPIC, one record per line, and prints 'partition offset' for each "
      "record as it is acknowledged. With --keyed (or --key_separator) each line is "
      "KEY<separator>VALUE; a keyed record goes to murmur2(key) % partitions unless "
      "--partition is given.");
  parser.AddInt("partition", &partition, "send every record to this partition (-1 = route)");
  parser.AddBool("keyed", &keyed, "lines are KEY<TAB>VALUE (or --key_separator)");
  parser.AddString("key_separator", &key_separator,
                   "separator between key and value, C escapes allowed (enables --keyed)");
  parser.AddRepeated("header", &headers, "k=v header added to every record (repeatable)");
  parser.AddString("acks", &acks, "all (fsynced) or leader");
  parser.AddInt("linger_ms", &linger_ms, "how long a batch waits to fill");
  parser.AddInt("batch_records", &batch_records, "records per request at most");
  parser.AddInt("batch_bytes", &batch_bytes, "bytes per request at most");
  parser.AddInt("max_in_flight", &max_in_flight, "unanswered requests at most");
  parser.AddBool("quiet", &quiet, "do not print acknowledgements");
  AddCommonFlags(parser, &common);
  std::vector<std::string> pos;
  if (auto r = parser.Parse(args, &pos, 1, 1); r != ArgParser::Result::kOk) return ExitCodeFor(r);

  std::string separator = "\t";
  if (!key_separator.empty()) {
    keyed = true;
    std::string error;
    if (!absl::CUnescape(key_separator, &separator, &error) || separator.empty()) {
      parser.UsageError(absl::StrCat("bad --key_separator: ", error));
      return kExitUsage;
    }
  }
  client::ProducerOptions options;
  if (acks == "all") {
    options.acks = v1::ACKS_ALL;
  } else if (acks == "leader") {
    options.acks = v1::ACKS_LEADER;
  } else {
    parser.UsageError(absl::StrCat("--acks must be all or leader, got '", acks, "'"));
    return kExitUsage;
  }
  options.linger = absl::Milliseconds(linger_ms);
  options.batch_max_records = static_cast<int>(batch_records);
  options.batch_max_bytes = static_cast<size_t>(batch_bytes);
  options.max_in_flight = static_cast<int>(max_in_flight);
  v1::Record prototype;
  for (const std::string& h : headers) {
    const size_t eq = h.find('=');
    if (eq == std::string::npos) {
      parser.UsageError(absl::StrCat("--header wants k=v, got '", h, "'"));
      return kExitUsage;
    }
    v1::Header* header = prototype.add_headers();
    header->set_key(h.substr(0, eq));
    header->set_value(h.substr(eq + 1));
  }

  auto client = MakeClient(common);
  auto producer = client::Producer::Create(*client, pos[0], options);
  if (!producer.ok())
    return ReportError(absl::StrCat("produce to '", pos[0], "'"), producer.status());
  const int32_t target = static_cast<int32_t>(partition);
  if (target >= (*producer)->partition_count()) {
    return ReportError("produce", absl::InvalidArgumentError(absl::StrCat(
                                      "topic '", pos[0], "' has no partition ", target)));
  }

  AckQueue queue;
  std::thread printer(PrintAcks, std::ref(queue), quiet);
  char* line = nullptr;
  size_t capacity = 0;
  ssize_t length;
  v1::Record record;
  while ((length = getline(&line, &capacity, stdin)) >= 0) {
    absl::string_view text(line, static_cast<size_t>(length));
    if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    absl::string_view key;
    absl::string_view value = text;
    if (keyed) {
      if (size_t at = text.find(separator); at != absl::string_view::npos) {
        key = text.substr(0, at);
        value = text.substr(at + separator.size());
      }
    }
    if (prototype.headers_size() == 0) {
      queue.Push((*producer)->Send(key, value, target));  // reuses pooled records
    } else {
      record = prototype;
      record.set_key(key.data(), key.size());
      record.set_value(value.data(), value.size());
      queue.Push((*producer)->Send(std::move(record), target));
    }
  }
  std::free(line);
  absl::Status closed = (*producer)->Close();
  queue.Finish();
  printer.join();  // exits the process itself if a record failed
  if (!closed.ok()) return ReportError("produce", closed);
  return kExitOk;
}

}  // namespace eventlog::cli
