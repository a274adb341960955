// OffsetsRecord: the records of __consumer_offsets round-trip, and damaged
// ones are DATA_LOSS.
#include "service/cluster/offsets_record.h"

#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace eventlog::cluster {
namespace {

using ::eventlog::testing::StatusIs;

TEST(OffsetsRecordTest, CommitsEpochsAndTombstonesRoundTrip) {
  OffsetsRecord commit;
  commit.group = "billing";
  commit.topic_id = 1234567890123;
  commit.partition = 7;
  commit.value = 42;
  commit.metadata = std::string("batch \0 7", 9);
  ASSERT_OK_AND_ASSIGN(OffsetsRecord read,
                       OffsetsRecord::Decode(commit.EncodeKey(), commit.EncodeValue()));
  EXPECT_EQ(read.type, OffsetsRecord::Type::kCommit);
  EXPECT_EQ(read.group, "billing");
  EXPECT_EQ(read.topic_id, 1234567890123u);
  EXPECT_EQ(read.partition, 7);
  EXPECT_EQ(read.value, 42);
  EXPECT_EQ(read.metadata, commit.metadata);
  EXPECT_FALSE(read.tombstone);

  OffsetsRecord epoch;
  epoch.type = OffsetsRecord::Type::kGroupEpoch;
  epoch.group = "billing";
  epoch.value = 9;
  ASSERT_OK_AND_ASSIGN(read, OffsetsRecord::Decode(epoch.EncodeKey(), epoch.EncodeValue()));
  EXPECT_EQ(read.type, OffsetsRecord::Type::kGroupEpoch);
  EXPECT_EQ(read.value, 9);
  EXPECT_NE(epoch.EncodeKey(), commit.EncodeKey()) << "compaction keeps both";

  commit.tombstone = true;
  EXPECT_EQ(commit.EncodeValue(), "");
  ASSERT_OK_AND_ASSIGN(read, OffsetsRecord::Decode(commit.EncodeKey(), ""));
  EXPECT_TRUE(read.tombstone);
}

TEST(OffsetsRecordTest, DamagedOrNewerRecordsAreDataLoss) {
  OffsetsRecord commit;
  commit.group = "g";
  commit.value = 1;
  const std::string key = commit.EncodeKey();
  const std::string value = commit.EncodeValue();
  EXPECT_THAT(OffsetsRecord::Decode(key.substr(0, key.size() - 1), value),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(OffsetsRecord::Decode(key, value.substr(0, 5)),
              StatusIs(absl::StatusCode::kDataLoss));
  std::string newer = key;
  newer[0] = 1;  // a version this release does not know
  EXPECT_THAT(OffsetsRecord::Decode(newer, value), StatusIs(absl::StatusCode::kDataLoss));
  std::string unknown_type = key;
  unknown_type[1] = 9;
  EXPECT_THAT(OffsetsRecord::Decode(unknown_type, value), StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace eventlog::cluster
