// LeaseKeeper against a real etcd: it holds a lease (and so its keys) for as
// long as it runs, replaces a lease revoked behind its back, and revokes on
// Stop().
#include "service/cluster/etcd/lease_keeper.h"

#include <memory>
#include <string>

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

class LeaseKeeperTest : public ::testing::Test {
 protected:
  std::unique_ptr<LeaseKeeper> NewKeeper(int64_t ttl_seconds) {
    LeaseKeeperOptions options;
    options.ttl_seconds = ttl_seconds;
    options.on_lost = [this](int64_t lease) { lost_.Add(lease); };
    options.on_granted = [this](int64_t lease) { granted_.Add(lease); };
    absl::StatusOr<std::unique_ptr<LeaseKeeper>> keeper =
        LeaseKeeper::Create(client_.get(), std::move(options));
    EXPECT_OK(keeper);
    return keeper.ok() ? std::move(*keeper) : nullptr;
  }

  bool KeyExists(const std::string& key) {
    absl::StatusOr<RangeResult> read = client_->Range(KeyRange::Key(key));
    EXPECT_OK(read);
    return read.ok() && !read->kvs.empty();
  }

  std::unique_ptr<EtcdClient> client_ = NewSharedEtcdClient();
  const std::string prefix_ = TestPrefix();
  Recorder<int64_t> lost_;
  Recorder<int64_t> granted_;
};

TEST_F(LeaseKeeperTest, HoldsItsKeyPastSeveralTtls) {
  std::unique_ptr<LeaseKeeper> keeper = NewKeeper(2);
  absl::StatusOr<int64_t> lease = keeper->Start();
  ASSERT_OK(lease);
  EXPECT_EQ(keeper->lease_id(), *lease);
  EXPECT_GE(keeper->ttl_seconds(), 2);
  const std::string key = prefix_ + "registered";
  ASSERT_OK(client_->Put(key, "me", *lease));

  // Three TTLs: without keepalives etcd would have deleted the key twice over.
  absl::SleepFor(absl::Seconds(3 * keeper->ttl_seconds()));
  EXPECT_TRUE(KeyExists(key));
  EXPECT_EQ(keeper->lease_id(), *lease);
  EXPECT_THAT(lost_.values(), IsEmpty());
  absl::StatusOr<LeaseInfo> info = client_->LeaseTimeToLive(*lease);
  ASSERT_OK(info);
  EXPECT_GT(info->ttl_seconds, 0);
}

TEST_F(LeaseKeeperTest, GrantsANewLeaseWhenItsLeaseIsRevokedFromOutside) {
  std::unique_ptr<LeaseKeeper> keeper = NewKeeper(3);
  absl::StatusOr<int64_t> first = keeper->Start();
  ASSERT_OK(first);
  ASSERT_OK(client_->RevokeLease(*first));  // as an operator, or etcd expiring it, would

  const std::vector<int64_t> granted = granted_.WaitForCount(1);
  ASSERT_EQ(granted.size(), 1u);
  EXPECT_NE(granted[0], *first);
  // Loss is reported before the replacement.
  EXPECT_THAT(lost_.values(), ElementsAre(*first));
  EXPECT_EQ(keeper->lease_id(), granted[0]);
  absl::StatusOr<LeaseInfo> info = client_->LeaseTimeToLive(granted[0]);
  ASSERT_OK(info);
  EXPECT_GT(info->ttl_seconds, 0);
  // The owner can bind its keys to the new lease.
  EXPECT_OK(client_->Put(prefix_ + "registered", "me", granted[0]));
}

TEST_F(LeaseKeeperTest, StopRevokesTheLeaseAndItsKeys) {
  std::unique_ptr<LeaseKeeper> keeper = NewKeeper(30);
  absl::StatusOr<int64_t> lease = keeper->Start();
  ASSERT_OK(lease);
  const std::string key = prefix_ + "registered";
  ASSERT_OK(client_->Put(key, "me", *lease));

  EXPECT_OK(keeper->Stop());
  EXPECT_EQ(keeper->lease_id(), 0);
  EXPECT_FALSE(KeyExists(key));
  EXPECT_OK(keeper->Stop());               // idempotent
  EXPECT_THAT(lost_.values(), IsEmpty());  // a stop is not a loss

  // And it can start again, with a new lease.
  absl::StatusOr<int64_t> again = keeper->Start();
  ASSERT_OK(again);
  EXPECT_NE(*again, *lease);
}

TEST_F(LeaseKeeperTest, StopWithoutRevokeLeavesTheKeysToTheTtl) {
  LeaseKeeperOptions options;
  options.ttl_seconds = 30;
  options.revoke_on_stop = false;
  absl::StatusOr<std::unique_ptr<LeaseKeeper>> keeper =
      LeaseKeeper::Create(client_.get(), std::move(options));
  ASSERT_OK(keeper);
  absl::StatusOr<int64_t> lease = (*keeper)->Start();
  ASSERT_OK(lease);
  EXPECT_OK((*keeper)->Stop());
  absl::StatusOr<LeaseInfo> info = client_->LeaseTimeToLive(*lease);
  ASSERT_OK(info);
  EXPECT_GT(info->ttl_seconds, 0);
  EXPECT_OK(client_->RevokeLease(*lease));
}

TEST_F(LeaseKeeperTest, StartingTwiceIsAFailedPrecondition) {
  std::unique_ptr<LeaseKeeper> keeper = NewKeeper(30);
  ASSERT_OK(keeper->Start());
  EXPECT_THAT(keeper->Start(), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(LeaseKeeperTest, ZeroTtlIsInvalid) {
  LeaseKeeperOptions options;
  options.ttl_seconds = 0;
  EXPECT_THAT(LeaseKeeper::Create(client_.get(), std::move(options)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace eventlog::etcd
