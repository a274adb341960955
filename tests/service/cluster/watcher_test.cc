// Watcher against a real etcd: changes from a revision on, in order, with a
// transaction's changes together; compaction reported; Stop().
#include "service/cluster/etcd/watcher.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "tests/service/cluster/recorder.h"
#include "tests/service/cluster/shared_etcd.h"
#include "tests/test_util.h"

namespace eventlog::etcd {
namespace {

using ::eventlog::testing::NewSharedEtcdClient;
using ::eventlog::testing::Recorder;
using ::eventlog::testing::StatusIs;
using ::eventlog::testing::TestPrefix;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A watch event as "put KEY=VALUE@REVISION" / "delete KEY@REVISION", with
// the test's prefix cut off.
std::string Describe(const WatchEvent& event, const std::string& prefix) {
  const std::string key = event.kv.key.substr(prefix.size());
  const std::string revision = std::to_string(event.kv.mod_revision);
  return event.type == WatchEvent::Type::kPut ? "put " + key + "=" + event.kv.value + "@" + revision
                                              : "delete " + key + "@" + revision;
}

class WatcherTest : public ::testing::Test {
 protected:
  std::unique_ptr<Watcher> Watch(const KeyRange& range, int64_t start_revision) {
    WatcherOptions options;
    options.range = range;
    options.start_revision = start_revision;
    options.on_events = [this](const std::vector<WatchEvent>& events) {
      std::vector<std::string> batch;
      for (const WatchEvent& event : events) batch.push_back(Describe(event, prefix_));
      batches_.Add(batch);  // first: tests wait on events_
      for (std::string& event : batch) events_.Add(std::move(event));
    };
    options.on_end = [this](const WatchEnd& end) { ends_.Add(end); };
    absl::StatusOr<std::unique_ptr<Watcher>> watcher =
        Watcher::Start(client_.get(), std::move(options));
    EXPECT_OK(watcher);
    return watcher.ok() ? std::move(*watcher) : nullptr;
  }

  int64_t Put(const std::string& key, const std::string& value) {
    absl::StatusOr<PutResult> put = client_->Put(prefix_ + key, value);
    EXPECT_OK(put);
    return put.ok() ? put->revision : 0;
  }

  std::unique_ptr<EtcdClient> client_ = NewSharedEtcdClient();
  const std::string prefix_ = TestPrefix();
  Recorder<std::string> events_;
  Recorder<std::vector<std::string>> batches_;
  Recorder<WatchEnd> ends_;
};

TEST_F(WatcherTest, DeliversThePrefixsChangesFromTheStartRevisionInOrder) {
  const int64_t before = Put("dir/a", "0");  // before the start: not delivered
  const int64_t r1 = Put("dir/a", "1");
  TxnRequest txn;
  txn.then_ops = {TxnOp::Put(prefix_ + "dir/b", "2"), TxnOp::Put(prefix_ + "dir/c", "3")};
  absl::StatusOr<TxnResult> r2 = client_->Txn(txn);
  ASSERT_OK(r2);
  Put("elsewhere", "x");  // outside the prefix: not delivered
  absl::StatusOr<DeleteResult> r3 = client_->Delete(KeyRange::Key(prefix_ + "dir/a"));
  ASSERT_OK(r3);
  ASSERT_GT(r1, before);

  std::unique_ptr<Watcher> watcher = Watch(KeyRange::Prefix(prefix_ + "dir/"), r1);
  // Changes after the watch started come after the history.
  const int64_t r4 = Put("dir/b", "4");

  const std::string rev1 = std::to_string(r1), rev2 = std::to_string(r2->revision),
                    rev3 = std::to_string(r3->revision), rev4 = std::to_string(r4);
  EXPECT_THAT(events_.WaitForCount(5),
              ElementsAre("put dir/a=1@" + rev1, "put dir/b=2@" + rev2, "put dir/c=3@" + rev2,
                          "delete dir/a@" + rev3, "put dir/b=4@" + rev4));
  // The transaction's two puts arrived in one batch.
  bool together = false;
  for (const std::vector<std::string>& batch : batches_.values()) {
    const auto b = std::find(batch.begin(), batch.end(), "put dir/b=2@" + rev2);
    together |= b != batch.end() && b + 1 != batch.end() && *(b + 1) == "put dir/c=3@" + rev2;
  }
  EXPECT_TRUE(together);
  EXPECT_EQ(watcher->next_revision(), r4 + 1);
  EXPECT_THAT(ends_.values(), IsEmpty());
}

TEST_F(WatcherTest, ReportsCompactionOfItsStartRevisionAndEnds) {
  const int64_t old_revision = Put("k", "1");
  const int64_t compacted_at = Put("k", "2");
  ASSERT_OK(client_->Compact(compacted_at));

  std::unique_ptr<Watcher> watcher = Watch(KeyRange::Key(prefix_ + "k"), old_revision);
  const std::vector<WatchEnd> ends = ends_.WaitForCount(1);
  ASSERT_EQ(ends.size(), 1u);
  EXPECT_THAT(ends[0].status, StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_EQ(ends[0].compact_revision, compacted_at);
  EXPECT_THAT(events_.values(), IsEmpty());

  // The owner's recovery: read afresh and watch from the read's revision + 1.
  absl::StatusOr<RangeResult> read = client_->Range(KeyRange::Key(prefix_ + "k"));
  ASSERT_OK(read);
  EXPECT_EQ(read->kvs[0].value, "2");
  std::unique_ptr<Watcher> again = Watch(KeyRange::Key(prefix_ + "k"), read->revision + 1);
  const int64_t r3 = Put("k", "3");
  EXPECT_THAT(events_.WaitForCount(1), ElementsAre("put k=3@" + std::to_string(r3)));
}

TEST_F(WatcherTest, NothingIsDeliveredAfterStop) {
  const int64_t start = Put("k", "1");
  std::unique_ptr<Watcher> watcher = Watch(KeyRange::Key(prefix_ + "k"), start);
  ASSERT_EQ(events_.WaitForCount(1).size(), 1u);
  watcher->Stop();
  Put("k", "2");
  // A second watcher sees the put, so the first one would have by then.
  std::unique_ptr<Watcher> witness = Watch(KeyRange::Key(prefix_ + "k"), start + 1);
  EXPECT_EQ(events_.WaitForCount(2).size(), 2u);
  witness->Stop();
  EXPECT_EQ(events_.values().size(), 2u);
}

TEST_F(WatcherTest, StartRevisionBelowOneIsInvalid) {
  WatcherOptions options;
  options.range = KeyRange::Key("k");
  options.on_events = [](const std::vector<WatchEvent>&) {};
  EXPECT_THAT(Watcher::Start(client_.get(), std::move(options)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace eventlog::etcd
