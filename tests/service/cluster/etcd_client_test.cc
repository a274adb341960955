// EtcdClient against a real one-member etcd: reads, writes, compare-and-swap
// transactions, compaction and leases.
#include "service/cluster/etcd/etcd_client.h"

#include <memory>
#include <string>
#include <variant>

#include "tests/service/cluster/shared_etcd.h"
#include "tests/test_util.h"

namespace eventlog::etcd {
namespace {

using ::eventlog::testing::IsOk;
using ::eventlog::testing::NewSharedEtcdClient;
using ::eventlog::testing::StatusIs;
using ::eventlog::testing::TestPrefix;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;
using Op = Compare::Op;

class EtcdClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<EtcdClient> client_ = NewSharedEtcdClient();
  const std::string prefix_ = TestPrefix();
};

TEST_F(EtcdClientTest, PutsAreReadBackWithTheirRevisionsAndVersion) {
  const std::string key = prefix_ + "k";
  absl::StatusOr<PutResult> first = client_->Put(key, "v1");
  ASSERT_OK(first);
  absl::StatusOr<PutResult> second = client_->Put(key, "v2");
  ASSERT_OK(second);
  EXPECT_GT(second->revision, first->revision);

  absl::StatusOr<RangeResult> read = client_->Range(KeyRange::Key(key));
  ASSERT_OK(read);
  EXPECT_GE(read->revision, second->revision);
  ASSERT_EQ(read->kvs.size(), 1u);
  const KeyValue& kv = read->kvs[0];
  EXPECT_EQ(kv.key, key);
  EXPECT_EQ(kv.value, "v2");
  EXPECT_EQ(kv.create_revision, first->revision);
  EXPECT_EQ(kv.mod_revision, second->revision);
  EXPECT_EQ(kv.version, 2);
  EXPECT_EQ(kv.lease, 0);
}

TEST_F(EtcdClientTest, MissingKeyReadsAsNothingAtTheCurrentRevision) {
  absl::StatusOr<PutResult> put = client_->Put(prefix_ + "other", "x");
  ASSERT_OK(put);
  absl::StatusOr<RangeResult> read = client_->Range(KeyRange::Key(prefix_ + "missing"));
  ASSERT_OK(read);
  EXPECT_THAT(read->kvs, IsEmpty());
  EXPECT_EQ(read->count, 0);
  EXPECT_GE(read->revision, put->revision);
}

TEST_F(EtcdClientTest, PrefixRangeReturnsOnlyKeysUnderThePrefixInKeyOrder) {
  ASSERT_OK(client_->Put(prefix_ + "dir/b", "2"));
  ASSERT_OK(client_->Put(prefix_ + "dir/a", "1"));
  ASSERT_OK(client_->Put(prefix_ + "dir/c", "3"));
  ASSERT_OK(client_->Put(prefix_ + "dir0", "not under dir/"));
  ASSERT_OK(client_->Put(prefix_ + "dir", "not under dir/ either"));

  absl::StatusOr<RangeResult> all = client_->Range(KeyRange::Prefix(prefix_ + "dir/"));
  ASSERT_OK(all);
  EXPECT_THAT(all->kvs, ElementsAre(Field(&KeyValue::value, "1"), Field(&KeyValue::value, "2"),
                                    Field(&KeyValue::value, "3")));
  EXPECT_EQ(all->count, 3);
  EXPECT_FALSE(all->more);

  absl::StatusOr<RangeResult> first_two =
      client_->Range(KeyRange::Prefix(prefix_ + "dir/"), RangeOptions{.limit = 2});
  ASSERT_OK(first_two);
  EXPECT_EQ(first_two->kvs.size(), 2u);
  EXPECT_EQ(first_two->count, 3);
  EXPECT_TRUE(first_two->more);
}

TEST_F(EtcdClientTest, RangeAtAPastRevisionSeesTheStoreAsItWas) {
  const std::string key = prefix_ + "k";
  absl::StatusOr<PutResult> old_put = client_->Put(key, "old");
  ASSERT_OK(old_put);
  ASSERT_OK(client_->Put(key, "new"));
  absl::StatusOr<RangeResult> past =
      client_->Range(KeyRange::Key(key), RangeOptions{.revision = old_put->revision});
  ASSERT_OK(past);
  ASSERT_EQ(past->kvs.size(), 1u);
  EXPECT_EQ(past->kvs[0].value, "old");
}

TEST_F(EtcdClientTest, DeleteRemovesOneKeyOrAWholePrefix) {
  ASSERT_OK(client_->Put(prefix_ + "a", "1"));
  ASSERT_OK(client_->Put(prefix_ + "d/1", "1"));
  ASSERT_OK(client_->Put(prefix_ + "d/2", "2"));

  absl::StatusOr<DeleteResult> one = client_->Delete(KeyRange::Key(prefix_ + "a"));
  ASSERT_OK(one);
  EXPECT_EQ(one->deleted, 1);
  absl::StatusOr<DeleteResult> none = client_->Delete(KeyRange::Key(prefix_ + "a"));
  ASSERT_OK(none);
  EXPECT_EQ(none->deleted, 0);
  absl::StatusOr<DeleteResult> prefix = client_->Delete(KeyRange::Prefix(prefix_ + "d/"));
  ASSERT_OK(prefix);
  EXPECT_EQ(prefix->deleted, 2);

  absl::StatusOr<RangeResult> left = client_->Range(KeyRange::Prefix(prefix_));
  ASSERT_OK(left);
  EXPECT_THAT(left->kvs, IsEmpty());
}

// The compare-and-swap every metadata change is built on: a write that
// holds only if the key is unchanged since it was read.
TEST_F(EtcdClientTest, CompareAndSwapSucceedsOnlyAgainstTheRevisionItRead) {
  const std::string key = prefix_ + "counter";
  ASSERT_OK(client_->Put(key, "1"));
  absl::StatusOr<RangeResult> read = client_->Range(KeyRange::Key(key));
  ASSERT_OK(read);
  const int64_t read_at = read->kvs[0].mod_revision;

  TxnRequest swap;
  swap.compares = {Compare::Unchanged(key, read_at)};
  swap.then_ops = {TxnOp::Put(key, "2")};
  swap.else_ops = {TxnOp::Get(KeyRange::Key(key))};
  absl::StatusOr<TxnResult> won = client_->Txn(swap);
  ASSERT_OK(won);
  EXPECT_TRUE(won->succeeded);
  ASSERT_EQ(won->results.size(), 1u);
  EXPECT_EQ(std::get<PutResult>(won->results[0]).revision, won->revision);

  // The same swap again: the key moved on, so the else branch runs and
  // shows what is there now.
  absl::StatusOr<TxnResult> lost = client_->Txn(swap);
  ASSERT_OK(lost);
  EXPECT_FALSE(lost->succeeded);
  ASSERT_EQ(lost->results.size(), 1u);
  const RangeResult& current = std::get<RangeResult>(lost->results[0]);
  ASSERT_EQ(current.kvs.size(), 1u);
  EXPECT_EQ(current.kvs[0].value, "2");
  EXPECT_EQ(current.kvs[0].mod_revision, won->revision);
}

TEST_F(EtcdClientTest, CompareAndCreateWinsOnlyWhileTheKeyIsMissing) {
  const std::string key = prefix_ + "owner";
  TxnRequest create;
  create.compares = {Compare::Missing(key)};
  create.then_ops = {TxnOp::Put(key, "first")};
  absl::StatusOr<TxnResult> first = client_->Txn(create);
  ASSERT_OK(first);
  EXPECT_TRUE(first->succeeded);

  create.then_ops = {TxnOp::Put(key, "second")};
  absl::StatusOr<TxnResult> second = client_->Txn(create);
  ASSERT_OK(second);
  EXPECT_FALSE(second->succeeded);
  EXPECT_THAT(second->results, IsEmpty());  // no else ops
  absl::StatusOr<RangeResult> read = client_->Range(KeyRange::Key(key));
  ASSERT_OK(read);
  EXPECT_EQ(read->kvs[0].value, "first");
}

bool Holds(EtcdClient& client, const Compare& compare) {
  TxnRequest txn;
  txn.compares = {compare};
  absl::StatusOr<TxnResult> result = client.Txn(txn);
  EXPECT_OK(result);
  return result.ok() && result->succeeded;
}

TEST_F(EtcdClientTest, EveryCompareTargetAndOperatorIsEvaluatedByEtcd) {
  const std::string key = prefix_ + "k";
  absl::StatusOr<PutResult> created = client_->Put(key, "b");
  ASSERT_OK(created);
  absl::StatusOr<PutResult> modified = client_->Put(key, "m");
  ASSERT_OK(modified);

  EXPECT_TRUE(Holds(*client_, Compare::Value(key, Op::kEqual, "m")));
  EXPECT_FALSE(Holds(*client_, Compare::Value(key, Op::kEqual, "b")));
  EXPECT_TRUE(Holds(*client_, Compare::Value(key, Op::kNotEqual, "b")));
  EXPECT_TRUE(Holds(*client_, Compare::Value(key, Op::kGreater, "a")));
  EXPECT_FALSE(Holds(*client_, Compare::Value(key, Op::kLess, "a")));

  EXPECT_TRUE(Holds(*client_, Compare::Version(key, Op::kEqual, 2)));
  EXPECT_TRUE(Holds(*client_, Compare::Version(key, Op::kGreater, 1)));
  EXPECT_FALSE(Holds(*client_, Compare::Version(key, Op::kLess, 2)));

  EXPECT_TRUE(Holds(*client_, Compare::CreateRevision(key, Op::kEqual, created->revision)));
  EXPECT_FALSE(Holds(*client_, Compare::Missing(key)));
  EXPECT_TRUE(Holds(*client_, Compare::Missing(prefix_ + "absent")));

  EXPECT_TRUE(Holds(*client_, Compare::ModRevision(key, Op::kEqual, modified->revision)));
  EXPECT_TRUE(Holds(*client_, Compare::ModRevision(key, Op::kNotEqual, created->revision)));
  EXPECT_TRUE(Holds(*client_, Compare::ModRevision(key, Op::kLess, modified->revision + 1)));

  EXPECT_TRUE(Holds(*client_, Compare::Lease(key, Op::kEqual, 0)));
}

TEST_F(EtcdClientTest, AllComparesMustHoldAndABranchRunsAtomically) {
  const std::string a = prefix_ + "a", b = prefix_ + "b";
  ASSERT_OK(client_->Put(a, "1"));
  TxnRequest txn;
  txn.compares = {Compare::Value(a, Op::kEqual, "1"), Compare::Missing(b)};
  txn.then_ops = {TxnOp::Put(a, "2"), TxnOp::Put(b, "2"), TxnOp::Get(KeyRange::Prefix(prefix_))};
  absl::StatusOr<TxnResult> result = client_->Txn(txn);
  ASSERT_OK(result);
  ASSERT_TRUE(result->succeeded);
  ASSERT_EQ(result->results.size(), 3u);
  // Both puts at the transaction's one revision; the get sees them.
  EXPECT_EQ(std::get<PutResult>(result->results[0]).revision, result->revision);
  EXPECT_EQ(std::get<PutResult>(result->results[1]).revision, result->revision);
  EXPECT_THAT(std::get<RangeResult>(result->results[2]).kvs,
              ElementsAre(Field(&KeyValue::mod_revision, result->revision),
                          Field(&KeyValue::mod_revision, result->revision)));

  // Now b exists: the second compare fails and nothing is written.
  txn.then_ops = {TxnOp::Delete(KeyRange::Key(a))};
  absl::StatusOr<TxnResult> refused = client_->Txn(txn);
  ASSERT_OK(refused);
  EXPECT_FALSE(refused->succeeded);
  EXPECT_EQ(refused->revision, result->revision);
}

TEST_F(EtcdClientTest, TxnWritingAKeyTwiceIsInvalidArgument) {
  TxnRequest txn;
  txn.then_ops = {TxnOp::Put(prefix_ + "k", "1"), TxnOp::Put(prefix_ + "k", "2")};
  EXPECT_THAT(client_->Txn(txn), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(EtcdClientTest, CompactedRevisionsAreOutOfRange) {
  const std::string key = prefix_ + "k";
  absl::StatusOr<PutResult> old_put = client_->Put(key, "old");
  ASSERT_OK(old_put);
  absl::StatusOr<PutResult> new_put = client_->Put(key, "new");
  ASSERT_OK(new_put);
  ASSERT_OK(client_->Compact(new_put->revision));

  EXPECT_THAT(client_->Range(KeyRange::Key(key), RangeOptions{.revision = old_put->revision}),
              StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(client_->Compact(old_put->revision), StatusIs(absl::StatusCode::kOutOfRange));
  absl::StatusOr<RangeResult> latest = client_->Range(KeyRange::Key(key));
  ASSERT_OK(latest);
  EXPECT_EQ(latest->kvs[0].value, "new");
}

TEST_F(EtcdClientTest, KeyOnALeaseIsDeletedWhenTheLeaseExpires) {
  const std::string key = prefix_ + "ephemeral";
  absl::StatusOr<GrantedLease> lease = client_->GrantLease(2);
  ASSERT_OK(lease);
  EXPECT_GE(lease->ttl_seconds, 2);
  ASSERT_OK(client_->Put(key, "v", lease->id));
  absl::StatusOr<RangeResult> read = client_->Range(KeyRange::Key(key));
  ASSERT_OK(read);
  ASSERT_EQ(read->kvs.size(), 1u);
  EXPECT_EQ(read->kvs[0].lease, lease->id);
  absl::StatusOr<LeaseInfo> info = client_->LeaseTimeToLive(lease->id, /*with_keys=*/true);
  ASSERT_OK(info);
  EXPECT_GT(info->ttl_seconds, 0);
  EXPECT_THAT(info->keys, ElementsAre(key));

  // Nobody keeps it alive: etcd deletes the key once the TTL has run out.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    read = client_->Range(KeyRange::Key(key));
    ASSERT_OK(read);
    if (read->kvs.empty()) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_THAT(read->kvs, IsEmpty());
  info = client_->LeaseTimeToLive(lease->id);
  ASSERT_OK(info);
  EXPECT_EQ(info->ttl_seconds, -1);
}

TEST_F(EtcdClientTest, RevokingALeaseDeletesItsKeysAtOnce) {
  absl::StatusOr<GrantedLease> lease = client_->GrantLease(60);
  ASSERT_OK(lease);
  ASSERT_OK(client_->Put(prefix_ + "a", "1", lease->id));
  ASSERT_OK(client_->Put(prefix_ + "b", "2", lease->id));
  ASSERT_OK(client_->RevokeLease(lease->id));
  absl::StatusOr<RangeResult> left = client_->Range(KeyRange::Prefix(prefix_));
  ASSERT_OK(left);
  EXPECT_THAT(left->kvs, IsEmpty());
  EXPECT_THAT(client_->RevokeLease(lease->id), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(EtcdClientTest, PutOnAMissingLeaseIsNotFound) {
  EXPECT_THAT(client_->Put(prefix_ + "k", "v", /*lease=*/0x7eadbeef),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(EtcdClientTest, CallsToAnEndpointWithNothingListeningEndAtTheDeadline) {
  EtcdClientOptions options;
  options.endpoints = "127.0.0.1:1";  // nothing listens on port 1
  options.call_timeout = absl::Milliseconds(300);
  absl::StatusOr<std::unique_ptr<EtcdClient>> client = EtcdClient::Create(options);
  ASSERT_OK(client);
  EXPECT_THAT((*client)->Range(KeyRange::Key("k")), StatusIs(absl::StatusCode::kDeadlineExceeded));
}

}  // namespace
}  // namespace eventlog::etcd
