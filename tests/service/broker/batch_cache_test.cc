// BatchCache on a real partition log: equal reads share one batch, the
// bound in bytes holds, empty reads and errors are not kept.
#include "service/broker/batch_cache.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "storage/store.h"
#include "storage/util/clock.h"
#include "tests/test_util.h"

namespace eventlog::broker {
namespace {

using ::eventlog::testing::StatusIs;

class BatchCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions options;
    options.data_dir = dir_.path();
    options.clock = &clock_;
    options.cleanup_interval_ms = 0;
    absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(options);
    ASSERT_OK(store);
    store_ = *std::move(store);
    absl::StatusOr<std::shared_ptr<storage::Topic>> topic =
        store_->CreateTopic("t", 1, options.default_config);
    ASSERT_OK(topic);
    log_ = (*topic)->partition(0);
    for (int i = 0; i < 100; ++i) {
      storage::RecordBatchBuilder batch;
      batch.Add("", std::string(1000, static_cast<char>('a' + i % 26)), {}, 1);
      ASSERT_OK(log_->Append(std::move(batch), storage::Durability::kAll));
    }
  }

  eventlog::testing::TempDir dir_;
  util::ManualClock clock_{1'700'000'000'000};
  std::unique_ptr<storage::Store> store_;
  std::shared_ptr<storage::PartitionLog> log_;
};

TEST_F(BatchCacheTest, EqualReadsShareOneBatch) {
  BatchCache cache(1 << 20);
  auto first = cache.Read(log_, 10, 5, 1 << 20);
  ASSERT_OK(first);
  auto again = cache.Read(log_, 10, 5, 1 << 20);
  ASSERT_OK(again);
  EXPECT_EQ(first->get(), again->get());
  EXPECT_EQ(cache.TEST_hits(), 1);
  ASSERT_EQ((*first)->read().records.size(), 5u);
  EXPECT_EQ((*first)->read().records[0].offset, 10);
  EXPECT_EQ((*first)->read().records[0].value, std::string(1000, 'k'));
  EXPECT_EQ((*first)->read().next_offset, 15);
  EXPECT_EQ((*first)->payload_bytes(), 5000u);
  // Another limit is another batch.
  auto other = cache.Read(log_, 10, 6, 1 << 20);
  ASSERT_OK(other);
  EXPECT_NE(other->get(), first->get());
}

TEST_F(BatchCacheTest, StaysWithinItsBytes) {
  BatchCache cache(64 << 10);
  for (int64_t offset = 0; offset < 100; offset += 10) {
    auto batch = cache.Read(log_, offset, 10, 1 << 20);
    ASSERT_OK(batch);
    EXPECT_EQ((*batch)->read().records.size(), 10u);
    EXPECT_LE(cache.TEST_bytes(), 64 << 10);
  }
  EXPECT_GT(cache.TEST_bytes(), 0);
  // The oldest went first; the newest is still there.
  auto newest = cache.Read(log_, 90, 10, 1 << 20);
  ASSERT_OK(newest);
  EXPECT_EQ(cache.TEST_hits(), 1);
  ASSERT_OK(cache.Read(log_, 0, 10, 1 << 20));
  EXPECT_EQ(cache.TEST_hits(), 1);
}

TEST_F(BatchCacheTest, EmptyReadsAndErrorsAreNotKept) {
  BatchCache cache(1 << 20);
  auto at_end = cache.Read(log_, 100, 10, 1 << 20);
  ASSERT_OK(at_end);
  EXPECT_TRUE((*at_end)->read().records.empty());
  EXPECT_EQ(cache.TEST_bytes(), 0);
  EXPECT_THAT(cache.Read(log_, 101, 10, 1 << 20), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_EQ(cache.TEST_bytes(), 0);
}

TEST_F(BatchCacheTest, ZeroCapacityReadsEveryTime) {
  BatchCache cache(0);
  auto a = cache.Read(log_, 0, 3, 1 << 20);
  auto b = cache.Read(log_, 0, 3, 1 << 20);
  ASSERT_OK(a);
  ASSERT_OK(b);
  EXPECT_NE(a->get(), b->get());
  EXPECT_EQ((*a)->read().records[2].value, (*b)->read().records[2].value);
}

}  // namespace
}  // namespace eventlog::broker
