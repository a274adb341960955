// DiskPartitionLog::TruncateTo on real files: a follower drops a suffix
// (whole batches, across segments), appends continue at the cut with new
// contents that read back right (no stale index entry), the cut survives a
// restart, and the leader-epoch cache forgets the epochs past it. A
// follower below its leader's log start empties its log and starts again
// there (TruncateFullyAndStartAt).
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "storage/format/record_batch_format.h"
#include "storage/log/disk_partition_log.h"
#include "tests/storage/store_fixture.h"

namespace eventlog::storage {
namespace {

using ::eventlog::testing::StatusIs;
using testing::Batches;
using testing::BatchPos;
using testing::MakeBatch;
using testing::ReadAll;
using testing::ReadFile;
using testing::Rec;
using testing::SegmentFiles;

class TruncateTest : public testing::StoreFixture {
 protected:
  // "t" with 30 batches of 3 records ("old-") in small segments, synced.
  std::shared_ptr<DiskPartitionLog> ThirtyBatches() {
    std::shared_ptr<DiskPartitionLog> log = Create(SmallSegments(512));
    for (int i = 0; i < 30; ++i) {
      EXPECT_OK(log->Append(MakeBatch(3, "old-", 100 + i), Durability::kAll).status());
    }
    return log;
  }
};

TEST_F(TruncateTest, TheSuffixGoesInWholeBatchesAndAppendsContinueAtTheCut) {
  std::shared_ptr<DiskPartitionLog> log = ThirtyBatches();
  const size_t files_before = SegmentFiles(PartitionDir()).size();
  ASSERT_GT(files_before, 4u);
  // Offset 31 is inside the batch [30, 33): that batch goes too.
  ASSERT_OK(log->TruncateTo(31));
  EXPECT_EQ(log->log_end_offset(), 30);
  EXPECT_EQ(log->high_watermark(), 30);
  std::vector<std::string> files = SegmentFiles(PartitionDir());
  EXPECT_LT(files.size(), files_before) << "later segments removed";
  // The files end at the cut (the active one may be empty: a segment that
  // began with the cut batch stays, as the place of the next append).
  int64_t end = 0;
  for (const std::string& file : files) {
    for (const BatchPos& batch : Batches(file)) end = batch.next_offset;
  }
  EXPECT_EQ(end, 30);
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> kept, ReadAll(*log));
  ASSERT_EQ(kept.size(), 30u);
  EXPECT_EQ(kept.back().offset, 29);

  // New contents at the same offsets read back as new (an index entry
  // left past the cut would point into the old bytes).
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK_AND_ASSIGN(
        AppendResult appended,
        log->Append(MakeBatch(2, absl::StrCat("new-", i, "-"), 500), Durability::kAll));
    EXPECT_EQ(appended.base_offset, 30 + 2 * i);
  }
  for (int round = 0; round < 2; ++round) {
    std::shared_ptr<DiskPartitionLog> current = Log();
    ASSERT_OK_AND_ASSIGN(std::vector<Rec> all, ReadAll(*current));
    ASSERT_EQ(all.size(), 70u) << "round " << round;
    for (int64_t offset : {30, 45, 69}) {
      ASSERT_OK_AND_ASSIGN(ReadResult read, current->Read(offset, 1, 1 << 20));
      ASSERT_EQ(read.records.size(), 1u);
      EXPECT_EQ(read.records[0].offset, offset);
      EXPECT_EQ(std::string(read.records[0].value).substr(0, 4), "new-") << offset;
    }
    Reopen();  // the second round reads what recovery found
  }
}

TEST_F(TruncateTest, AtOrPastTheEndNothingChangesAndBelowTheStartIsRefused) {
  std::shared_ptr<DiskPartitionLog> log = ThirtyBatches();
  ASSERT_OK(log->TruncateTo(90));
  ASSERT_OK(log->TruncateTo(1000));
  EXPECT_EQ(log->log_end_offset(), 90);
  EXPECT_THAT(log->TruncateTo(-1), StatusIs(absl::StatusCode::kOutOfRange));
  ASSERT_OK(log->TruncateTo(0));
  EXPECT_EQ(log->log_end_offset(), 0);
  EXPECT_EQ(SegmentFiles(PartitionDir()).size(), 1u);
  ASSERT_OK_AND_ASSIGN(AppendResult appended, log->Append(MakeBatch(1, "x", 1), Durability::kAll));
  EXPECT_EQ(appended.base_offset, 0);
}

