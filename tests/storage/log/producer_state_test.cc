// ProducerState: Kafka's idempotent-producer rules (duplicates, sequence
// gaps, epochs, wrapping) and its snapshot encoding.
#include "storage/log/producer_state.h"

#include <limits>

#include "gtest/gtest.h"
#include "storage/util/error_reason.h"
#include "tests/storage/test_helpers.h"

namespace eventlog::storage {
namespace {

using ::eventlog::testing::StatusIs;
using Claim = ProducerState::Claim;

constexpr int64_t kPid = 7;

std::optional<util::ErrorReason> ReasonOfCheck(const ProducerState& state, const Claim& claim) {
  absl::StatusOr<std::optional<ProducerState::Batch>> r = state.Check(claim);
  if (r.ok()) return std::nullopt;
  return util::ReasonOf(r.status());
}

TEST(ProducerStateTest, AnUnknownProducerIsAcceptedAtAnySequence) {
  ProducerState state;
  ASSERT_OK_AND_ASSIGN(auto verdict, state.Check(Claim{kPid, 0, 42, 3}));
  EXPECT_FALSE(verdict.has_value());
}

TEST(ProducerStateTest, ARetryOfAKeptBatchIsADuplicateWithItsOriginalOffsets) {
  ProducerState state;
  state.Record(Claim{kPid, 0, 0, 3}, 100);  // seq 0-2 at 100-102
  state.Record(Claim{kPid, 0, 3, 2}, 110);  // seq 3-4 at 110-111
  ASSERT_OK_AND_ASSIGN(auto verdict, state.Check(Claim{kPid, 0, 0, 3}));
  ASSERT_TRUE(verdict.has_value());
  EXPECT_EQ(verdict->first_offset, 100);
  EXPECT_EQ(verdict->last_offset, 102);
  ASSERT_OK_AND_ASSIGN(verdict, state.Check(Claim{kPid, 0, 3, 2}));
  ASSERT_TRUE(verdict.has_value());
  EXPECT_EQ(verdict->first_offset, 110);
  ASSERT_OK_AND_ASSIGN(verdict, state.Check(Claim{kPid, 0, 5, 1}));
  EXPECT_FALSE(verdict.has_value());  // the next one
}

TEST(ProducerStateTest, ASequenceGapIsOutOfOrder) {
  ProducerState state;
  state.Record(Claim{kPid, 0, 0, 3}, 0);
  EXPECT_EQ(ReasonOfCheck(state, Claim{kPid, 0, 4, 1}), util::ErrorReason::kOutOfOrderSequence);
  EXPECT_EQ(ReasonOfCheck(state, Claim{kPid, 0, 1, 1}), util::ErrorReason::kOutOfOrderSequence);
  EXPECT_THAT(state.Check(Claim{kPid, 0, 4, 1}).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(ProducerStateTest, OnlyTheLastFiveBatchesAreRecognisedAsDuplicates) {
  ProducerState state;
  for (int i = 0; i < 6; ++i) state.Record(Claim{kPid, 0, i, 1}, i);
  EXPECT_EQ(ReasonOfCheck(state, Claim{kPid, 0, 0, 1}), util::ErrorReason::kOutOfOrderSequence);
  ASSERT_OK_AND_ASSIGN(auto verdict, state.Check(Claim{kPid, 0, 1, 1}));
  EXPECT_TRUE(verdict.has_value());
}

TEST(ProducerStateTest, EpochsFenceOlderProducersAndANewEpochStartsAtZero) {
  ProducerState state;
  state.Record(Claim{kPid, 3, 0, 5}, 0);
  EXPECT_EQ(ReasonOfCheck(state, Claim{kPid, 2, 5, 1}), util::ErrorReason::kInvalidProducerEpoch);
  EXPECT_EQ(ReasonOfCheck(state, Claim{kPid, 4, 5, 1}), util::ErrorReason::kOutOfOrderSequence);
  ASSERT_OK_AND_ASSIGN(auto verdict, state.Check(Claim{kPid, 4, 0, 1}));
  EXPECT_FALSE(verdict.has_value());
  state.Record(Claim{kPid, 4, 0, 1}, 5);
  EXPECT_EQ(ReasonOfCheck(state, Claim{kPid, 3, 5, 1}), util::ErrorReason::kInvalidProducerEpoch);
}

TEST(ProducerStateTest, SequencesWrapPastInt32Max) {
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  EXPECT_EQ(ProducerState::LastSequence(kMax - 1, 4), 1);
  ProducerState state;
  state.Record(Claim{kPid, 0, kMax - 1, 2}, 0);
  ASSERT_OK_AND_ASSIGN(auto verdict, state.Check(Claim{kPid, 0, 0, 1}));
  EXPECT_FALSE(verdict.has_value());
}

TEST(ProducerStateTest, NegativeEpochOrSequenceIsInvalid) {
  ProducerState state;
  EXPECT_THAT(state.Check(Claim{kPid, -1, 0, 1}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(state.Check(Claim{kPid, 0, -1, 1}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ProducerStateTest, TruncateForgetsBatchesPastTheEndAndEmptyProducers) {
  ProducerState state;
  state.Record(Claim{1, 0, 0, 2}, 0);   // 0-1
  state.Record(Claim{1, 0, 2, 2}, 10);  // 10-11
  state.Record(Claim{2, 0, 0, 1}, 12);  // 12
  state.TruncateTo(11);
  ASSERT_NE(state.Find(1), nullptr);
  EXPECT_EQ(state.Find(1)->batches.size(), 1u);
  EXPECT_EQ(state.Find(2), nullptr);
  // Producer 1 continues after its last kept batch: its retry of 2-3 is new.
  ASSERT_OK_AND_ASSIGN(auto verdict, state.Check(Claim{1, 0, 2, 2}));
  EXPECT_FALSE(verdict.has_value());
}

TEST(ProducerStateTest, TheProducerThatAppendedLongestAgoIsForgottenBeyondTheCap) {
  ProducerState state;
  for (int64_t pid = 0; pid <= static_cast<int64_t>(ProducerState::kMaxProducers); ++pid) {
    state.Record(Claim{pid, 0, 0, 1}, pid);
  }
  EXPECT_EQ(state.size(), ProducerState::kMaxProducers);
  EXPECT_EQ(state.Find(0), nullptr);
  EXPECT_NE(state.Find(1), nullptr);
}

TEST(ProducerStateTest, TheSnapshotEncodingRoundTripsAndRefusesDamage) {
  ProducerState state;
  state.Record(Claim{1, 2, 0, 3}, 0);
  state.Record(Claim{1, 2, 3, 3}, 3);
  state.Record(Claim{99, 0, 17, 1}, 6);
  const std::string bytes = state.Encode();
  ASSERT_OK_AND_ASSIGN(ProducerState decoded, ProducerState::Decode(bytes));
  ASSERT_NE(decoded.Find(1), nullptr);
  EXPECT_EQ(decoded.Find(1)->epoch, 2);
  EXPECT_EQ(decoded.Find(1)->batches.size(), 2u);
  EXPECT_EQ(decoded.Find(99)->batches.front().first_sequence, 17);
  EXPECT_EQ(decoded.Encode().size(), bytes.size());
  EXPECT_THAT(ProducerState::Decode(bytes.substr(0, bytes.size() - 1)).status(),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(ProducerState::Decode(bytes + "x").status(), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(ProducerState::Decode("").status(), StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace eventlog::storage
