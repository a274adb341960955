// LogRetention: deleting old segments by size and time.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "storage/format/record_batch_format.h"
#include "storage/layout.h"
#include "storage/log/disk_partition_log.h"
#include "storage/util/coding.h"
#include "tests/storage/store_fixture.h"

namespace eventlog::storage {
namespace {

namespace stdfs = std::filesystem;
using ::eventlog::testing::StatusIs;
using testing::Batches;
using testing::BatchPos;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MakeBatch;
using testing::One;
using testing::ReadAll;
using testing::ReadFile;
using testing::Rec;
using testing::SegmentFiles;
using testing::ToRec;
using testing::WriteFile;

class LogRetentionTest : public testing::StoreFixture {};

TEST_F(LogRetentionTest, RetentionTrimsTheLeaderEpochCache) {
  LogConfig config = SmallSegments(1000);
  config.retention_bytes = 2500;
  auto log = Create(config);
  ASSERT_OK(log->BecomeLeader(1));
  for (int i = 0; i < 50; ++i) {
    ASSERT_OK(log->Append(MakeBatch(2, "value-", 1), Durability::kLeader).status());
  }
  ASSERT_OK(log->BecomeLeader(2));
  for (int i = 0; i < 50; ++i) {
    ASSERT_OK(log->Append(MakeBatch(2, "value-", 1), Durability::kLeader).status());
  }
  ASSERT_OK(log->Flush());
  ASSERT_OK(store_->RunCleanup());
  const int64_t start = log->log_start_offset();
  ASSERT_GT(start, 100) << "retention went past epoch 1";
  EXPECT_EQ(log->leader_epochs().entries(), (std::vector<EpochEntry>{{2, start}}));
  Reopen();
  EXPECT_EQ(Log()->leader_epochs().entries(), (std::vector<EpochEntry>{{2, start}}));
}

TEST_F(LogRetentionTest, RetentionBySize) {
  LogConfig config = SmallSegments(1000);
  config.retention_bytes = 2500;
  auto log = Create(config);
  for (int i = 0; i < 100; ++i) {
    ASSERT_OK(log->Append(MakeBatch(2, "value-", 1), Durability::kLeader).status());
  }
  ASSERT_OK(log->Flush());
  const std::vector<int64_t> bases = log->TEST_SegmentBases();
  ASSERT_GT(bases.size(), 5u);
  const int64_t size_before = log->size_bytes();
  ASSERT_OK(store_->RunCleanup());
  const std::vector<int64_t> left = log->TEST_SegmentBases();
  EXPECT_LT(left.size(), bases.size());
  EXPECT_EQ(left.back(), bases.back());  // the active segment stays
  EXPECT_EQ(log->log_start_offset(), left.front());
  EXPECT_LT(log->size_bytes(), size_before);
  // What is left still holds retention_bytes, less one segment would not.
  EXPECT_GE(log->size_bytes(), 2500);
  EXPECT_LT(log->size_bytes(), 2500 + 1000);
  EXPECT_EQ(log->high_watermark(), 200);
  EXPECT_THAT(log->Read(0, 1, 100), StatusIs(absl::StatusCode::kOutOfRange));
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> rest, ReadAll(*log));
  EXPECT_EQ(rest.front().offset, left.front());
  EXPECT_EQ(rest.size(), static_cast<size_t>(200 - left.front()));
  EXPECT_EQ(SegmentFiles(PartitionDir()).size(), left.size());
  Reopen();
  EXPECT_EQ(Log()->log_start_offset(), left.front());
  EXPECT_EQ(Log()->high_watermark(), 200);
}

TEST_F(LogRetentionTest, RetentionByTimeNeverDeletesActiveSegmentOrMovesHighWatermarkBack) {
  LogConfig config = SmallSegments(500);
  config.retention_ms = 10'000;
  auto log = Create(config);
  const int64_t t0 = clock_.NowMs();
  for (int i = 0; i < 30; ++i) {
    ASSERT_OK(log->Append(MakeBatch(2, "old", t0 + i), Durability::kLeader).status());
  }
  clock_.AdvanceMs(5'000);
  for (int i = 0; i < 30; ++i) {
    ASSERT_OK(log->Append(MakeBatch(2, "new", clock_.NowMs()), Durability::kLeader).status());
  }
  ASSERT_OK(log->Flush());
  ASSERT_OK(store_->RunCleanup());  // nothing is old enough yet
  EXPECT_EQ(log->log_start_offset(), 0);

  clock_.AdvanceMs(5'100);  // the first 30 batches expired, the rest not
  ASSERT_OK(store_->RunCleanup());
  const int64_t start = log->log_start_offset();
  EXPECT_GT(start, 0);
  EXPECT_LE(start, 60);
  ASSERT_OK_AND_ASSIGN(ReadResult r, log->Read(start, 1, 100));
  EXPECT_EQ(r.records[0].offset, start);

  clock_.AdvanceMs(100'000);  // everything expired
  ASSERT_OK(store_->RunCleanup());
  EXPECT_EQ(log->TEST_SegmentBases().size(), 1u);
  EXPECT_EQ(log->high_watermark(), 120);
  const int64_t final_start = log->log_start_offset();
  EXPECT_EQ(final_start, log->TEST_SegmentBases()[0]);
  Reopen();
  EXPECT_EQ(Log()->high_watermark(), 120);
  EXPECT_EQ(Log()->log_start_offset(), final_start);
  ASSERT_OK_AND_ASSIGN(AppendResult a, Log()->Append(MakeBatch(1, "x", 1), Durability::kAll));
  EXPECT_EQ(a.base_offset, 120);
}

}  // namespace
}  // namespace eventlog::storage