TEST_F(TruncateTest, AFollowerForgetsTheEpochsPastTheCutAndTakesTheNewLeadersBatches) {
  // Three batches of epochs 1, 2, 3 (copied from a leader's log).
  std::shared_ptr<DiskPartitionLog> leader = Create(LogConfig(), "leader");
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK(leader->Append(MakeBatch(2, "v", 10 + i), Durability::kAll).status());
  }
  const std::string file = SegmentFiles(leader->dir())[0];
  const std::string data = ReadFile(file);
  std::vector<std::string> batches;
  for (const BatchPos& batch : Batches(file)) {
    batches.push_back(data.substr(batch.position, batch.length));
  }
  ASSERT_EQ(batches.size(), 4u);
  auto with_epoch = [](std::string batch, int32_t epoch) {
    format::SetLeaderEpoch(batch.data(), epoch);
    return batch;
  };
  auto append = [](DiskPartitionLog& log, std::string bytes) {
    absl::Notification done;
    absl::Status status;
    log.AppendReplicaAsync(std::move(bytes), Durability::kAll,
                           [&](absl::StatusOr<AppendResult> result) {
                             status = result.status();
                             done.Notify();
                           });
    done.WaitForNotification();
    return status;
  };
  std::shared_ptr<DiskPartitionLog> follower = Create(LogConfig(), "follower");
  ASSERT_OK(append(*follower, with_epoch(batches[0], 1) + with_epoch(batches[1], 2) +
                                  with_epoch(batches[2], 3)));
  EXPECT_EQ(follower->leader_epochs().entries(), (std::vector<EpochEntry>{{1, 0}, {2, 2}, {3, 4}}));
  // The new leader (epoch 4) had epoch 2 up to offset 4 only: cut there.
  ASSERT_OK(follower->TruncateTo(4));
  EXPECT_EQ(follower->leader_epochs().entries(), (std::vector<EpochEntry>{{1, 0}, {2, 2}}));
  ASSERT_OK(append(*follower, with_epoch(batches[2], 4) + with_epoch(batches[3], 4)));
  EXPECT_EQ(follower->log_end_offset(), 8);
  Reopen();
  EXPECT_EQ(Log("follower")->leader_epochs().entries(),
            (std::vector<EpochEntry>{{1, 0}, {2, 2}, {4, 4}}));
  EXPECT_EQ(Log("follower")->log_end_offset(), 8);
}

TEST_F(TruncateTest, AFollowerBelowItsLeadersLogStartEmptiesItsLogAndStartsThere) {
  std::shared_ptr<DiskPartitionLog> log = ThirtyBatches();
  ASSERT_OK(log->BecomeLeader(3));
  EXPECT_THAT(log->TruncateFullyAndStartAt(90), StatusIs(absl::StatusCode::kFailedPrecondition))
      << "not past the log end: TruncateTo's job";
  ASSERT_OK(log->TruncateFullyAndStartAt(500));
  EXPECT_EQ(log->log_start_offset(), 500);
  EXPECT_EQ(log->high_watermark(), 500);
  EXPECT_EQ(log->log_end_offset(), 500);
  EXPECT_EQ(log->latest_leader_epoch(), -1) << "the epochs it knew started below";
  EXPECT_EQ(SegmentFiles(PartitionDir()).size(), 1u);
  EXPECT_THAT(log->Read(0, 1, 1 << 20).status(), StatusIs(absl::StatusCode::kOutOfRange));

  ASSERT_OK_AND_ASSIGN(AppendResult appended,
                       log->Append(MakeBatch(2, "new-", 500), Durability::kAll));
  EXPECT_EQ(appended.base_offset, 500);
  for (int round = 0; round < 2; ++round) {
    std::shared_ptr<DiskPartitionLog> current = Log();
    EXPECT_EQ(current->log_start_offset(), 500) << "round " << round;
    ASSERT_OK_AND_ASSIGN(std::vector<Rec> all, ReadAll(*current));
    ASSERT_EQ(all.size(), 2u) << "round " << round;
    EXPECT_EQ(all[0].offset, 500);
    EXPECT_EQ(all[1].offset, 501);
    Reopen();  // the second round reads what recovery found
  }
}

}  // namespace
}  // namespace eventlog::storage
