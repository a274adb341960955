// subscribe_bench: figures of the subscription engine against a real
// eventlogd on 127.0.0.1 (started here, with its data in a temp dir; client
// and server share the machine). Not run by ctest; prints one line per run
// and the medians. Scenarios:
//
//   idle     memory of N idle subscriptions (server VmRSS / RssAnon from
//            /proc/<pid>/status), spread over a few channels; then one record
//            is produced and the time until every subscription has it.
//   stalled  anonymous RSS growth of the server while 200 MB are produced
//            with one subscriber that never reads (and the same without it),
//            plus the produce throughput of both.
//   latency  one subscriber while records are produced at a fixed rate (one
//            record per Produce call, acks ALL, then LEADER): send ->
//            receipt, and produce ack -> receipt (0 when the record arrived
//            first: the high watermark moves before the fsync an ALL ack
//            waits for).
//   fanout   server CPU per delivered record with 1 and with 200 subscribers
//            of one partition, live (each produce wakes them all), with and
//            without the shared batch cache.
//
// Usage: subscribe_bench [--scenario=all|idle|stalled|latency|fanout] [--runs=3]
//        [--eventlogd=PATH] (see --help for the sizes).
#include <grpcpp/grpcpp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "eventlog/v1/eventlog.grpc.pb.h"

ABSL_FLAG(std::string, scenario, "all", "all, idle, stalled, latency or fanout");
ABSL_FLAG(int, runs, 3, "Runs of each scenario (a fresh eventlogd each); medians are printed.");
ABSL_FLAG(std::string, eventlogd, EVENTLOGD_PATH, "The eventlogd binary.");
ABSL_FLAG(int, idle_subscriptions, 10000, "idle: subscriptions.");
ABSL_FLAG(int, channels, 20, "idle: connections the subscriptions share.");
ABSL_FLAG(int, stalled_mb, 200, "stalled: MB (10^6 bytes of values) produced.");
ABSL_FLAG(int, rate, 10000, "latency: records per second.");
ABSL_FLAG(int, latency_seconds, 5, "latency: how long to produce.");
ABSL_FLAG(int, fanout_subscribers, 200, "fanout: subscribers of the partition.");
ABSL_FLAG(int, fanout_records, 100000, "fanout: records produced (10 per request).");

extern char** environ;

namespace {

namespace v1 = ::eventlog::v1;
using Clock = std::chrono::steady_clock;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "subscribe_bench: %s\n", message.c_str());
  std::exit(1);
}

// ---- the server -----------------------------------------------------------

// One eventlogd child process with its data in a fresh temp dir.
class Server {
 public:
  explicit Server(std::vector<std::string> extra_args) {
    char dir[] = "/tmp/subscribe-bench-XXXXXX";
    if (mkdtemp(dir) == nullptr) Die("mkdtemp failed");
    dir_ = dir;
    const std::string binary = absl::GetFlag(FLAGS_eventlogd);
    std::vector<std::string> args = {binary, "--listen=127.0.0.1:0",
                                     absl::StrCat("--data_dir=", dir_, "/data")};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    int fds[2];
    if (pipe(fds) != 0) Die("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    if (posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ) != 0) {
      Die(absl::StrCat("cannot start ", binary));
    }
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    std::string output;
    const std::string marker = "listening on ";
    while (output.find('\n', output.find(marker)) == std::string::npos ||
           output.find(marker) == std::string::npos) {
      pollfd pfd{fds[0], POLLIN, 0};
      char buffer[512];
      if (poll(&pfd, 1, 30000) <= 0) Die("eventlogd did not start");
      const ssize_t n = read(fds[0], buffer, sizeof(buffer));
      if (n <= 0) Die(absl::StrCat("eventlogd exited: ", output));
      output.append(buffer, static_cast<size_t>(n));
    }
    const size_t at = output.find(marker) + marker.size();
    address_ = output.substr(at, output.find('\n', at) - at);
    stdout_fd_ = fds[0];
    drain_ = std::thread([fd = stdout_fd_] {
      char buffer[512];
      while (read(fd, buffer, sizeof(buffer)) > 0) {
      }
    });
  }

  ~Server() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    drain_.join();
    close(stdout_fd_);
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  const std::string& address() const { return address_; }

