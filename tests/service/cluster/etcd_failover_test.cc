// The etcd client layer while etcd members fail: each test runs its own
// cluster and kills members with SIGKILL. Streams (watches, keepalives) on a
// dead member move to a live one and resume; unary calls go to live members.
#include <memory>
#include <string>
#include <vector>

#include "service/cluster/etcd/etcd_client.h"
#include "service/cluster/etcd/lease_keeper.h"
#include "service/cluster/etcd/range_mirror.h"
#include "service/cluster/etcd/watcher.h"
#include "tests/service/cluster/etcd_cluster.h"
#include "tests/service/cluster/mirrored_range.h"
#include "tests/service/cluster/recorder.h"
#include "tests/test_util.h"

namespace eventlog::etcd {
namespace {

using ::eventlog::testing::EtcdCluster;
using ::eventlog::testing::MirroredRange;
using ::eventlog::testing::Recorder;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::Pair;

std::unique_ptr<EtcdClient> NewClient(const EtcdCluster& cluster) {
  EtcdClientOptions options;
  options.endpoints = cluster.endpoints();
  options.call_timeout = absl::Seconds(3);
  return std::move(EtcdClient::Create(options)).value();
}

// A watcher that records "KEY=VALUE" per put event.
struct RecordingWatcher {
  RecordingWatcher(EtcdClient* client, const KeyRange& range, int64_t start_revision) {
    WatcherOptions options;
    options.range = range;
    options.start_revision = start_revision;
    options.on_events = [this](const std::vector<WatchEvent>& batch) {
      for (const WatchEvent& event : batch) events.Add(event.kv.key + "=" + event.kv.value);
    };
    options.on_end = [this](const WatchEnd& end) { ends.Add(end.status); };
    watcher = std::move(Watcher::Start(client, std::move(options))).value();
  }

  Recorder<std::string> events;
  Recorder<absl::Status> ends;
  std::unique_ptr<Watcher> watcher;
};

// A keeper holding one key on its lease.
struct RegisteredKeeper {
  RegisteredKeeper(EtcdClient* client, const std::string& key, int64_t ttl_seconds) : key(key) {
    LeaseKeeperOptions options;
    options.ttl_seconds = ttl_seconds;
    options.on_lost = [this](int64_t lease) { lost.Add(lease); };
    options.on_granted = [this](int64_t lease) { granted.Add(lease); };
    keeper = std::move(LeaseKeeper::Create(client, std::move(options))).value();
    lease = keeper->Start().value();
    EXPECT_OK(client->Put(key, "registered", lease));
  }

