// DiskPartitionLog with Kafka idempotent producers' batches: a retried batch
// is acknowledged with its original offsets and not appended again, a
// sequence gap is refused, and the producer state survives a clean close, a
// lost snapshot (replay of the active segment) and a crash that cut records
// the snapshot had seen.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "leveldb/db.h"
#include "storage/format/record_batch_format.h"
#include "storage/layout.h"
#include "storage/log/disk_partition_log.h"
#include "storage/util/coding.h"
#include "storage/util/error_reason.h"
#include "tests/storage/store_fixture.h"

namespace eventlog::storage {
namespace {

using ::eventlog::testing::StatusIs;
using testing::ReadAll;

// A Kafka producer's batch of `count` records from producer `pid`.
RecordBatchBuilder KafkaBatch(int count, int64_t pid, int16_t epoch, int32_t sequence,
                              absl::string_view prefix = "v") {
  RecordBatchBuilder builder;
  for (int i = 0; i < count; ++i) builder.Add("", absl::StrCat(prefix, sequence + i), {}, 1000);
  std::string bytes = builder.Seal();
  util::coding::PutBigEndian64(bytes.data() + 43, static_cast<uint64_t>(pid));
  util::coding::PutBigEndian16(bytes.data() + 51, static_cast<uint16_t>(epoch));
  util::coding::PutBigEndian32(bytes.data() + 53, static_cast<uint32_t>(sequence));
  format::SealBatch(bytes.data(), bytes.size());
  absl::StatusOr<RecordBatchBuilder> batch = RecordBatchBuilder::FromKafkaBatch(bytes, 1 << 20);
  EXPECT_OK(batch.status());
  return *std::move(batch);
}

class IdempotentAppendTest : public testing::StoreFixture {
 protected:
  absl::StatusOr<AppendResult> Append(int count, int64_t pid, int16_t epoch, int32_t sequence) {
    return Log()->Append(KafkaBatch(count, pid, epoch, sequence), Durability::kAll);
  }

  // Removes the producer snapshot (store closed): a directory written by an
  // older release, or a lost key.
  void DropSnapshot() {
    leveldb::DB* raw = nullptr;
    ASSERT_TRUE(leveldb::DB::Open(leveldb::Options(), dir_.path() + "/data/index", &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    ASSERT_TRUE(db->Delete(leveldb::WriteOptions(),
                           layout::PartitionPrefix(layout::kProducerSnapshot, 1, 0))
                    .ok());
  }
};

TEST_F(IdempotentAppendTest, ARetriedBatchGetsItsOriginalOffsetsAndIsNotAppendedAgain) {
  Create(LogConfig());
  ASSERT_OK_AND_ASSIGN(AppendResult first, Append(3, 5, 0, 0));
  ASSERT_OK_AND_ASSIGN(AppendResult second, Append(2, 5, 0, 3));
  ASSERT_OK_AND_ASSIGN(AppendResult retry, Append(3, 5, 0, 0));
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.base_offset, first.base_offset);
  EXPECT_EQ(retry.last_offset, 2);
  EXPECT_FALSE(second.duplicate);
  EXPECT_EQ(Log()->log_end_offset(), 5);
  ASSERT_OK_AND_ASSIGN(auto records, ReadAll(*Log()));
  EXPECT_EQ(records.size(), 5u);
}

TEST_F(IdempotentAppendTest, ASequenceGapIsRefusedAndAppendsNothing) {
  Create(LogConfig());
  ASSERT_OK(Append(3, 5, 0, 0).status());
  absl::StatusOr<AppendResult> gap = Append(1, 5, 0, 7);
  EXPECT_THAT(gap.status(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(util::ReasonOf(gap.status()), util::ErrorReason::kOutOfOrderSequence);
  absl::StatusOr<AppendResult> stale = Append(1, 5, -1 + 0, 3);
  EXPECT_THAT(stale.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(Log()->log_end_offset(), 3);
}

TEST_F(IdempotentAppendTest, ProducersAreIndependentAndBatchesWithoutAProducerAreNeverChecked) {
  Create(LogConfig());
  ASSERT_OK(Append(1, 1, 0, 0).status());
  ASSERT_OK(Append(1, 2, 0, 0).status());
  ASSERT_OK(Log()->Append(testing::MakeBatch(2, "plain", 1000), Durability::kAll).status());
  ASSERT_OK(Log()->Append(testing::MakeBatch(2, "plain", 1000), Durability::kAll).status());
  EXPECT_EQ(Log()->log_end_offset(), 6);
}

TEST_F(IdempotentAppendTest, TheStateSurvivesACleanRestartWithoutReplaying) {
  Create(LogConfig());
  ASSERT_OK(Append(3, 5, 0, 0).status());
  Reopen();
  EXPECT_EQ(Log()->TEST_producer_bytes_replayed(), 0);
  ASSERT_OK_AND_ASSIGN(AppendResult retry, Append(3, 5, 0, 0));
  EXPECT_TRUE(retry.duplicate);
  EXPECT_THAT(Append(1, 5, 0, 9).status(), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(IdempotentAppendTest, WithoutASnapshotTheActiveSegmentIsReplayed) {
  Create(LogConfig());
  ASSERT_OK(Append(3, 5, 0, 0).status());
  ASSERT_OK(Append(2, 5, 0, 3).status());
  Close();
  DropSnapshot();
  Reopen();
  EXPECT_GT(Log()->TEST_producer_bytes_replayed(), 0);
  ASSERT_OK_AND_ASSIGN(AppendResult retry, Append(2, 5, 0, 3));
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.base_offset, 3);
  ASSERT_OK_AND_ASSIGN(AppendResult next, Append(1, 5, 0, 5));
  EXPECT_FALSE(next.duplicate);
  EXPECT_EQ(next.base_offset, 5);
}

TEST_F(IdempotentAppendTest, RecordsACrashCutAreForgottenByTheSnapshotThatHadSeenThem) {
  Create(SmallSegments(400));
  // Enough batches to roll several times; the last roll's snapshot covers
  // everything before the active segment.
  for (int i = 0; i < 20; ++i) ASSERT_OK(Append(2, 5, 0, 2 * i).status());
  const std::vector<int64_t> bases = Log()->TEST_SegmentBases();
  ASSERT_GE(bases.size(), 3u);
  const std::string dir = PartitionDir();
  Close();
  // A crash that lost the active segment's tail: cut the last batch off the
  // file (past the recovery point, so recovery takes it as a torn write).
  const std::vector<std::string> files = testing::SegmentFiles(dir);
  const std::vector<testing::BatchPos> batches = testing::Batches(files.back());
  ASSERT_FALSE(batches.empty());
  std::filesystem::resize_file(files.back(), batches.back().position);
  SetRecoveryPoint(1, 0, batches.back().base_offset);
  Reopen();
  EXPECT_EQ(Log()->log_end_offset(), 38);
  // The lost batch (sequence 38-39) is new again; the one before it is a
  // duplicate.
  ASSERT_OK_AND_ASSIGN(AppendResult retry, Append(2, 5, 0, 36));
  EXPECT_TRUE(retry.duplicate);
  ASSERT_OK_AND_ASSIGN(AppendResult lost, Append(2, 5, 0, 38));
  EXPECT_FALSE(lost.duplicate);
  EXPECT_EQ(lost.base_offset, 38);
}

}  // namespace
}  // namespace eventlog::storage