  // A field of /proc/<pid>/status in bytes (e.g. "VmRSS", "RssAnon").
  int64_t StatusBytes(const std::string& field) const {
    std::ifstream in(absl::StrCat("/proc/", pid_, "/status"));
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind(field + ":", 0) == 0) {
        std::istringstream values(line.substr(field.size() + 1));
        int64_t kb = 0;
        values >> kb;
        return kb * 1024;
      }
    }
    return -1;
  }

  // User + system CPU seconds used so far.
  double CpuSeconds() const {
    std::ifstream in(absl::StrCat("/proc/", pid_, "/stat"));
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
    }
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  }

 private:
  std::string dir_;
  pid_t pid_ = 0;
  std::string address_;
  int stdout_fd_ = -1;
  std::thread drain_;
};

std::shared_ptr<grpc::Channel> Connect(const Server& server, int id) {
  grpc::ChannelArguments args;
  args.SetInt("subscribe_bench.channel", id);  // one connection per id
  args.SetMaxReceiveMessageSize(64 << 20);
  return grpc::CreateCustomChannel(server.address(), grpc::InsecureChannelCredentials(), args);
}

void CreateTopic(v1::EventLog::Stub& stub, const std::string& name, int partitions) {
  v1::CreateTopicRequest request;
  request.set_name(name);
  request.set_partitions(partitions);
  v1::TopicDescription response;
  grpc::ClientContext context;
  grpc::Status status = stub.CreateTopic(&context, request, &response);
  if (!status.ok()) Die(absl::StrCat("CreateTopic: ", status.error_message()));
}

void ProduceOrDie(v1::EventLog::Stub& stub, const v1::ProduceRequest& request) {
  v1::ProduceResponse response;
  grpc::ClientContext context;
  grpc::Status status = stub.Produce(&context, request, &response);
  if (!status.ok()) Die(absl::StrCat("Produce: ", status.error_message()));
}

// ---- subscribers ----------------------------------------------------------

// Counts what every subscriber of a run received.
class Tally {
 public:
  void Ready() {
    absl::MutexLock lock(&mu_);
    ++ready_;
  }
  void Received(int64_t records) {
    absl::MutexLock lock(&mu_);
    received_ += records;
  }
  void Ended() {
    absl::MutexLock lock(&mu_);
    ++ended_;
  }
  void AwaitReady(int count) {
    absl::MutexLock lock(&mu_);
    auto done = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return ready_ >= count; };
    if (!mu_.AwaitWithTimeout(absl::Condition(&done), absl::Minutes(5))) {
      Die(absl::StrCat("only ", ready_, " of ", count, " subscriptions started"));
    }
  }
  void AwaitReceived(int64_t count) {
    absl::MutexLock lock(&mu_);
    auto done = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return received_ >= count; };
    if (!mu_.AwaitWithTimeout(absl::Condition(&done), absl::Minutes(5))) {
      Die(absl::StrCat("only ", received_, " of ", count, " records arrived"));
    }
  }
  void AwaitEnded(int count) {
    absl::MutexLock lock(&mu_);
    auto done = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return ended_ >= count; };
    mu_.AwaitWithTimeout(absl::Condition(&done), absl::Minutes(1));
  }

 private:
  absl::Mutex mu_;
  int ready_ ABSL_GUARDED_BY(mu_) = 0;
  int ended_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t received_ ABSL_GUARDED_BY(mu_) = 0;
};

// One Subscribe stream on the callback API. `stall`: reads one message and
// then nothing more. `receipts`: for each record, its value is parsed as a
// sequence number and the receipt time stored at that index.
class Subscriber final : public grpc::ClientReadReactor<v1::SubscribeResponse> {
 public:
  Subscriber(v1::EventLog::Stub* stub, const v1::SubscribeRequest& request, Tally* tally,
             bool stall = false, std::vector<int64_t>* receipts = nullptr)
      : request_(request), tally_(tally), stall_(stall), receipts_(receipts) {
    stub->async()->Subscribe(&context_, &request_, this);
    StartRead(&response_);
    StartCall();
  }

  void Cancel() { context_.TryCancel(); }

  void OnReadInitialMetadataDone(bool /*ok*/) override { tally_->Ready(); }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    if (response_.has_records()) {
      if (receipts_ != nullptr) {
        const int64_t now = NowNs();
        for (const v1::Record& record : response_.records().records()) {
          const size_t seq = std::stoul(record.value());
          if (seq < receipts_->size()) (*receipts_)[seq] = now;
        }
      }
      tally_->Received(response_.records().records_size());
    }
    if (!stall_) StartRead(&response_);
  }
  void OnDone(const grpc::Status& /*status*/) override { tally_->Ended(); }

 private:
  grpc::ClientContext context_;
  v1::SubscribeRequest request_;
  v1::SubscribeResponse response_;
  Tally* const tally_;
  const bool stall_;
  std::vector<int64_t>* const receipts_;
};

