// DiskPartitionLog::AppendReplicaAsync on real files: a follower appends
// the leader's batches byte for byte, with the leader's offsets and leader
// epochs, records each new epoch's start, and refuses (writing nothing)
// batches below its log end, epochs going down, and damaged bytes.
#include <string>
#include <vector>

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

class ReplicaAppendTest : public testing::StoreFixture {
 protected:
  // The leader's log "leader" with `batches` batches of 3 records; returns
  // each stored batch's bytes, in order.
  std::vector<std::string> LeaderBatches(int batches) {
    std::shared_ptr<DiskPartitionLog> leader = Create(LogConfig(), "leader");
    for (int i = 0; i < batches; ++i) {
      EXPECT_OK(leader->Append(MakeBatch(3, "value-", 100 + i), Durability::kAll).status());
    }
    std::vector<std::string> out;
    for (const std::string& file : SegmentFiles(leader->dir())) {
      const std::string data = ReadFile(file);
      for (const BatchPos& batch : Batches(file)) {
        out.push_back(data.substr(batch.position, batch.length));
      }
    }
    return out;
  }

  static std::string WithEpoch(std::string batch, int32_t epoch) {
    format::SetLeaderEpoch(batch.data(), epoch);
    return batch;
  }

  static absl::StatusOr<AppendResult> AppendReplica(DiskPartitionLog& log, std::string batches) {
    absl::Notification done;
    absl::StatusOr<AppendResult> out;
    log.AppendReplicaAsync(std::move(batches), Durability::kAll,
                           [&](absl::StatusOr<AppendResult> result) {
                             out = std::move(result);
                             done.Notify();
                           });
    done.WaitForNotification();
    return out;
  }
};

TEST_F(ReplicaAppendTest, TheLeadersBatchesAreStoredByteForByteWithTheirOffsetsAndEpochs) {
  std::vector<std::string> batches = LeaderBatches(5);
  ASSERT_EQ(batches.size(), 5u);
  const std::vector<int32_t> epochs = {1, 1, 2, 2, 4};
  std::string copied;
  for (size_t i = 0; i < batches.size(); ++i) copied += WithEpoch(batches[i], epochs[i]);
  std::shared_ptr<DiskPartitionLog> follower = Create(LogConfig(), "follower");
  // Two appends, as a pipelined fetcher would make them.
  const size_t split = batches[0].size() + batches[1].size();
  ASSERT_OK_AND_ASSIGN(AppendResult first, AppendReplica(*follower, copied.substr(0, split)));
  EXPECT_EQ(first.base_offset, 0);
  EXPECT_EQ(first.last_offset, 5);
  ASSERT_OK_AND_ASSIGN(AppendResult rest, AppendReplica(*follower, copied.substr(split)));
  EXPECT_EQ(rest.base_offset, 6);
  EXPECT_EQ(rest.last_offset, 14);
  EXPECT_EQ(follower->log_end_offset(), 15);
  EXPECT_EQ(follower->high_watermark(), 15) << "durable: acknowledged after the fsync";

  std::vector<std::string> files = SegmentFiles(follower->dir());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(ReadFile(files[0]), copied) << "no re-encoding";
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> theirs, ReadAll(*Log("leader")));
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> ours, ReadAll(*follower));
  EXPECT_EQ(ours, theirs);
  EXPECT_EQ(follower->leader_epochs().entries(),
            (std::vector<EpochEntry>{{1, 0}, {2, 6}, {4, 12}}));

  // Both survive a restart.
  Reopen();
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> reopened, ReadAll(*Log("follower")));
  EXPECT_EQ(reopened, theirs);
  EXPECT_EQ(Log("follower")->leader_epochs().entries(),
            (std::vector<EpochEntry>{{1, 0}, {2, 6}, {4, 12}}));
  EXPECT_EQ(Log("follower")->leader_epochs().EndOffsetFor(2, 15), (EpochEndOffset{2, 12}));
}

