#include "storage/util/metrics/histogram.h"

#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace eventlog::metrics {
namespace {

using ::testing::ElementsAre;

TEST(HistogramTest, BucketsAreCumulativeWithUpperBoundsInclusive) {
  Histogram h({10, 100, 1000});
  for (int64_t v : {1, 10, 11, 100, 5000}) h.Observe(v);
  const Histogram::Snapshot s = h.snapshot();
  EXPECT_THAT(s.bounds, ElementsAre(10, 100, 1000));
  EXPECT_THAT(s.cumulative, ElementsAre(2, 4, 4, 5));  // le=10, 100, 1000, +Inf
  EXPECT_EQ(s.count, 5u);
  EXPECT_EQ(s.sum, 1 + 10 + 11 + 100 + 5000);
}

TEST(HistogramTest, ConcurrentObservationsAreAllCounted) {
  Histogram h(Histogram::ExponentialBounds(1, 2, 10));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < 10000; ++i) h.Observe(t * 100 + i % 7);
    });
  }
  for (std::thread& t : threads) t.join();
  const Histogram::Snapshot s = h.snapshot();
  EXPECT_EQ(s.count, 40000u);
  EXPECT_EQ(s.cumulative.back(), s.count);
}

TEST(HistogramTest, ExponentialBoundsStayStrictlyAscending) {
  EXPECT_THAT(Histogram::ExponentialBounds(1, 2, 5), ElementsAre(1, 2, 4, 8, 16));
  EXPECT_THAT(Histogram::ExponentialBounds(1, 1.2, 4), ElementsAre(1, 2, 3, 4));
  EXPECT_THAT(Histogram::ExponentialBounds(50'000, 2, 3), ElementsAre(50'000, 100'000, 200'000));
}

}  // namespace
}  // namespace eventlog::metrics
