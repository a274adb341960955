// The durability contract of the partition log (docs/storage-format.md),
// on the fault-injecting file system: readers see only durable records, and
// a failed sync fails the store for good (fsyncgate).
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "storage/disk_store.h"
#include "tests/storage/fs/fault_injection_file_system.h"
#include "tests/storage/store_fixture.h"

namespace eventlog::storage {
namespace {

using ::eventlog::testing::StatusIs;
using testing::FaultInjectionFileSystem;
using testing::MakeBatch;
using testing::ReadAll;
using testing::Rec;

class DurabilityTest : public testing::StoreFixture {
 protected:
  StoreOptions Options() override {
    StoreOptions o = StoreFixture::Options();
    o.file_system = &fs_;
    o.flush_interval_ms = 0;
    o.on_storage_failure = [this](const absl::Status&) { ++failures_; };
    return o;
  }

  // The store goes before fs_, which it uses until closed (members of this
  // class are destroyed before the fixture's store_).
  void TearDown() override { store_.reset(); }

  void WaitForHeldSyncs(int n) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (fs_.syncs_waiting() < n && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
    ASSERT_GE(fs_.syncs_waiting(), n);
  }

  FaultInjectionFileSystem fs_{dir_.path() + "/data"};
  std::atomic<int> failures_{0};
};

// Found by the durability review: the high watermark moved right after the
// write, before its fsync, so readers and waiters saw records that a machine
// crash could take back, and commits were checked against them.
TEST_F(DurabilityTest, ReadersSeeRecordsOnlyOnceTheyAreDurable) {
  auto log = Create(LogConfig());
  ASSERT_OK(log->Append(MakeBatch(2, "durable", 1), Durability::kAll).status());
  fs_.HoldSyncs();
  std::atomic<int> woken{0};
  ASSERT_NE(log->WaitForData(2, [&] { woken++; }), 0u);
  absl::Notification acked;
  absl::StatusOr<AppendResult> result;
  log->AppendAsync(MakeBatch(3, "pending", 2), Durability::kAll,
                   [&](absl::StatusOr<AppendResult> r) {
                     result = std::move(r);
                     acked.Notify();
                   });
  ASSERT_NO_FATAL_FAILURE(WaitForHeldSyncs(1));
  // Written, not durable: invisible, and nobody is woken or acknowledged.
  EXPECT_EQ(log->log_end_offset(), 5);
  EXPECT_EQ(log->high_watermark(), 2);
  ASSERT_OK_AND_ASSIGN(ReadResult read, log->Read(0, 100, 1 << 20));
  EXPECT_EQ(read.records.size(), 2u);
  EXPECT_THAT(log->Read(3, 1, 1 << 20), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_EQ(woken.load(), 0);
  EXPECT_FALSE(acked.HasBeenNotified());
  // Durable: acknowledged, visible (the producer reads its own write), woken.
  fs_.ReleaseSyncs();
  acked.WaitForNotification();
  ASSERT_OK(result.status());
  EXPECT_EQ(log->high_watermark(), 5);
  EXPECT_EQ(woken.load(), 1);
  ASSERT_OK_AND_ASSIGN(read, log->Read(2, 100, 1 << 20));
  EXPECT_EQ(read.records.size(), 3u);
}

// ACKS_LEADER records wait for the next flush to become visible; a reader
// waiting on them makes that flush happen at once.
TEST_F(DurabilityTest, AWaitingReaderMakesLeaderAcksDurablePromptly) {
  auto log = Create(LogConfig());
  ASSERT_OK(log->Append(MakeBatch(2, "leader", 1), Durability::kLeader).status());
  EXPECT_EQ(log->high_watermark(), 0);
  EXPECT_EQ(log->log_end_offset(), 2);
  absl::Notification woken;
  // There is no periodic flush in this store: only the waiter can cause it.
  EXPECT_NE(log->WaitForData(0, [&] { woken.Notify(); }), 0u);
  ASSERT_TRUE(woken.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_EQ(log->high_watermark(), 2);
}

// Found by the durability review (fsyncgate): a failed fdatasync was
// swallowed and retried; the retry "succeeds" on pages the kernel had marked
// clean, and the ACKS_ALL batch that never reached the disk was
// acknowledged. Now the first failure fails the store for good.
TEST_F(DurabilityTest, AFailedSyncFailsEveryPendingAndLaterAcknowledgement) {
  auto log = Create(LogConfig());
  auto other = Create(LogConfig(), "other");
  ASSERT_OK(log->Append(MakeBatch(2, "before", 1), Durability::kAll).status());
  ASSERT_OK(other->Append(MakeBatch(1, "before", 1), Durability::kAll).status());

  // Several appends waiting for one round when its sync fails.
  fs_.HoldSyncs();
  constexpr int kPending = 4;
  absl::BlockingCounter done(kPending);
  std::vector<absl::Status> statuses(kPending);
  for (int i = 0; i < kPending; ++i) {
    log->AppendAsync(MakeBatch(1, "doomed", 2 + i), Durability::kAll,
                     [&, i](absl::StatusOr<AppendResult> r) {
                       statuses[i] = r.status();
                       done.DecrementCount();
                     });
  }
  ASSERT_NO_FATAL_FAILURE(WaitForHeldSyncs(1));
  fs_.FailSyncs("/topics/");
  fs_.ReleaseSyncs();
  done.Wait();
  for (const absl::Status& s : statuses) {
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kUnavailable));
    EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("fdatasync"));
  }
  EXPECT_EQ(failures_.load(), 1);  // told once
  fs_.StopFailingSyncs();          // the disk "recovers": syncs succeed again
  // Nothing is acknowledged or made visible any more, on any partition.
  EXPECT_THAT(log->Append(MakeBatch(1, "after", 9), Durability::kAll),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(log->Append(MakeBatch(1, "after", 9), Durability::kLeader),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(other->Append(MakeBatch(1, "after", 9), Durability::kAll),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(log->Flush(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(log->high_watermark(), 2);
  EXPECT_THAT(store_->health(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(failures_.load(), 1);

  // The machine restarts: what was acknowledged is there.
  fs_.Crash();
  EXPECT_THAT(store_->Close(), StatusIs(absl::StatusCode::kUnavailable));
  store_.reset();
  ASSERT_OK(fs_.PowerLoss(FaultInjectionFileSystem::TornWrites::kNone, 1));
  Reopen();
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> all, ReadAll(*Log()));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].value, "before1");
  EXPECT_EQ(ReadAll(*Log("other")).value().size(), 1u);
}

// A failed directory fsync (a roll's new segment) fails the store too.
TEST_F(DurabilityTest, AFailedDirectorySyncFailsTheStore) {
  auto log = Create(SmallSegments(200));
  ASSERT_OK(log->Append(MakeBatch(3, "v", 1), Durability::kAll).status());
  fs_.FailSyncs(log->dir());
  absl::Status rolled;
  // ACKS_LEADER: no file sync, so the roll's directory sync fails first.
  for (int i = 0; i < 20 && rolled.ok(); ++i) {
    rolled = log->Append(MakeBatch(3, "v", 1), Durability::kLeader).status();
  }
  EXPECT_THAT(std::string(rolled.message()), ::testing::HasSubstr("fsync of directory"));
  EXPECT_THAT(rolled, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(failures_.load(), 1);
  EXPECT_THAT(log->Append(MakeBatch(1, "v", 1), Durability::kLeader),
              StatusIs(absl::StatusCode::kUnavailable));
}

// CreateTopic fsyncs its partitions' folders side by side: one that fails
// fails the store, and the topic is not created.
TEST_F(DurabilityTest, AFailedFolderSyncAtCreationFailsTheStoreAndCreatesNothing) {
  fs_.FailSyncs("/topics/1/5");  // the first topic's partition 5
  absl::StatusOr<std::shared_ptr<Topic>> topic = store_->CreateTopic("t", 8, LogConfig());
  ASSERT_FALSE(topic.ok());
  EXPECT_THAT(std::string(topic.status().message()),
              ::testing::HasSubstr("fsync of directory " + dir_.path() + "/data/topics/1/5"));
  EXPECT_EQ(failures_.load(), 1);
  EXPECT_THAT(store_->GetTopic("t"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/data/topics/1"));
}

}  // namespace
}  // namespace eventlog::storage
