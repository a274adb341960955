#include "service/broker/start_position.h"

#include "gtest/gtest.h"
#include "tests/service/broker/fake_partition_log.h"
#include "tests/test_util.h"

namespace eventlog::broker {
namespace {

using ::eventlog::testing::StatusIs;
using Kind = StartPosition::Kind;

StartPosition Position(Kind kind, int64_t offset = 0, int64_t timestamp_ms = 0) {
  StartPosition position;
  position.kind = kind;
  position.offset = offset;
  position.timestamp_ms = timestamp_ms;
  return position;
}

StartPosition Committed(std::optional<int64_t> committed, Kind reset_to) {
  StartPosition position;
  position.kind = Kind::kCommitted;
  position.committed = committed;
  position.reset_to = reset_to;
  return position;
}

class StartPositionTest : public ::testing::Test {
 protected:
  // Offsets [10, 20) stored; offset i has timestamp 1000 * i.
  testing::FakePartitionLog log_{10, 20};

  absl::StatusOr<int64_t> Resolve(StartPosition position) {
    return ResolveStartOffset(log_, "t", position);
  }
};

TEST_F(StartPositionTest, EarliestAndLatest) {
  EXPECT_EQ(*Resolve(Position(Kind::kEarliest)), 10);
  EXPECT_EQ(*Resolve(Position(Kind::kLatest)), 20);
}

TEST_F(StartPositionTest, OffsetWithinBoundsIncludingHighWatermark) {
  EXPECT_EQ(*Resolve(Position(Kind::kOffset, 10)), 10);
  EXPECT_EQ(*Resolve(Position(Kind::kOffset, 15)), 15);
  EXPECT_EQ(*Resolve(Position(Kind::kOffset, 20)), 20);
}

TEST_F(StartPositionTest, OffsetOutOfRangeNamesBothBounds) {
  for (int64_t offset : {9, 21}) {
    absl::StatusOr<int64_t> result = Resolve(Position(Kind::kOffset, offset));
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kOutOfRange));
    EXPECT_NE(result.status().message().find("10 (log_start_offset)"), absl::string_view::npos)
        << result.status();
    EXPECT_NE(result.status().message().find("20 (high_watermark)"), absl::string_view::npos)
        << result.status();
  }
}

TEST_F(StartPositionTest, NegativeOffsetOrTimestampIsInvalid) {
  EXPECT_THAT(Resolve(Position(Kind::kOffset, -1)), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Resolve(Position(Kind::kTimestamp, 0, -5)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(StartPositionTest, TimestampFindsFirstRecordAtOrAfter) {
  EXPECT_EQ(*Resolve(Position(Kind::kTimestamp, 0, 0)), 10);
  EXPECT_EQ(*Resolve(Position(Kind::kTimestamp, 0, 12500)), 13);
  EXPECT_EQ(*Resolve(Position(Kind::kTimestamp, 0, 99000)), 20);
}

TEST_F(StartPositionTest, CommittedFallsBackToResetWhenMissingOrOutside) {
  EXPECT_EQ(*Resolve(Committed(12, Kind::kLatest)), 12);
  EXPECT_EQ(*Resolve(Committed(std::nullopt, Kind::kEarliest)), 10);
  EXPECT_EQ(*Resolve(Committed(std::nullopt, Kind::kLatest)), 20);
  // Retention passed the commit: reset.
  EXPECT_EQ(*Resolve(Committed(3, Kind::kEarliest)), 10);
  EXPECT_THAT(Resolve(Committed(std::nullopt, Kind::kOffset)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace eventlog::broker
