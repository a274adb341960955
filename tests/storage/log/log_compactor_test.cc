// LogCompactor: key-based compaction, tombstones, crash atomicity, damage.
#include "storage/log/log_compactor.h"

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

class LogCompactorTest : public testing::StoreFixture {
 protected:
  LogConfig Compacted(int64_t segment_bytes) {
    LogConfig config = SmallSegments(segment_bytes);
    config.cleanup_policy = CleanupPolicy::kCompact;
    return config;
  }

  // Writes a compactable log (keys k0..k2, 60 records, several segments);
  // returns what a finished compaction leaves.
  std::vector<Rec> Fill() {
    auto log = Create(Compacted(400));
    std::vector<Rec> written;
    for (int i = 0; i < 60; ++i) {
      const std::string key = absl::StrCat("k", i % 3);
      EXPECT_OK(log->Append(One(key, absl::StrCat("v", i), i), Durability::kLeader).status());
      written.push_back(Rec{i, i, key, absl::StrCat("v", i), {}});
    }
    EXPECT_OK(log->Flush());
    const int64_t active_base = log->TEST_SegmentBases().back();
    std::vector<Rec> compacted;
    for (const Rec& r : written) {
      if (r.offset >= active_base || r.offset >= 57) compacted.push_back(r);
    }
    all_ = written;
    return compacted;
  }

  // Only segment files are left in `dir`.
  void ExpectOnlySegments(const std::string& dir) {
    for (const auto& e : stdfs::directory_iterator(dir)) {
      EXPECT_EQ(e.path().extension(), ".log") << e.path();
    }
  }

  // What the first segment's compaction alone leaves: the rest as written.
  std::vector<Rec> FirstSegmentCompacted(const std::vector<Rec>& compacted, int64_t second_base) {
    std::vector<Rec> out;
    for (const Rec& r : all_) {
      const bool kept = std::find(compacted.begin(), compacted.end(), r) != compacted.end();
      if (r.offset >= second_base || kept) out.push_back(r);
    }
    return out;
  }

  std::vector<Rec> all_;
};

TEST_F(LogCompactorTest, CompactionKeepsNewestPerKeyAndOffsets) {
  auto log = Create(Compacted(600));
  std::vector<Rec> written;
  for (int i = 0; i < 120; ++i) {
    const std::string key = i % 7 == 0 ? "" : absl::StrCat("k", i % 5);
    const std::string value = absl::StrCat("v", i);
    ASSERT_OK_AND_ASSIGN(AppendResult r,
                         log->Append(One(key, value, 100 + i), Durability::kLeader));
    written.push_back(Rec{r.base_offset, 100 + i, key, value, {}});
  }
  ASSERT_OK(log->Flush());
  const int64_t size_before = log->size_bytes();
  const int64_t active_base = log->TEST_SegmentBases().back();
  ASSERT_OK(store_->RunCleanup());
  EXPECT_LT(log->size_bytes(), size_before);

  std::map<std::string, int64_t> newest;
  for (const Rec& r : written) {
    if (!r.key.empty()) newest[r.key] = r.offset;
  }
  std::vector<Rec> expected;
  for (const Rec& r : written) {
    if (r.key.empty() || r.offset >= active_base || newest[r.key] == r.offset)
      expected.push_back(r);
  }
  ASSERT_LT(expected.size(), written.size());
  auto check = [&](const PartitionLog& l) {
    ASSERT_OK_AND_ASSIGN(std::vector<Rec> got, ReadAll(l));
    EXPECT_EQ(got, expected);
    EXPECT_EQ(l.high_watermark(), 120);
    EXPECT_EQ(l.log_start_offset(), 0);
    // A read starting inside a gap gets the next record after it.
    for (size_t i = 0; i + 1 < expected.size(); ++i) {
      if (expected[i + 1].offset > expected[i].offset + 1) {
        ASSERT_OK_AND_ASSIGN(ReadResult r, l.Read(expected[i].offset + 1, 1, 1000));
        ASSERT_EQ(r.records.size(), 1u);
        EXPECT_EQ(r.records[0].offset, expected[i + 1].offset);
      }
    }
  };
  check(*log);
  // Compacting again changes nothing.
  ASSERT_OK(store_->RunCleanup());
  check(*log);
  Reopen();
  check(*Log());
}