// A set of subscribers that are cancelled and awaited on destruction.
class Subscribers {
 public:
  Subscribers() = default;
  ~Subscribers() {
    for (auto& subscriber : subscribers_) subscriber->Cancel();
    tally_.AwaitEnded(static_cast<int>(subscribers_.size()));
  }
  void Add(v1::EventLog::Stub* stub, const v1::SubscribeRequest& request, bool stall = false,
           std::vector<int64_t>* receipts = nullptr) {
    subscribers_.push_back(std::make_unique<Subscriber>(stub, request, &tally_, stall, receipts));
  }
  Tally& tally() { return tally_; }
  int size() const { return static_cast<int>(subscribers_.size()); }

 private:
  Tally tally_;
  std::vector<std::unique_ptr<Subscriber>> subscribers_;
};

v1::SubscribeRequest Latest(const std::string& topic) {
  v1::SubscribeRequest request;
  request.set_topic(topic);
  request.set_start_from(v1::START_FROM_LATEST);
  return request;
}

// ---- figures --------------------------------------------------------------

double Quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t at = std::min(values.size() - 1, static_cast<size_t>(q * values.size()));
  return values[at];
}

// name -> one value per run.
using Figures = std::map<std::string, std::vector<double>>;

void PrintRun(const std::string& scenario, int run, const std::map<std::string, double>& values,
              Figures* figures) {
  std::vector<std::string> parts;
  for (const auto& [name, value] : values) {
    parts.push_back(absl::StrFormat("%s=%.4g", name, value));
    (*figures)[name].push_back(value);
  }
  std::printf("%s run %d: %s\n", scenario.c_str(), run, absl::StrJoin(parts, " ").c_str());
  std::fflush(stdout);
}

void PrintMedians(const std::string& scenario, const Figures& figures) {
  std::printf("%s medians of %d runs:\n", scenario.c_str(), absl::GetFlag(FLAGS_runs));
  for (const auto& [name, values] : figures) {
    std::vector<double> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    std::printf("  %-40s %12.4g   [%.4g .. %.4g]\n", name.c_str(), Quantile(values, 0.5),
                sorted.front(), sorted.back());
  }
  std::fflush(stdout);
}

// ---- scenarios ------------------------------------------------------------

std::map<std::string, double> RunIdle() {
  Server server({});
  const int count = absl::GetFlag(FLAGS_idle_subscriptions);
  const int channel_count = absl::GetFlag(FLAGS_channels);
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<v1::EventLog::Stub>> stubs;
  for (int i = 0; i < channel_count; ++i) {
    channels.push_back(Connect(server, i));
    stubs.push_back(v1::EventLog::NewStub(channels.back()));
  }
  CreateTopic(*stubs[0], "idle", 8);
  absl::SleepFor(absl::Milliseconds(300));
  const int64_t rss_before = server.StatusBytes("VmRSS");
  const int64_t anon_before = server.StatusBytes("RssAnon");
  std::map<std::string, double> result;
  {
    Subscribers subscribers;
    for (int i = 0; i < count; ++i) {
      subscribers.Add(stubs[i % channel_count].get(), Latest("idle"));
    }
    subscribers.tally().AwaitReady(count);
    absl::SleepFor(absl::Milliseconds(500));
    const int64_t rss = server.StatusBytes("VmRSS");
    const int64_t anon = server.StatusBytes("RssAnon");
    result["server_rss_MiB"] = static_cast<double>(rss) / (1 << 20);
    result["server_rss_growth_MiB"] = static_cast<double>(rss - rss_before) / (1 << 20);
    result["server_anon_growth_MiB"] = static_cast<double>(anon - anon_before) / (1 << 20);
    result["bytes_per_subscription"] = static_cast<double>(rss - rss_before) / count;
    // They are live: one record to every partition reaches all of them.
    const absl::Time start = absl::Now();
    for (int p = 0; p < 8; ++p) {
      v1::ProduceRequest request;
      request.set_topic("idle");
      request.set_partition(p);
      request.add_records()->set_value("0");
      ProduceOrDie(*stubs[0], request);
    }
    subscribers.tally().AwaitReceived(int64_t{count} * 8);
    result["fanout_8_records_ms"] = absl::ToDoubleMilliseconds(absl::Now() - start);
  }
  return result;
}