  std::string key;
  int64_t lease = 0;
  Recorder<int64_t> lost;
  Recorder<int64_t> granted;
  std::unique_ptr<LeaseKeeper> keeper;
};

bool Exists(EtcdClient& client, const std::string& key) {
  absl::StatusOr<RangeResult> read = client.Range(KeyRange::Key(key));
  EXPECT_OK(read);
  return read.ok() && !read->kvs.empty();
}

// Sets `key` from value-1 to `value` by compare-and-swap, retrying (within
// a generous deadline) while etcd is failing over. A swap whose reply was
// lost may have been applied: the read tells.
void IncrementTo(EtcdClient& client, const std::string& key, int value) {
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline) {
    absl::StatusOr<RangeResult> read = client.Range(KeyRange::Key(key));
    if (!read.ok()) {
      absl::SleepFor(absl::Milliseconds(50));
      continue;
    }
    const std::string current = read->kvs.empty() ? "0" : read->kvs[0].value;
    if (current == std::to_string(value)) return;
    ASSERT_EQ(current, std::to_string(value - 1));
    TxnRequest swap;
    swap.compares = {Compare::Unchanged(key, read->kvs.empty() ? 0 : read->kvs[0].mod_revision)};
    swap.then_ops = {TxnOp::Put(key, std::to_string(value))};
    absl::StatusOr<TxnResult> result = client.Txn(swap);
    if (result.ok() && result->succeeded) return;
    absl::SleepFor(absl::Milliseconds(50));
  }
  FAIL() << "could not set " << key << " to " << value;
}

TEST(EtcdFailoverTest, WatcherAndKeeperResumeAfterALoneMemberRestarts) {
  absl::StatusOr<std::unique_ptr<EtcdCluster>> cluster = EtcdCluster::Start(1);
  ASSERT_OK(cluster);
  std::unique_ptr<EtcdClient> client = NewClient(**cluster);
  RegisteredKeeper registered(client.get(), "/brokers/1", 5);
  absl::StatusOr<PutResult> first = client->Put("/meta/k", "1");
  ASSERT_OK(first);
  RecordingWatcher watch(client.get(), KeyRange::Prefix("/meta/"), first->revision);
  ASSERT_EQ(watch.events.WaitForCount(1).size(), 1u);

  (*cluster)->Kill(0);
  ASSERT_OK((*cluster)->Restart(0));
  ASSERT_OK(client->Put("/meta/k", "2"));

  // From the revision after the last delivered: no repeat of k=1, no gap.
  EXPECT_THAT(watch.events.WaitForCount(2), ElementsAre("/meta/k=1", "/meta/k=2"));
  EXPECT_THAT(watch.ends.values(), IsEmpty());
  // The lease outlived the outage (etcd renews leases when a leader takes
  // over) and is kept alive again: it outlasts another two TTLs.
  absl::SleepFor(absl::Seconds(2 * 5 + 1));
  EXPECT_TRUE(Exists(*client, registered.key));
  EXPECT_EQ(registered.keeper->lease_id(), registered.lease);
  EXPECT_THAT(registered.lost.values(), IsEmpty());
}

// etcd out of reach for longer than the TTL: the keeper cannot know whether
// etcd still has the lease, declares it lost, and once etcd is back revokes
// it (its key goes) and grants a new one.
TEST(EtcdFailoverTest, KeeperReplacesItsLeaseAfterAnOutageLongerThanTheTtl) {
  absl::StatusOr<std::unique_ptr<EtcdCluster>> cluster = EtcdCluster::Start(1);
  ASSERT_OK(cluster);
  std::unique_ptr<EtcdClient> client = NewClient(**cluster);
  RegisteredKeeper registered(client.get(), "/brokers/1", 2);
  (*cluster)->Kill(0);

  EXPECT_THAT(registered.lost.WaitForCount(1), ElementsAre(registered.lease));
  EXPECT_EQ(registered.keeper->lease_id(), 0);
  ASSERT_OK((*cluster)->Restart(0));

  // The replacement comes once etcd answers again.
  const std::vector<int64_t> replacements = registered.granted.WaitForCount(1);
  ASSERT_EQ(replacements.size(), 1u);
  EXPECT_NE(replacements[0], registered.lease);
  EXPECT_EQ(registered.keeper->lease_id(), replacements[0]);
  absl::StatusOr<LeaseInfo> info = client->LeaseTimeToLive(replacements[0]);
  ASSERT_OK(info);
  EXPECT_GT(info->ttl_seconds, 0);
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  // The old lease is gone, and its key with it (revoked, or expired).
  while (Exists(*client, registered.key) && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_FALSE(Exists(*client, registered.key));
}

// A mirror whose member goes down while the history it would resume from is
// compacted: on reconnecting its watch is refused, and it reads afresh.
TEST(EtcdFailoverTest, MirrorReadsAfreshWhenItsResumePointWasCompactedWhileItsMemberWasDown) {
  absl::StatusOr<std::unique_ptr<EtcdCluster>> cluster = EtcdCluster::Start(3);
  ASSERT_OK(cluster);
  std::unique_ptr<EtcdClient> client = NewClient(**cluster);
  // A follower, so that the others' writes go on at once while it is down
  // (a write just after the leader's death may wait out its deadline).
  absl::StatusOr<int> leader = (*cluster)->LeaderIndex();
  ASSERT_OK(leader);
  const int follower = (*leader + 1) % 3;
  // The mirror talks to that member only, so its watch stops while it is down.
  EtcdClientOptions only_follower;
  only_follower.endpoints = (*cluster)->endpoint(follower);
  std::unique_ptr<EtcdClient> mirror_client = std::move(EtcdClient::Create(only_follower)).value();
  MirroredRange copy;
  RangeMirrorOptions options;
  options.range = KeyRange::Prefix("/meta/");
  options.on_reset = [&copy](const RangeResult& snapshot) { copy.Reset(snapshot); };
  options.on_events = [&copy](const std::vector<WatchEvent>& events) { copy.Apply(events); };
  ASSERT_OK(client->Put("/meta/a", "1"));
  std::unique_ptr<RangeMirror> mirror =
      std::move(RangeMirror::Start(mirror_client.get(), std::move(options))).value();
  ASSERT_OK(client->Put("/meta/b", "1"));
  copy.WaitUntil([](const auto& values) { return values.contains("/meta/b"); });
  ASSERT_EQ(copy.resets(), 1);

  (*cluster)->Kill(follower);
  ASSERT_OK(client->Delete(KeyRange::Key("/meta/a")));
  absl::StatusOr<PutResult> last = client->Put("/meta/c", "2");
  ASSERT_OK(last);
  ASSERT_OK(client->Compact(last->revision));
  ASSERT_OK((*cluster)->Restart(follower));

  EXPECT_THAT(copy.WaitUntil([](const auto& values) { return values.contains("/meta/c"); }),
              ElementsAre(Pair("/meta/b", "1"), Pair("/meta/c", "2")));
  EXPECT_EQ(copy.resets(), 2);
}

// Several keepers and watchers on one client, so that round-robin puts some
// of their streams on the member that is killed.
TEST(EtcdFailoverTest, ClientKeepersAndWatchersCarryOnWhenTheRaftLeaderIsKilled) {
  constexpr int kStreams = 6;
  constexpr int64_t kTtlSeconds = 5;
  absl::StatusOr<std::unique_ptr<EtcdCluster>> cluster = EtcdCluster::Start(3);
  ASSERT_OK(cluster);
  std::unique_ptr<EtcdClient> client = NewClient(**cluster);
  std::vector<std::unique_ptr<RegisteredKeeper>> keepers;
  for (int i = 0; i < kStreams; ++i) {
    keepers.push_back(std::make_unique<RegisteredKeeper>(
        client.get(), "/brokers/" + std::to_string(i), kTtlSeconds));
  }
  absl::StatusOr<RangeResult> start = client->Range(KeyRange::Prefix("/meta/"));
  ASSERT_OK(start);
  std::vector<std::unique_ptr<RecordingWatcher>> watchers;
  for (int i = 0; i < kStreams; ++i) {
    watchers.push_back(std::make_unique<RecordingWatcher>(client.get(), KeyRange::Prefix("/meta/"),
                                                          start->revision + 1));
  }
  IncrementTo(*client, "/meta/counter", 1);
  for (auto& watcher : watchers) ASSERT_EQ(watcher->events.WaitForCount(1).size(), 1u);

  absl::StatusOr<int> leader = (*cluster)->LeaderIndex();
  ASSERT_OK(leader);
  const absl::Time killed_at = absl::Now();
  (*cluster)->Kill(*leader);

  // Writes and reads carry on through the election, on the same client.
  for (int value = 2; value <= 5; ++value) IncrementTo(*client, "/meta/counter", value);
  const std::vector<std::string> expected = {"/meta/counter=1", "/meta/counter=2",
                                             "/meta/counter=3", "/meta/counter=4",
                                             "/meta/counter=5"};
  for (auto& watcher : watchers) {
    EXPECT_THAT(watcher->events.WaitForCount(expected.size()), ElementsAreArray(expected));
    EXPECT_THAT(watcher->ends.values(), IsEmpty());
  }

  // Every lease is still the first one and holds its key two TTLs past the
  // kill (etcd's new leader renews leases once, so one TTL would not do).
  absl::SleepFor(killed_at + absl::Seconds(2 * kTtlSeconds + 1) - absl::Now());
  for (auto& registered : keepers) {
    EXPECT_TRUE(Exists(*client, registered->key)) << registered->key;
    EXPECT_EQ(registered->keeper->lease_id(), registered->lease);
    EXPECT_THAT(registered->lost.values(), IsEmpty());
  }
}

}  // namespace
}  // namespace eventlog::etcd