// KIP-534: a tombstone is kept for delete_retention_ms from when the cleaner
// first saw it, whatever its own timestamp says, so that consumers lagging
// behind still see the delete.
TEST_F(LogCompactorTest, TombstonesStayForTheGraceFromWhenTheCleanerFirstSawThem) {
  LogConfig config = Compacted(300);
  config.delete_retention_ms = 1000;
  auto log = Create(config);
  const int64_t long_ago = clock_.NowMs() - 10 * 24 * 3600 * 1000LL;
  ASSERT_OK(log->Append(One("gone", "value", long_ago), Durability::kLeader).status());
  ASSERT_OK(log->Append(One("stays", "value", long_ago), Durability::kLeader).status());
  // A tombstone with a timestamp far older than the grace period.
  ASSERT_OK(log->Append(One("gone", "", long_ago), Durability::kLeader).status());
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK(log->Append(One("", absl::StrCat("filler", i), clock_.NowMs()), Durability::kLeader)
                  .status());
  }
  ASSERT_OK(log->Flush());
  ASSERT_GT(log->TEST_SegmentBases().size(), 1u);
  ASSERT_LT(2, log->TEST_SegmentBases().back());

  auto keys = [&]() {
    std::vector<std::pair<int64_t, std::string>> out;
    const std::vector<Rec> all = ReadAll(*Log()).value();
    for (const Rec& r : all) {
      if (!r.key.empty()) out.emplace_back(r.offset, absl::StrCat(r.key, "=", r.value));
    }
    return out;
  };
  ASSERT_OK(store_->RunCleanup());
  EXPECT_THAT(keys(), ElementsAre(std::make_pair(1, std::string("stays=value")),
                                  std::make_pair(2, std::string("gone="))));
  clock_.AdvanceMs(999);
  ASSERT_OK(store_->RunCleanup());
  EXPECT_EQ(keys().size(), 2u);
  // The first sighting survives a restart.
  Reopen();
  clock_.AdvanceMs(1);
  ASSERT_OK(store_->RunCleanup());
  EXPECT_THAT(keys(), ElementsAre(std::make_pair(1, std::string("stays=value"))));
  EXPECT_EQ(Log()->high_watermark(), 23);
}

// Records written but not yet durable never supersede durable ones: a crash
// could take them, and the older value with them.
TEST_F(LogCompactorTest, RecordsNotYetDurableSupersedeNothing) {
  auto log = Create(Compacted(300));
  ASSERT_OK(log->Append(One("k", "old", 1), Durability::kAll).status());
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK(log->Append(One("", absl::StrCat("filler", i), 1), Durability::kAll).status());
  }
  ASSERT_GT(log->TEST_SegmentBases().size(), 1u);
  ASSERT_OK(log->Append(One("k", "new", 1), Durability::kLeader).status());
  ASSERT_EQ(log->log_end_offset(), log->high_watermark() + 1);
  ASSERT_OK(store_->RunCleanup());
  ASSERT_OK_AND_ASSIGN(ReadResult first, log->Read(0, 1, 1 << 20));
  ASSERT_EQ(first.records.size(), 1u);
  EXPECT_EQ(first.records[0].value, "old");
  ASSERT_OK(log->Flush());
  ASSERT_OK(store_->RunCleanup());
  ASSERT_OK_AND_ASSIGN(first, log->Read(0, 1, 1 << 20));
  EXPECT_EQ(first.records[0].key, "");  // "old" went once "new" was durable
}

TEST_F(LogCompactorTest, LeftoverTempFileIsIgnoredAndRemoved) {
  Fill();
  const std::string dir = PartitionDir();
  Close();
  const std::string temp = dir + "/00000000000000000000.log.cleaned";
  WriteFile(temp, "half written garbage");
  Reopen();
  EXPECT_FALSE(stdfs::exists(temp));
  EXPECT_EQ(ReadAll(*Log()).value(), all_);
}

