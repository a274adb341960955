// fault_loop: a seeded, Jepsen-style fault loop against a replicated cluster
// (issue 14; docs/CLUSTER.md, "Fault tests"). etcd and three brokers (each
// in a network namespace of its own when run as root; see NetworkLab), a
// topic of --partitions partitions with three replicas, --min_insync_replicas=2.
// Producers (ACKS_ALL, keyed), a subscriber per partition, a consumer group
// and a commit watcher run while the Nemesis kills, restarts and
// partitions brokers for --duration_s; then everything is healed, the
// producers stop, the readers catch up, and the Checker judges the history.
//
//   fault_loop --seed=7 --duration_s=300        a long run
//   fault_loop --check=FILE                     checks a recorded history again
//
// Exit status: 0 correct, 1 violations (the history is kept and its path
// printed), 2 the run could not be made.
#include <filesystem>
#include <iostream>
#include <memory>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/service/cluster/broker_cluster.h"
#include "tests/service/cluster/cluster_client.h"
#include "tests/service/cluster/faults/checker.h"
#include "tests/service/cluster/faults/commit_watcher.h"
#include "tests/service/cluster/faults/group_member.h"
#include "tests/service/cluster/faults/history.h"
#include "tests/service/cluster/faults/nemesis.h"
#include "tests/service/cluster/faults/producer.h"
#include "tests/service/cluster/faults/subscriber.h"
#include "tests/service/cluster/network_lab.h"
#include "tests/temp_dir.h"

ABSL_FLAG(uint64_t, seed, 1, "seeds the faults and the clients' choices");
ABSL_FLAG(int, duration_s, 20, "seconds of faults");
ABSL_FLAG(int, partitions, 3, "partitions of the topic (three replicas each)");
ABSL_FLAG(int, producers, 2, "ACKS_ALL producers");
ABSL_FLAG(int, members, 2, "members of the consumer group");
ABSL_FLAG(bool, network, true, "partition brokers in network namespaces when the machine allows");
ABSL_FLAG(std::string, history, "", "where to write the history (kept); default: a temp file, "
                                    "kept only when the check fails");
ABSL_FLAG(std::string, check, "", "only check this recorded history");

