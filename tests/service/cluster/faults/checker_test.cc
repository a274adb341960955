// The fault loop's checker on small hand-written histories: a correct one
// passes, and each kind of violation it exists for is reported.
#include "tests/service/cluster/faults/checker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace eventlog::testing::faults {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Lines = std::vector<std::vector<std::string>>;

// Two records of key k0 by p0 at offsets 0 and 1 of partition 0, read by a
// subscriber, by the group (committed 2) and after the run.
Lines Correct() {
  return {
      {"ack", "p0", "k0", "0", "0", "0", "p0-k0-0"},
      {"ack", "p0", "k0", "1", "0", "1", "p0-k0-1"},
      {"read", "sub-0", "0", "0", "k0", "p0-k0-0"},
      {"read", "sub-0", "0", "1", "k0", "p0-k0-1"},
      {"read", "group-0", "0", "0", "k0", "p0-k0-0"},
      {"read", "group-0", "0", "1", "k0", "p0-k0-1"},
      {"commit", "group-0", "0", "2", "1"},
      {"committed", "0", "2"},
      {"read", "final", "0", "0", "k0", "p0-k0-0"},
      {"read", "final", "0", "1", "k0", "p0-k0-1"},
      {"final", "0", "2"},
  };
}

std::vector<std::string> Check(const Lines& lines) { return Checker(lines).Check(); }

TEST(CheckerTest, ACorrectHistoryPasses) { EXPECT_THAT(Check(Correct()), IsEmpty()); }

TEST(CheckerTest, AnAcknowledgedRecordMissingAfterTheRunIsReported) {
  Lines lines = Correct();
  lines.push_back({"ack", "p0", "k1", "2", "0", "2", "p0-k1-2"});
  EXPECT_THAT(Check(lines), ElementsAre(HasSubstr("is not readable after the run")));
}

TEST(CheckerTest, TwoContentsAtOneOffsetAreReported) {
  Lines lines = Correct();
  lines.push_back({"read", "group-0", "0", "1", "k0", "something else"});
  EXPECT_THAT(Check(lines), ElementsAre(HasSubstr("has two contents")));
}

TEST(CheckerTest, AKeysRecordsOutOfOrderAreReported) {
  Lines lines = Correct();
  lines[0] = {"ack", "p0", "k0", "0", "0", "1", "p0-k0-1"};  // seq 0 after seq 1
  lines[1] = {"ack", "p0", "k0", "1", "0", "0", "p0-k0-0"};
  EXPECT_THAT(Check(lines), ::testing::Contains(HasSubstr("does not follow")));
}

TEST(CheckerTest, ASubscriberThatSkippedOrStoppedShortIsReported) {
  Lines lines = Correct();
  lines.erase(lines.begin() + 2);  // sub-0 never got offset 0
  EXPECT_THAT(Check(lines), ElementsAre(HasSubstr("skipped or repeated"),
                                        HasSubstr("stopped at offset 1")));
}

TEST(CheckerTest, ACommittedOffsetGoingBackIsReported) {
  Lines lines = Correct();
  lines.push_back({"committed", "0", "1"});
  EXPECT_THAT(Check(lines), ElementsAre(HasSubstr("went back from 2 to 1"),
                                        HasSubstr("a commit of 2 was acknowledged")));
}

TEST(CheckerTest, AGroupCommittingPastWhatItReadIsReported) {
  Lines lines = Correct();
  lines.erase(lines.begin() + 5);  // the group never read offset 1
  EXPECT_THAT(Check(lines), ElementsAre(HasSubstr("without reading it")));
}

}  // namespace
}  // namespace eventlog::testing::faults