// Produces `megabytes` of 1 KiB values in requests of 100 records (acks
// LEADER); returns MB/s. Samples the server's RssAnon into *peak.
double ProduceMegabytes(const Server& server, v1::EventLog::Stub& stub, const std::string& topic,
                        int megabytes, int64_t* peak_anon) {
  v1::ProduceRequest request;
  request.set_topic(topic);
  request.set_partition(0);
  request.set_acks(v1::ACKS_LEADER);
  for (int i = 0; i < 100; ++i) request.add_records()->set_value(std::string(1000, 'v'));
  std::atomic<bool> done{false};
  std::thread sampler([&] {
    while (!done) {
      *peak_anon = std::max(*peak_anon, server.StatusBytes("RssAnon"));
      absl::SleepFor(absl::Milliseconds(20));
    }
  });
  const int requests = megabytes * 10;  // 100 KB each
  const absl::Time start = absl::Now();
  for (int i = 0; i < requests; ++i) ProduceOrDie(stub, request);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  done = true;
  sampler.join();
  *peak_anon = std::max(*peak_anon, server.StatusBytes("RssAnon"));
  return megabytes / seconds;
}

std::map<std::string, double> RunStalled() {
  const int megabytes = absl::GetFlag(FLAGS_stalled_mb);
  std::map<std::string, double> result;
  for (const bool stalled : {false, true}) {
    Server server({});
    auto stub = v1::EventLog::NewStub(Connect(server, 0));
    CreateTopic(*stub, "stall", 1);
    // Warm up the produce path, so that its buffers are not counted.
    int64_t warmup_peak = 0;
    ProduceMegabytes(server, *stub, "stall", 10, &warmup_peak);
    absl::SleepFor(absl::Milliseconds(300));
    Subscribers subscribers;
    if (stalled) {
      v1::SubscribeRequest request;
      request.set_topic("stall");
      request.set_start_from(v1::START_FROM_EARLIEST);
      subscribers.Add(stub.get(), request, /*stall=*/true);
      subscribers.tally().AwaitReady(1);
      subscribers.tally().AwaitReceived(1);
    }
    const int64_t before = server.StatusBytes("RssAnon");
    int64_t peak = before;
    const double mb_per_s = ProduceMegabytes(server, *stub, "stall", megabytes, &peak);
    const std::string prefix = stalled ? "stalled_" : "no_subscriber_";
    result[prefix + "anon_growth_peak_MiB"] = static_cast<double>(peak - before) / (1 << 20);
    result[prefix + "produce_MB_per_s"] = mb_per_s;
  }
  return result;
}

// A Produce call in flight.
struct ProduceCall {
  grpc::ClientContext context;
  v1::ProduceRequest request;
  v1::ProduceResponse response;
};

