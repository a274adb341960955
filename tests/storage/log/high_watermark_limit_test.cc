// DiskPartitionLog's high watermark across replicas on real files: a limit
// (the in-sync followers' lowest durable end) caps what readers see,
// ACKS_ALL appends complete only once the high watermark passes them, and
// fail when the replica stops leading; the leader's followers wait for
// written (not durable) records.
#include <atomic>
#include <limits>
#include <string>

#include "absl/synchronization/notification.h"
#include "storage/log/disk_partition_log.h"
#include "storage/util/error_reason.h"
#include "tests/storage/store_fixture.h"

namespace eventlog::storage {
namespace {

using ::eventlog::testing::StatusIs;
using testing::MakeBatch;

class HighWatermarkLimitTest : public testing::StoreFixture {};

TEST_F(HighWatermarkLimitTest, WithoutALimitTheHighWatermarkIsTheDurableEnd) {
  std::shared_ptr<DiskPartitionLog> log = Create(LogConfig());
  ASSERT_OK(log->Append(MakeBatch(3, "v", 100), Durability::kAll).status());
  EXPECT_EQ(log->high_watermark(), 3);
  EXPECT_EQ(log->durable_end(), 3);
}

TEST_F(HighWatermarkLimitTest, AnAcksAllAppendCompletesOnceTheLimitPassesIt) {
  std::shared_ptr<DiskPartitionLog> log = Create(LogConfig());
  log->SetHighWatermarkLimit(0);  // a leader whose follower has nothing yet
  absl::Notification done;
  absl::StatusOr<AppendResult> out;
  log->AppendAsync(MakeBatch(3, "v", 100), Durability::kAll, [&](absl::StatusOr<AppendResult> r) {
    out = std::move(r);
    done.Notify();
  });
  ASSERT_OK(log->Flush());
  EXPECT_EQ(log->durable_end(), 3);
  EXPECT_EQ(log->high_watermark(), 0) << "durable here, not yet on the follower";
  EXPECT_FALSE(done.HasBeenNotified());
  ASSERT_OK(log->Read(0, 10, 1 << 20).status());
  EXPECT_TRUE(log->Read(0, 10, 1 << 20)->records.empty()) << "readers see below the limit only";

  log->SetHighWatermarkLimit(2);  // the follower has two records durably
  EXPECT_EQ(log->high_watermark(), 2);
  EXPECT_FALSE(done.HasBeenNotified()) << "the batch ends at offset 2";
  log->SetHighWatermarkLimit(3);
  done.WaitForNotification();
  ASSERT_OK(out.status());
  EXPECT_EQ(out->last_offset, 2);
  EXPECT_EQ(log->high_watermark(), 3);

  log->SetHighWatermarkLimit(1);
  EXPECT_EQ(log->high_watermark(), 3) << "a lower limit never moves it down";
}

TEST_F(HighWatermarkLimitTest, TheLimitNeverLetsTheHighWatermarkPassTheDurableEnd) {
  std::shared_ptr<DiskPartitionLog> log = Create(LogConfig());
  log->SetHighWatermarkLimit(std::numeric_limits<int64_t>::max() - 1);
  ASSERT_OK(log->Append(MakeBatch(2, "v", 100), Durability::kLeader).status());
  log->SetHighWatermarkLimit(100);
  EXPECT_EQ(log->high_watermark(), log->durable_end());
  ASSERT_OK(log->Flush());
  EXPECT_EQ(log->high_watermark(), 2);
}

TEST_F(HighWatermarkLimitTest, PendingAcksFailWhenTheReplicaStopsLeading) {
  std::shared_ptr<DiskPartitionLog> log = Create(LogConfig());
  log->SetHighWatermarkLimit(0);
  absl::Notification done;
  absl::StatusOr<AppendResult> out;
  log->AppendAsync(MakeBatch(1, "v", 100), Durability::kAll, [&](absl::StatusOr<AppendResult> r) {
    out = std::move(r);
    done.Notify();
  });
  ASSERT_OK(log->Flush());
  log->FailPendingAcks(absl::UnavailableError("no longer the leader"));
  done.WaitForNotification();
  EXPECT_THAT(out.status(), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(HighWatermarkLimitTest, AnIsrBelowTheMinimumFailsAWaitingAcksAllAppendAfterWritingIt) {
  std::shared_ptr<DiskPartitionLog> log = Create(LogConfig());
  log->SetInSyncReplicas(2, 2);
  log->SetHighWatermarkLimit(0);
  absl::Notification done;
  absl::StatusOr<AppendResult> out;
  log->AppendAsync(MakeBatch(2, "v", 100), Durability::kAll, [&](absl::StatusOr<AppendResult> r) {
    out = std::move(r);
    done.Notify();
  });
  ASSERT_OK(log->Flush());
  EXPECT_FALSE(done.HasBeenNotified());
  log->SetInSyncReplicas(1, 2);  // the follower left the ISR
  done.WaitForNotification();
  EXPECT_THAT(out.status(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(util::ReasonOf(out.status()), util::ErrorReason::kNotEnoughReplicasAfterAppend);
  // Written all the same: readers see it once the smaller ISR has it.
  log->SetHighWatermarkLimit(std::numeric_limits<int64_t>::max());
  EXPECT_EQ(log->high_watermark(), 2);
  // And a new ACKS_ALL append is refused before anything is written.
  absl::StatusOr<AppendResult> refused = log->Append(MakeBatch(1, "v", 100), Durability::kAll);
  EXPECT_EQ(util::ReasonOf(refused.status()), util::ErrorReason::kNotEnoughReplicas);
  EXPECT_EQ(log->log_end_offset(), 2);
}

TEST_F(HighWatermarkLimitTest, AWaitForWrittenRunsWhenARecordIsWrittenBeforeItIsDurable) {
  std::shared_ptr<DiskPartitionLog> log = Create(LogConfig());
  ASSERT_OK(log->Append(MakeBatch(2, "v", 100), Durability::kAll).status());
  std::atomic<int> called{0};
  EXPECT_EQ(log->WaitForWritten(1, [&] { ++called; }), 0u) << "offset 1 is written already";
  const PartitionLog::WaiterId id = log->WaitForWritten(2, [&] { ++called; });
  ASSERT_NE(id, 0u);
  EXPECT_EQ(called.load(), 0);
  log->SetHighWatermarkLimit(0);
  ASSERT_OK(log->Append(MakeBatch(1, "v", 100), Durability::kLeader).status());
  EXPECT_EQ(called.load(), 1);
  EXPECT_FALSE(log->CancelWaitForWritten(id));
}

}  // namespace
}  // namespace eventlog::storage
