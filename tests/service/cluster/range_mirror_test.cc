// RangeMirror against a real etcd: a copy of a prefix kept in step. (A
// fresh copy after compaction cut the watch off needs a member down:
// etcd_failover_test.)
#include "service/cluster/etcd/range_mirror.h"

#include <memory>
#include <string>

#include "tests/service/cluster/mirrored_range.h"
#include "tests/service/cluster/shared_etcd.h"
#include "tests/test_util.h"

namespace eventlog::etcd {
namespace {

using ::eventlog::testing::MirroredRange;
using ::eventlog::testing::NewSharedEtcdClient;
using ::eventlog::testing::StatusIs;
using ::eventlog::testing::TestPrefix;
using ::testing::ElementsAre;
using ::testing::Pair;

class RangeMirrorTest : public ::testing::Test {
 protected:
  std::unique_ptr<RangeMirror> Mirror() {
    RangeMirrorOptions options;
    options.range = KeyRange::Prefix(prefix_);
    options.on_reset = [this](const RangeResult& snapshot) { copy_.Reset(snapshot); };
    options.on_events = [this](const std::vector<WatchEvent>& events) { copy_.Apply(events); };
    absl::StatusOr<std::unique_ptr<RangeMirror>> mirror =
        RangeMirror::Start(client_.get(), std::move(options));
    EXPECT_OK(mirror);
    return mirror.ok() ? std::move(*mirror) : nullptr;
  }

  std::unique_ptr<EtcdClient> client_ = NewSharedEtcdClient();
  const std::string prefix_ = TestPrefix();
  MirroredRange copy_;
};

TEST_F(RangeMirrorTest, TheCopyStartsFromARangeReadAndFollowsChanges) {
  ASSERT_OK(client_->Put(prefix_ + "a", "1"));
  ASSERT_OK(client_->Put(prefix_ + "b", "1"));
  std::unique_ptr<RangeMirror> mirror = Mirror();
  EXPECT_EQ(copy_.resets(), 1);  // before Start returned

  ASSERT_OK(client_->Put(prefix_ + "a", "2"));
  ASSERT_OK(client_->Delete(KeyRange::Key(prefix_ + "b")));
  ASSERT_OK(client_->Put(prefix_ + "c", "3"));
  EXPECT_THAT(copy_.WaitUntil([&](const auto& values) { return values.contains(prefix_ + "c"); }),
              ElementsAre(Pair(prefix_ + "a", "2"), Pair(prefix_ + "c", "3")));
  EXPECT_EQ(copy_.resets(), 1);
}

TEST_F(RangeMirrorTest, MissingCallbacksAreInvalid) {
  EXPECT_THAT(RangeMirror::Start(client_.get(), RangeMirrorOptions{}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace eventlog::etcd