TEST_F(ReplicaAppendTest, AGapLeftByTheLeadersCompactionIsKept) {
  std::vector<std::string> batches = LeaderBatches(2);
  std::string later = batches[1];
  format::SetBaseOffset(later.data(), 20);  // the checksum does not cover it
  std::shared_ptr<DiskPartitionLog> follower = Create(LogConfig(), "follower");
  ASSERT_OK(AppendReplica(*follower, batches[0] + later).status());
  EXPECT_EQ(follower->log_end_offset(), 23);
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> records, ReadAll(*follower));
  ASSERT_EQ(records.size(), 6u);
  EXPECT_EQ(records[2].offset, 2);
  EXPECT_EQ(records[3].offset, 20);
}

TEST_F(ReplicaAppendTest, SegmentsRollAtTheReplicatedBatchesOffsets) {
  std::vector<std::string> batches = LeaderBatches(30);
  std::string copied;
  for (const std::string& batch : batches) copied += batch;
  std::shared_ptr<DiskPartitionLog> follower = Create(SmallSegments(1024), "follower");
  ASSERT_OK(AppendReplica(*follower, copied).status());
  std::vector<std::string> files = SegmentFiles(follower->dir());
  ASSERT_GT(files.size(), 1u);
  for (const std::string& file : files) {
    std::vector<BatchPos> in_file = Batches(file);
    ASSERT_FALSE(in_file.empty());
    EXPECT_EQ(layout::SegmentFileName(in_file[0].base_offset), file.substr(file.rfind('/') + 1));
  }
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> records, ReadAll(*follower));
  EXPECT_EQ(records.size(), 90u);
}