TEST_F(LogCompactorTest, CrashBeforeTheCommitPointLosesNothing) {
  const std::vector<Rec> compacted = Fill();
  const std::string dir = PartitionDir();
  Log()->TEST_compactor().TEST_SetCrashPoint(LogCompactor::CrashPoint::kCleanedWritten);
  ASSERT_OK(Log()->Compact());
  Close();
  Reopen();
  EXPECT_EQ(ReadAll(*Log()).value(), all_);  // as before the compaction
  ExpectOnlySegments(dir);
  ASSERT_OK(Log()->Compact());
  EXPECT_EQ(ReadAll(*Log()).value(), compacted);
}

// Past the commit point (the .swap rename), recovery finishes the first
// segment's compaction, wherever it stopped; later segments are compacted
// again by the next run. Nothing is duplicated or lost.
TEST_F(LogCompactorTest, CrashAfterTheCommitPointRollsForward) {
  for (LogCompactor::CrashPoint point :
       {LogCompactor::CrashPoint::kSwapCommitted, LogCompactor::CrashPoint::kIndexUpdated,
        LogCompactor::CrashPoint::kSwapped}) {
    SCOPED_TRACE(static_cast<int>(point));
    (void)store_->DeleteTopic("t");  // the previous round's
    const std::vector<Rec> compacted = Fill();
    const std::string dir = PartitionDir();
    const int64_t second_base = Log()->TEST_SegmentBases()[1];
    Log()->TEST_compactor().TEST_SetCrashPoint(point);
    ASSERT_OK(Log()->Compact());
    // Before the restart, reads are right whatever the index says.
    const std::vector<Rec> first_done = FirstSegmentCompacted(compacted, second_base);
    std::vector<Rec> now = ReadAll(*Log()).value();
    EXPECT_TRUE(now == all_ || now == first_done);
    Close();
    Reopen();
    EXPECT_EQ(ReadAll(*Log()).value(), first_done);
    ExpectOnlySegments(dir);
    ASSERT_OK(Log()->Compact());
    EXPECT_EQ(ReadAll(*Log()).value(), compacted);
    for (int64_t o = 0; o < 60; ++o) {
      ASSERT_OK_AND_ASSIGN(ReadResult one, Log()->Read(o, 1, 1 << 20));
      ASSERT_FALSE(one.records.empty());
      EXPECT_GE(one.records[0].offset, o);
    }
  }
}

// One damaged batch must not stop compaction forever: it is kept as it is
// (reads still report it) and the rest of the log is compacted.
TEST_F(LogCompactorTest, DamagedBatchIsKeptAndTheRestCompacted) {
  const std::vector<Rec> compacted = Fill();
  const std::string dir = PartitionDir();
  Close();
  const std::vector<std::string> files = SegmentFiles(dir);
  ASSERT_GE(files.size(), 3u);
  std::vector<BatchPos> batches = Batches(files[0]);
  ASSERT_GE(batches.size(), 3u);
  const BatchPos bad = batches[1];
  std::string data = ReadFile(files[0]);
  data[bad.position + bad.length - 2] ^= 0x01;
  WriteFile(files[0], data);
  Reopen();
  ASSERT_OK(Log()->Compact());
  EXPECT_THAT(Log()->Read(bad.base_offset, 1, 1 << 20), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_EQ(Log()->TEST_compactor().stats().damaged_batches, 1);
  // Every other segment is compacted as usual.
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> rest, ReadAll(*Log(), Log()->TEST_SegmentBases()[1]));
  std::vector<Rec> expected;
  for (const Rec& r : compacted) {
    if (r.offset >= Log()->TEST_SegmentBases()[1]) expected.push_back(r);
  }
  EXPECT_EQ(rest, expected);
}

}  // namespace
}  // namespace eventlog::storage
