// SubscriptionSlots: the cap on open subscriptions, and slots given back.
#include "service/broker/subscription_slots.h"

#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace eventlog::broker {
namespace {

using ::eventlog::testing::StatusIs;

TEST(SubscriptionSlotsTest, RefusesBeyondTheCapAndReusesReleasedSlots) {
  SubscriptionSlots slots(2);
  absl::StatusOr<SubscriptionSlots::Slot> first = slots.Acquire();
  ASSERT_OK(first);
  {
    absl::StatusOr<SubscriptionSlots::Slot> second = slots.Acquire();
    ASSERT_OK(second);
    absl::StatusOr<SubscriptionSlots::Slot> third = slots.Acquire();
    EXPECT_THAT(third.status(), StatusIs(absl::StatusCode::kResourceExhausted));
    EXPECT_NE(third.status().message().find("limit of 2 open subscriptions"),
              absl::string_view::npos)
        << third.status();
    EXPECT_EQ(slots.open(), 2);
  }
  EXPECT_EQ(slots.open(), 1);
  EXPECT_OK(slots.Acquire());  // acquired and released at once
  EXPECT_EQ(slots.open(), 1);
}

TEST(SubscriptionSlotsTest, MovedSlotIsReleasedOnce) {
  SubscriptionSlots slots(1);
  absl::StatusOr<SubscriptionSlots::Slot> slot = slots.Acquire();
  ASSERT_OK(slot);
  SubscriptionSlots::Slot moved = *std::move(slot);
  SubscriptionSlots::Slot assigned;
  assigned = std::move(moved);
  EXPECT_EQ(slots.open(), 1);
  assigned = SubscriptionSlots::Slot();
  EXPECT_EQ(slots.open(), 0);
}

TEST(SubscriptionSlotsTest, ZeroMeansUnlimited) {
  SubscriptionSlots slots(0);
  std::vector<SubscriptionSlots::Slot> held;
  for (int i = 0; i < 1000; ++i) {
    absl::StatusOr<SubscriptionSlots::Slot> slot = slots.Acquire();
    ASSERT_OK(slot);
    held.push_back(*std::move(slot));
  }
  EXPECT_EQ(slots.open(), 1000);
}

}  // namespace
}  // namespace eventlog::broker