TEST_F(ReplicaAppendTest, RefusedAppendsWriteNothing) {
  std::vector<std::string> batches = LeaderBatches(3);
  std::shared_ptr<DiskPartitionLog> follower = Create(LogConfig(), "follower");
  ASSERT_OK(AppendReplica(*follower, WithEpoch(batches[0], 3)).status());
  const std::string file = SegmentFiles(follower->dir())[0];
  const std::string before = ReadFile(file);

  EXPECT_THAT(AppendReplica(*follower, "").status(), StatusIs(absl::StatusCode::kInvalidArgument));
  // Already there: below the log end.
  EXPECT_THAT(AppendReplica(*follower, WithEpoch(batches[0], 3)).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // An older leader's batch after a newer one's.
  EXPECT_THAT(AppendReplica(*follower, WithEpoch(batches[1], 2)).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // Out of order within one call.
  EXPECT_THAT(
      AppendReplica(*follower, WithEpoch(batches[2], 3) + WithEpoch(batches[1], 3)).status(),
      StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(
      AppendReplica(*follower, WithEpoch(batches[1], 4) + WithEpoch(batches[2], 3)).status(),
      StatusIs(absl::StatusCode::kFailedPrecondition));
  // Damaged in transit: a flipped record byte, a cut batch.
  std::string flipped = WithEpoch(batches[1], 3);
  flipped[flipped.size() - 2] ^= 0x40;
  EXPECT_THAT(AppendReplica(*follower, flipped).status(), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(AppendReplica(*follower, batches[1].substr(0, batches[1].size() - 1)).status(),
              StatusIs(absl::StatusCode::kDataLoss));

  EXPECT_EQ(ReadFile(file), before);
  EXPECT_EQ(follower->log_end_offset(), 3);
  EXPECT_EQ(follower->leader_epochs().entries(), (std::vector<EpochEntry>{{3, 0}}));
  // The next batch in order is taken.
  ASSERT_OK(AppendReplica(*follower, WithEpoch(batches[1], 3)).status());
  EXPECT_EQ(follower->log_end_offset(), 6);
}

TEST_F(ReplicaAppendTest, ALeaderStampsItsEpochAndRecordsWhereItStarts) {
  std::shared_ptr<DiskPartitionLog> log = Create(LogConfig(), "leader");
  ASSERT_OK(log->Append(MakeBatch(2, "before-", 1), Durability::kAll).status());
  ASSERT_OK(log->BecomeLeader(3));
  ASSERT_OK(log->Append(MakeBatch(2, "three-", 2), Durability::kAll).status());
  ASSERT_OK(log->BecomeLeader(3)) << "the current epoch again";
  ASSERT_OK(log->BecomeLeader(5));
  ASSERT_OK(log->Append(MakeBatch(2, "five-", 3), Durability::kAll).status());
  EXPECT_THAT(log->BecomeLeader(4), StatusIs(absl::StatusCode::kFailedPrecondition));
  std::vector<int32_t> epochs;
  for (const std::string& file : SegmentFiles(log->dir())) {
    const std::string data = ReadFile(file);
    for (const BatchPos& batch : Batches(file)) {
      epochs.push_back(format::DecodeBatchHeader(data.data() + batch.position).leader_epoch);
    }
  }
  EXPECT_EQ(epochs, (std::vector<int32_t>{0, 3, 5}));
  EXPECT_EQ(log->leader_epochs().entries(), (std::vector<EpochEntry>{{3, 2}, {5, 4}}));
  // The stamped batches still pass their checksums (a follower takes them).
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> records, ReadAll(*log));
  EXPECT_EQ(records.size(), 6u);
}

TEST_F(ReplicaAppendTest, ALeadersReadForItsFollowersCopiesWholeBatchesUpToTheLogEnd) {
  std::shared_ptr<DiskPartitionLog> leader = Create(SmallSegments(1024), "leader");
  ASSERT_OK(leader->BecomeLeader(7));
  for (int i = 0; i < 30; ++i) {
    // ACKS_LEADER: written, not necessarily durable; followers copy it all.
    ASSERT_OK(leader->Append(MakeBatch(3, "value-", 100 + i), Durability::kLeader).status());
  }
  ASSERT_GT(SegmentFiles(leader->dir()).size(), 1u);
  std::string stored;
  for (const std::string& file : SegmentFiles(leader->dir())) stored += ReadFile(file);

  // Everything, in reads of about 500 bytes, as a follower would fetch it.
  std::shared_ptr<DiskPartitionLog> follower = Create(LogConfig(), "follower");
  std::string copied;
  int64_t next = 0;
  int reads = 0;
  while (true) {
    ASSERT_OK_AND_ASSIGN(ReplicaRead read, leader->ReadForReplica(next, 500));
    EXPECT_EQ(read.log_end_offset, 90);
    if (read.batches.empty()) break;
    ASSERT_LE(read.batches.size(), 500u);
    copied += read.batches;
    ASSERT_OK(AppendReplica(*follower, read.batches).status());
    next = read.next_offset;
    ++reads;
  }
  EXPECT_EQ(next, 90);
  EXPECT_GT(reads, 2);
  EXPECT_EQ(copied, stored) << "whole batches, as stored";
  ASSERT_OK(leader->Flush());
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> theirs, ReadAll(*leader));
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> ours, ReadAll(*follower));
  EXPECT_EQ(ours, theirs);
  EXPECT_EQ(follower->leader_epochs().entries(), (std::vector<EpochEntry>{{7, 0}}));

  // From inside a batch: that whole batch first. A tiny limit: one batch.
  ASSERT_OK_AND_ASSIGN(ReplicaRead middle, leader->ReadForReplica(31, 1));
  ASSERT_FALSE(middle.batches.empty());
  const format::BatchHeader first = format::DecodeBatchHeader(middle.batches.data());
  EXPECT_EQ(first.base_offset, 30);
  EXPECT_EQ(middle.batches.size(), first.batch_length);
  EXPECT_EQ(middle.next_offset, 33);
  EXPECT_THAT(leader->ReadForReplica(91, 500).status(), StatusIs(absl::StatusCode::kOutOfRange));
}

}  // namespace
}  // namespace eventlog::storage
