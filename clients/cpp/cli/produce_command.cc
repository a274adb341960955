// eventlog produce: records from stdin, one per line, pipelined through the
// Producer; prints "partition offset" for each record as it is acknowledged
// (flushed as acks arrive, so a caller can follow them live). At the first
// failed record it stops reading stdin (unlike Kafka's console producer,
// which goes on: with the broker gone every later line would fail too, and
// a script would wait on a command that never gives up); the records already
// sent still finish, so each line sent is either acknowledged on stdout or
// named, by its input line number, on stderr. Then it exits with status 1.
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

// A sent record: its input line number (1-based) and its future.
struct SentRecord {
  int64_t line = 0;
  client::RecordFuture future;
};

// Sent records in send order, handed from the stdin reader to the ack printer.
class AckQueue {
 public:
  // Sends the record of `line` with `send` (returning its future) and queues
  // it, unless StopSending() was called: then sends nothing, returns false.
  template <typename SendFn>
  bool SendAndPush(int64_t line, SendFn send) {
    absl::MutexLock gate(&send_mu_);
    if (!sending_) return false;
    client::RecordFuture future = send();
    absl::MutexLock lock(&mu_);
    queue_.push_back(SentRecord{line, std::move(future)});
    return true;
  }
  // Once this returns, nothing more is sent or queued (it waits for a send
  // under way).
  void StopSending() {
    absl::MutexLock gate(&send_mu_);
    sending_ = false;
  }
  // The reader is done: nothing more is queued. `end_of_input`: it read
  // all of stdin.
  void Finish(bool end_of_input) {
    absl::MutexLock lock(&mu_);
    finished_ = true;
    end_of_input_ = end_of_input;
  }
  bool end_of_input() {
    absl::MutexLock lock(&mu_);
    return end_of_input_;
  }
  // Takes the oldest future. With `wait`, waits for one; false once finished
  // and drained (or, without `wait`, when none is queued).
  bool Pop(SentRecord& out, bool wait) {
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

  absl::Mutex send_mu_;  // held while sending, apart from mu_ so Pop never waits on a send
  bool sending_ ABSL_GUARDED_BY(send_mu_) = true;
  absl::Mutex mu_;
  std::deque<SentRecord> queue_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool end_of_input_ ABSL_GUARDED_BY(mu_) = false;
};

// Reports failed records, one stderr line per run of consecutive input lines
// that failed with the same status (a failed request fails all its records).
class FailureReporter {
 public:
  void Add(int64_t line, const absl::Status& status) {
    ++failed_;
    if (first_ > 0 && line == last_ + 1 && status == status_) {
      last_ = line;
      return;
    }
    Flush();
    first_ = last_ = line;
    status_ = status;
  }
  void Flush() {
    if (first_ == 0) return;
    ReportError(first_ == last_ ? absl::StrCat("produce: line ", first_)
                                : absl::StrCat("produce: lines ", first_, "-", last_),
                status_);
    std::fflush(stderr);
    first_ = last_ = 0;
  }
  int64_t failed() const { return failed_; }

 private:
  int64_t first_ = 0, last_ = 0;  // 0: no run pending
  absl::Status status_;
  int64_t failed_ = 0;
};

// Prints acks in order and reports failures by input line. After the first
// failure, stops the sending, drains what was sent, and exits the process
// with kExitError: the stdin reader may be blocked on a quiet pipe.
void PrintAcks(AckQueue& queue, bool quiet) {
  FailureReporter failures;
  SentRecord sent;
  int64_t last_line = 0;
  while (true) {
    if (!queue.Pop(sent, /*wait=*/false)) {
      std::fflush(stdout);  // show what is acked before waiting
      failures.Flush();
      if (failures.failed() > 0) break;  // nothing more will be queued
      if (!queue.Pop(sent, /*wait=*/true)) break;
    }
    if (!sent.future.ready()) {  // show what is known before waiting
      std::fflush(stdout);
      failures.Flush();
    }
    last_line = sent.line;
    absl::StatusOr<client::RecordMetadata> ack = sent.future.Get();
    if (!ack.ok()) {
      if (failures.failed() == 0) queue.StopSending();
      failures.Add(sent.line, ack.status());
      continue;
    }
    if (!quiet) std::printf("%d %lld\n", ack->partition, static_cast<long long>(ack->offset));
  }
  std::fflush(stdout);
  if (failures.failed() == 0) return;
  std::fprintf(stderr, "eventlog: produce: %lld of %lld records sent failed%s\n",
               static_cast<long long>(failures.failed()), static_cast<long long>(last_line),
               queue.end_of_input()
                   ? ""
                   : absl::StrCat("; no line after line ", last_line, " was sent").c_str());
  std::fflush(stderr);
  std::_Exit(kExitError);
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
      "record as it is acknowledged. A record that fails is reported on stderr by its input "
      "line number (1-based) with the server's reason; then no more input is read, the records "
      "already sent finish (their acks printed, their failures named) and the exit status is "
      "1. With --keyed (or --key_separator) each line is "
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
  bool end_of_input = true;
  v1::Record record;
  int64_t line_number = 0;
  while ((length = getline(&line, &capacity, stdin)) >= 0) {
    ++line_number;
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
    const bool sent = queue.SendAndPush(line_number, [&] {
      if (prototype.headers_size() == 0) {
        return (*producer)->Send(key, value, target);  // reuses pooled records
      }
      record = prototype;
      record.set_key(key.data(), key.size());
      record.set_value(value.data(), value.size());
      return (*producer)->Send(std::move(record), target);
    });
    if (!sent) {  // a record failed: the printer ends the process
      end_of_input = false;
      break;
    }
  }
  std::free(line);
  absl::Status closed = (*producer)->Close();
  queue.Finish(end_of_input);
  printer.join();  // exits the process itself if a record failed
  if (!closed.ok()) return ReportError("produce", closed);
  return kExitOk;
}

}  // namespace eventlog::cli
