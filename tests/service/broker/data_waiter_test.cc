#include "service/broker/data_waiter.h"

#include <atomic>
#include <memory>

#include "gtest/gtest.h"
#include "service/broker/shutdown_signal.h"
#include "tests/service/broker/fake_partition_log.h"

namespace eventlog::broker {
namespace {

using testing::FakePartitionLog;

class DataWaiterTest : public ::testing::Test {
 protected:
  std::shared_ptr<DataWaiter> Armed(std::vector<std::shared_ptr<FakePartitionLog>> logs,
                                    int64_t offset) {
    auto waiter = DataWaiter::Create([this] { ++wakes_; });
    std::vector<DataWaiter::Target> targets;
    for (auto& log : logs) targets.push_back({log, offset});
    waiter->Arm(std::move(targets), &shutdown_);
    return waiter;
  }

  ShutdownSignal shutdown_;
  std::atomic<int> wakes_{0};
};

TEST_F(DataWaiterTest, WakesOnceWhenAnyLogGetsData) {
  auto a = std::make_shared<FakePartitionLog>(0, 5);
  auto b = std::make_shared<FakePartitionLog>(0, 5);
  auto waiter = Armed({a, b}, 5);
  EXPECT_EQ(wakes_, 0);
  b->SetHighWatermark(6);
  EXPECT_EQ(wakes_, 1);
  EXPECT_TRUE(waiter->fired());
  // The other registration was cancelled: more data does not wake again.
  EXPECT_EQ(a->waiter_count(), 0u);
  a->SetHighWatermark(7);
  waiter->Wake();
  shutdown_.Trigger();
  EXPECT_EQ(wakes_, 1);
}

TEST_F(DataWaiterTest, WakesInlineWhenDataIsAlreadyThere) {
  auto log = std::make_shared<FakePartitionLog>(0, 5);
  Armed({log}, 3);
  EXPECT_EQ(wakes_, 1);
  EXPECT_EQ(log->waiter_count(), 0u);
}

TEST_F(DataWaiterTest, WakesWithNoTargets) {
  Armed({}, 0);
  EXPECT_EQ(wakes_, 1);
}

TEST_F(DataWaiterTest, WakeReleasesRegistrations) {
  auto log = std::make_shared<FakePartitionLog>(0, 5);
  auto waiter = Armed({log}, 5);
  EXPECT_EQ(log->waiter_count(), 1u);
  waiter->Wake();
  EXPECT_EQ(wakes_, 1);
  EXPECT_EQ(log->waiter_count(), 0u);
  log->SetHighWatermark(9);
  EXPECT_EQ(wakes_, 1);
}

TEST_F(DataWaiterTest, WakeBeforeArmMakesArmANoOp) {
  auto log = std::make_shared<FakePartitionLog>(0, 5);
  auto waiter = DataWaiter::Create([this] { ++wakes_; });
  waiter->Wake();
  waiter->Arm({{log, 5}}, &shutdown_);
  EXPECT_EQ(wakes_, 1);
  EXPECT_EQ(log->waiter_count(), 0u);
}

TEST_F(DataWaiterTest, WakesOnShutdownAndOnClose) {
  auto log = std::make_shared<FakePartitionLog>(0, 5);
  Armed({log}, 5);
  shutdown_.Trigger();
  EXPECT_EQ(wakes_, 1);
  EXPECT_EQ(log->waiter_count(), 0u);
  // After shutdown, a new waiter wakes at once.
  Armed({log}, 5);
  EXPECT_EQ(wakes_, 2);

  ShutdownSignal other;
  auto closing = std::make_shared<FakePartitionLog>(0, 5);
  auto waiter = DataWaiter::Create([this] { ++wakes_; });
  waiter->Arm({{closing, 5}}, &other);
  closing->Close();
  EXPECT_EQ(wakes_, 3);
}

TEST(ShutdownSignalTest, RunsCallbacksOnceAndRefusesLateRegistrations) {
  ShutdownSignal signal;
  int runs = 0;
  const ShutdownSignal::Id kept = signal.Register([&runs] { ++runs; });
  const ShutdownSignal::Id removed = signal.Register([&runs] { runs += 100; });
  EXPECT_NE(kept, 0u);
  EXPECT_TRUE(signal.Unregister(removed));
  EXPECT_FALSE(signal.Unregister(removed));
  EXPECT_FALSE(signal.triggered());
  signal.Trigger();
  signal.Trigger();
  EXPECT_EQ(runs, 1);
  EXPECT_TRUE(signal.triggered());
  EXPECT_FALSE(signal.Unregister(kept));
  EXPECT_EQ(signal.Register([&runs] { ++runs; }), 0u);
  EXPECT_EQ(runs, 1);
}

}  // namespace
}  // namespace eventlog::broker
