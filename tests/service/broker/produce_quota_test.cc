// ProduceQuota: a token bucket per connection, on a manual clock.
#include "service/broker/produce_quota.h"

#include "gtest/gtest.h"
#include "storage/util/clock.h"
#include "tests/test_util.h"

namespace eventlog::broker {
namespace {

using ::eventlog::testing::StatusIs;

using ::eventlog::testing::kNowMs;

TEST(ProduceQuotaTest, ZeroMeansUnlimited) {
  util::ManualClock clock(kNowMs);
  ProduceQuota quota(0, &clock);
  for (int i = 0; i < 100; ++i) EXPECT_OK(quota.Charge("c", 1 << 30));
}

TEST(ProduceQuotaTest, BurstOfOneSecondThenRefusedWithoutTakingAnything) {
  util::ManualClock clock(kNowMs);
  ProduceQuota quota(1000, &clock);
  EXPECT_OK(quota.Charge("c", 600));
  EXPECT_OK(quota.Charge("c", 400));
  EXPECT_THAT(quota.Charge("c", 1), StatusIs(absl::StatusCode::kResourceExhausted));
  // 100 ms refill 100 bytes; the refused requests took nothing.
  clock.AdvanceMs(100);
  EXPECT_THAT(quota.Charge("c", 101), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_OK(quota.Charge("c", 100));
  EXPECT_THAT(quota.Charge("c", 1), StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST(ProduceQuotaTest, RefillStopsAtTheBurst) {
  util::ManualClock clock(kNowMs);
  ProduceQuota quota(1000, &clock);
  EXPECT_OK(quota.Charge("c", 1000));
  clock.AdvanceMs(60'000);
  EXPECT_OK(quota.Charge("c", 1000));
  EXPECT_THAT(quota.Charge("c", 1), StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST(ProduceQuotaTest, ConnectionsHaveTheirOwnBuckets) {
  util::ManualClock clock(kNowMs);
  ProduceQuota quota(1000, &clock);
  EXPECT_OK(quota.Charge("ipv4:127.0.0.1:1", 1000));
  EXPECT_THAT(quota.Charge("ipv4:127.0.0.1:1", 1), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_OK(quota.Charge("ipv4:127.0.0.1:2", 1000));
}

TEST(ProduceQuotaTest, OversizedRequestPassesOnAFullBucketAndLeavesDebt) {
  util::ManualClock clock(kNowMs);
  ProduceQuota quota(1000, &clock);
  EXPECT_OK(quota.Charge("c", 3000));  // full bucket: allowed, 2000 in debt
  clock.AdvanceMs(2500);               // debt paid, 500 back
  EXPECT_THAT(quota.Charge("c", 501), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_OK(quota.Charge("c", 500));
  // Not full: an oversized request waits for a full bucket.
  clock.AdvanceMs(999);
  EXPECT_THAT(quota.Charge("c", 3000), StatusIs(absl::StatusCode::kResourceExhausted));
  clock.AdvanceMs(1);
  EXPECT_OK(quota.Charge("c", 3000));
}

TEST(ProduceQuotaTest, MessageNamesTheQuota) {
  util::ManualClock clock(kNowMs);
  ProduceQuota quota(1000, &clock);
  EXPECT_OK(quota.Charge("c", 1000));
  absl::Status refused = quota.Charge("c", 10);
  EXPECT_NE(refused.message().find("produce quota of 1000 bytes/s for this connection exceeded"),
            absl::string_view::npos)
      << refused;
  EXPECT_NE(refused.message().find("retry later"), absl::string_view::npos);
}

TEST(ProduceQuotaTest, IdleConnectionsAreForgottenAndStartFull) {
  util::ManualClock clock(kNowMs);
  ProduceQuota quota(1000, &clock);
  for (int i = 0; i < 100; ++i) EXPECT_OK(quota.Charge(std::to_string(i), 1000));
  clock.AdvanceMs(60'000);  // past the sweep interval: all buckets full again
  EXPECT_OK(quota.Charge("0", 1000));
  EXPECT_THAT(quota.Charge("0", 1), StatusIs(absl::StatusCode::kResourceExhausted));
}

}  // namespace
}  // namespace eventlog::broker