// Produces one record per call at --rate with `acks`; figures prefixed with
// `prefix`.
void MeasureLatency(v1::Acks acks, const std::string& prefix,
                    std::map<std::string, double>* result) {
  Server server({});
  auto stub = v1::EventLog::NewStub(Connect(server, 0));
  auto subscriber_stub = v1::EventLog::NewStub(Connect(server, 1));
  CreateTopic(*stub, "latency", 1);
  const int rate = absl::GetFlag(FLAGS_rate);
  const size_t count = static_cast<size_t>(rate) * absl::GetFlag(FLAGS_latency_seconds);
  std::vector<int64_t> sent(count, 0), acked(count, 0), received(count, 0);
  std::vector<std::unique_ptr<ProduceCall>> calls(count);
  Subscribers subscribers;
  subscribers.Add(subscriber_stub.get(), Latest("latency"), false, &received);
  subscribers.tally().AwaitReady(1);

  std::atomic<size_t> acks_received{0};
  const auto interval = std::chrono::nanoseconds(1'000'000'000 / rate);
  const Clock::time_point start = Clock::now();
  for (size_t seq = 0; seq < count; ++seq) {
    std::this_thread::sleep_until(start + interval * seq);
    calls[seq] = std::make_unique<ProduceCall>();
    ProduceCall* call = calls[seq].get();
    call->request.set_topic("latency");
    call->request.set_acks(acks);
    call->request.add_records()->set_value(std::to_string(seq));
    sent[seq] = NowNs();
    stub->async()->Produce(&call->context, &call->request, &call->response,
                           [seq, &acked, &acks_received](grpc::Status status) {
                             if (!status.ok()) Die("Produce failed");
                             acked[seq] = NowNs();
                             ++acks_received;
                           });
  }
  subscribers.tally().AwaitReceived(static_cast<int64_t>(count));
  while (acks_received < count) absl::SleepFor(absl::Milliseconds(1));

  std::vector<double> end_to_end, after_ack;
  int early = 0;
  const size_t warmup = std::min<size_t>(1000, count / 10);
  for (size_t seq = warmup; seq < count; ++seq) {
    end_to_end.push_back((received[seq] - sent[seq]) / 1e6);
    after_ack.push_back(std::max<int64_t>(0, received[seq] - acked[seq]) / 1e6);
    if (received[seq] < acked[seq]) ++early;
  }
  (*result)[prefix + "ack_to_receipt_p50_ms"] = Quantile(after_ack, 0.5);
  (*result)[prefix + "ack_to_receipt_p99_ms"] = Quantile(after_ack, 0.99);
  (*result)[prefix + "ack_to_receipt_p999_ms"] = Quantile(after_ack, 0.999);
  (*result)[prefix + "send_to_receipt_p50_ms"] = Quantile(end_to_end, 0.5);
  (*result)[prefix + "send_to_receipt_p99_ms"] = Quantile(end_to_end, 0.99);
  (*result)[prefix + "received_before_ack_pct"] =
      100.0 * early / static_cast<double>(after_ack.size());
}

std::map<std::string, double> RunLatency() {
  std::map<std::string, double> result;
  MeasureLatency(v1::ACKS_ALL, "all_", &result);
  MeasureLatency(v1::ACKS_LEADER, "leader_", &result);
  return result;
}

// Server CPU seconds to take `records` produced live (10 per request) and
// deliver them to `subscribers` subscribers of the partition.
double FanoutCpu(const std::vector<std::string>& server_args, int subscribers_count, int records) {
  Server server(server_args);
  auto stub = v1::EventLog::NewStub(Connect(server, 0));
  auto subscriber_stub = v1::EventLog::NewStub(Connect(server, 1));
  CreateTopic(*stub, "fan", 1);
  Subscribers subscribers;
  for (int i = 0; i < subscribers_count; ++i) subscribers.Add(subscriber_stub.get(), Latest("fan"));
  subscribers.tally().AwaitReady(subscribers_count);
  v1::ProduceRequest request;
  request.set_topic("fan");
  request.set_partition(0);
  request.set_acks(v1::ACKS_LEADER);
  for (int i = 0; i < 10; ++i) request.add_records()->set_value(std::string(100, 'f'));
  const double cpu_before = server.CpuSeconds();
  for (int i = 0; i < records / 10; ++i) ProduceOrDie(*stub, request);
  subscribers.tally().AwaitReceived(int64_t{records} * subscribers_count);
  return server.CpuSeconds() - cpu_before;
}

std::map<std::string, double> RunFanout() {
  const int records = absl::GetFlag(FLAGS_fanout_records);
  const int many = absl::GetFlag(FLAGS_fanout_subscribers);
  std::map<std::string, double> result;
  const double produce_only = FanoutCpu({}, 0, records);
  const double one = FanoutCpu({}, 1, records) - produce_only;
  const double shared = FanoutCpu({}, many, records) - produce_only;
  const double unshared = FanoutCpu({"--subscribe_cache_bytes=0"}, many, records) - produce_only;
  result["cpu_us_per_record_1_subscriber"] = 1e6 * one / records;
  result[absl::StrCat("cpu_us_per_record_", many, "_subscribers")] = 1e6 * shared / records;
  result[absl::StrCat("cpu_us_per_record_", many, "_no_cache")] = 1e6 * unshared / records;
  result[absl::StrCat("cost_", many, "_vs_1")] = shared / one;
  result[absl::StrCat("cost_", many, "_no_cache_vs_1")] = unshared / one;
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // As eventlogd does: Debian's Abseil keeps Mutex deadlock detection on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  signal(SIGPIPE, SIG_IGN);
  const std::string scenario = absl::GetFlag(FLAGS_scenario);
  const int runs = absl::GetFlag(FLAGS_runs);
  const std::vector<std::pair<std::string, std::map<std::string, double> (*)()>> scenarios = {
      {"idle", RunIdle}, {"stalled", RunStalled}, {"latency", RunLatency}, {"fanout", RunFanout}};
  bool ran = false;
  for (const auto& [name, run] : scenarios) {
    if (scenario != "all" && scenario != name) continue;
    ran = true;
    Figures figures;
    for (int i = 1; i <= runs; ++i) PrintRun(name, i, run(), &figures);
    PrintMedians(name, figures);
  }
  if (!ran) Die(absl::StrCat("unknown --scenario ", scenario));
  return 0;
}