namespace eventlog::testing::faults {
namespace {

constexpr char kTopic[] = "faults";

int CheckHistory(const std::string& path) {
  absl::StatusOr<std::vector<std::vector<std::string>>> lines = History::Load(path);
  if (!lines.ok()) {
    std::cerr << lines.status() << std::endl;
    return 2;
  }
  Checker checker(*lines);
  const std::vector<std::string> violations = checker.Check();
  std::cout << "fault_loop: " << checker.summary() << std::endl;
  for (const std::string& violation : violations) std::cout << "VIOLATION: " << violation << "\n";
  std::cout << "fault_loop: " << (violations.empty() ? "correct" : "INCORRECT") << std::endl;
  return violations.empty() ? 0 : 1;
}

// Waits until `done()` or `timeout`; whether it happened.
template <typename Done>
bool WaitFor(Done done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return true;
}

// Every partition of the topic led, with three replicas in sync.
bool Healthy(const std::string& address) {
  absl::StatusOr<v1::GetMetadataResponse> metadata = Metadata(address, kTopic);
  if (!metadata.ok() || metadata->topics_size() != 1) return false;
  for (const v1::PartitionMetadata& partition : metadata->topics(0).partitions()) {
    if (partition.leader() <= 0 || partition.isr_size() != 3) return false;
  }
  return true;
}

int Run() {
  const uint64_t seed = absl::GetFlag(FLAGS_seed);
  const int partitions = absl::GetFlag(FLAGS_partitions);
  std::unique_ptr<NetworkLab> lab;
  if (absl::GetFlag(FLAGS_network)) {
    absl::StatusOr<std::unique_ptr<NetworkLab>> made = NetworkLab::Create(4);
    if (made.ok()) {
      lab = *std::move(made);
    } else {
      std::cout << "fault_loop: no network partitions (" << made.status().message()
                << "): the faults are kills and restarts only" << std::endl;
      if (!absl::IsFailedPrecondition(made.status())) return 2;
    }
  }
  BrokerClusterOptions options;
  options.flags = {"--replica_lag_time_max_ms=3000", "--min_insync_replicas=2",
                   "--default_replication_factor=3", "--offsets_topic_partitions=3"};
  if (lab != nullptr) {
    options.etcd_host = lab->ip(0);
    options.etcd_netns = lab->netns(0);
    for (int i = 0; i < 3; ++i) {
      options.broker_hosts.push_back(lab->ip(i + 1));
      options.broker_netns.push_back(lab->netns(i + 1));
    }
  }
  absl::StatusOr<std::unique_ptr<BrokerCluster>> started = BrokerCluster::Start(options);
  if (!started.ok()) {
    std::cerr << "fault_loop: cannot start the cluster: " << started.status() << std::endl;
    return 2;
  }
  BrokerCluster& cluster = **started;
  if (absl::Status created = CreateTopic(cluster.address(0), kTopic, partitions, 3);
      !created.ok()) {
    std::cerr << "fault_loop: cannot create the topic: " << created << std::endl;
    return 2;
  }
  TempDir dir;
  const std::string history_path = absl::GetFlag(FLAGS_history).empty()
                                       ? absl::StrCat(dir.path(), "/history.tsv")
                                       : absl::GetFlag(FLAGS_history);
  History history(history_path);
  history.Note(absl::StrCat("seed ", seed, ", ", absl::GetFlag(FLAGS_duration_s), " s, ",
                            partitions, " partitions, network partitions ",
                            lab != nullptr ? "on" : "off"));

  std::vector<std::string> brokers;
  for (int i = 0; i < cluster.size(); ++i) brokers.push_back(cluster.address(i));
  std::vector<std::unique_ptr<Producer>> producers;
  std::vector<std::unique_ptr<Subscriber>> subscribers;
  std::vector<std::unique_ptr<GroupMember>> members;
  for (int i = 0; i < absl::GetFlag(FLAGS_producers); ++i) {
    producers.push_back(std::make_unique<Producer>(absl::StrCat("p", i), brokers, kTopic,
                                                   seed * 1000 + i, &history));
  }
  for (int p = 0; p < partitions; ++p) {
    subscribers.push_back(
        std::make_unique<Subscriber>(brokers, kTopic, p, seed * 1000 + 100 + p, &history));
  }
  for (int i = 0; i < absl::GetFlag(FLAGS_members); ++i) {
    members.push_back(std::make_unique<GroupMember>(absl::StrCat("group-", i), brokers, kTopic,
                                                    seed * 1000 + 200 + i, &history));
  }
  CommitWatcher commits(brokers, kTopic, seed * 1000 + 300, &history);
  for (auto& worker : producers) worker->Start();
  for (auto& worker : subscribers) worker->Start();
  for (auto& worker : members) worker->Start();
  commits.Start();

  Nemesis nemesis(&cluster, lab.get(), seed, &history);
  const absl::Status faulted = nemesis.Run(absl::Seconds(absl::GetFlag(FLAGS_duration_s)));
  if (!faulted.ok()) {
    std::cerr << "fault_loop: the nemesis failed: " << faulted << std::endl;
    return 2;
  }
  history.Note("healing");
  const absl::Time healing = absl::Now();
  if (absl::Status ready = cluster.WaitForMembership(absl::Seconds(60)); !ready.ok()) {
    history.Note(absl::StrCat("the brokers did not agree on the membership: ", ready.message()));
  }
  const bool healthy = WaitFor([&] { return Healthy(cluster.address(0)); }, absl::Seconds(60));
  history.Note(absl::StrCat(healthy ? "every partition in sync" : "NOT every partition in sync",
                            " after ", absl::FormatDuration(absl::Now() - healing)));
  absl::SleepFor(absl::Seconds(2));  // produce a little into the healed cluster
  for (auto& worker : producers) worker->Stop();

  std::map<int32_t, int64_t> ends;
  for (int p = 0; p < partitions; ++p) {
    absl::StatusOr<std::vector<v1::Record>> records = FetchAll(cluster.address(p % 3), kTopic, p);
    if (!records.ok()) {
      std::cerr << "fault_loop: cannot read partition " << p << ": " << records.status()
                << "\n"
                << cluster.LogTails(200) << std::endl;
      return 2;
    }
    for (const v1::Record& record : *records) {
      history.Read("final", p, record.offset(), record.key(), record.value());
    }
    ends[p] = records->empty() ? 0 : records->back().offset() + 1;
    history.Final(p, ends[p]);
  }
  const bool caught_up = WaitFor(
      [&] {
        const std::map<int32_t, int64_t> committed = commits.last();
        for (int p = 0; p < partitions; ++p) {
          auto it = committed.find(p);
          if (subscribers[p]->next() < ends[p] || it == committed.end() || it->second < ends[p]) {
            return false;
          }
        }
        return true;
      },
      absl::Seconds(30));
  history.Note(caught_up ? "readers caught up" : "readers did NOT catch up in 30 s");
  for (auto& worker : members) worker->Stop();
  for (auto& worker : subscribers) worker->Stop();
  commits.Stop();
  commits.ReadOnce();

  std::cout << "fault_loop: seed " << seed << ", " << nemesis.faults() << " faults"
            << (lab != nullptr ? " (kills, isolations, cuts from etcd and between brokers)"
                               : " (kills)")
            << std::endl;
  const int verdict = CheckHistory(history_path);
  if (verdict != 0) {
    std::string kept = history_path;
    if (absl::GetFlag(FLAGS_history).empty()) {
      kept = absl::StrCat(std::filesystem::temp_directory_path().string(),
                          "/eventlog-fault-loop-seed", seed, "-", getpid(), ".tsv");
      std::filesystem::copy_file(history_path, kept,
                                 std::filesystem::copy_options::overwrite_existing);
    }
    std::cout << "fault_loop: history kept in " << kept << " (fault_loop --check=" << kept
              << ")\n"
              << cluster.LogTails(30) << std::endl;
  }
  return verdict;
}

}  // namespace
}  // namespace eventlog::testing::faults

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  if (!absl::GetFlag(FLAGS_check).empty()) {
    return eventlog::testing::faults::CheckHistory(absl::GetFlag(FLAGS_check));
  }
  return eventlog::testing::faults::Run();
}
