// PartitionRecovery: what a partition looks like after reopening: torn
// writes, the recovery point, lost indexes.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
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
#include "tests/storage/util/logging/captured_log.h"

namespace eventlog::storage {
namespace {

namespace stdfs = std::filesystem;
using ::eventlog::testing::CapturedLog;
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

class PartitionRecoveryTest : public testing::StoreFixture {};

// Opening a large log reads only what the index does not cover.
TEST_F(PartitionRecoveryTest, RecoveryScansOnlyPastTheLastIndexEntry) {
  auto log = Create(SmallSegments(256 << 10));
  for (int i = 0; i < 1000; ++i) {
    ASSERT_OK(
        log->Append(MakeBatch(40, "a-value-of-some-length-", i), Durability::kLeader).status());
  }
  const int64_t size = log->size_bytes();
  ASSERT_GT(size, 1 << 20);
  ASSERT_GT(log->TEST_SegmentBases().size(), 3u);
  Reopen();
  EXPECT_LE(Log()->TEST_recovery_bytes_scanned(), 2 * index_interval_bytes_ + 4096);
  EXPECT_EQ(Log()->high_watermark(), 40000);
  // Without an index, everything is scanned (and the index rebuilt).
  Close();
  stdfs::remove_all(dir_.path() + "/data/index");
  Reopen();
  EXPECT_EQ(Log()->TEST_recovery_bytes_scanned(), size);
  Reopen();
  EXPECT_LE(Log()->TEST_recovery_bytes_scanned(), 2 * index_interval_bytes_ + 4096);
}

// A crash after appends that were never synced: their bytes may be torn.
// Past the recovery point, damage is such a write and is cut away.
TEST_F(PartitionRecoveryTest, TornTailPastTheRecoveryPointIsCutAndAppendsContinue) {
  auto log = Create(LogConfig());
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK(log->Append(MakeBatch(3, "v", i), Durability::kLeader).status());
  }
  const std::string dir = PartitionDir();
  Close();
  const std::string file = SegmentFiles(dir).back();
  std::vector<BatchPos> batches = Batches(file);
  ASSERT_EQ(batches.size(), 10u);
  // The last batch was never synced: cut in the middle.
  SetRecoveryPoint(1, 0, 27);
  stdfs::resize_file(file, batches.back().position + batches.back().length / 2);
  Reopen();
  EXPECT_EQ(Log()->high_watermark(), 27);
  EXPECT_EQ(stdfs::file_size(file), batches.back().position);
  ASSERT_OK_AND_ASSIGN(AppendResult r, Log()->Append(MakeBatch(2, "new", 99), Durability::kAll));
  EXPECT_EQ(r.base_offset, 27);
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> all, ReadAll(*Log()));
  ASSERT_EQ(all.size(), 29u);
  EXPECT_EQ(all[27].value, "new0");

  // A partial header at the tail, past everything synced.
  Close();
  {
    std::ofstream out(file, std::ios::binary | std::ios::app);
    out << std::string(20, 'z');
  }
  Reopen();
  EXPECT_EQ(Log()->high_watermark(), 29);
  ASSERT_OK(Log()->Append(MakeBatch(1, "last", 99), Durability::kAll).status());
  // A batch with a bad checksum past the recovery point.
  Close();
  SetRecoveryPoint(1, 0, 29);
  std::string data = ReadFile(file);
  data[data.size() - 2] ^= 0x40;
  WriteFile(file, data);
  Reopen();
  EXPECT_EQ(Log()->high_watermark(), 29);
  ASSERT_OK_AND_ASSIGN(all, ReadAll(*Log()));
  EXPECT_EQ(all.size(), 29u);
  // No index entry survives past the end.
  Close();
  for (const auto& [key, value] : DumpIndex()) {
    if (key[0] == 'o') {
      EXPECT_LT(static_cast<int64_t>(util::coding::GetBigEndian64(key.data() + key.size() - 8)),
                29);
    }
  }
}

// Found missing by the durability review: a torn write followed by a good
// batch (the page cache wrote a later page first) was kept as a permanent
// DATA_LOSS hole, and a group stuck behind it never got past. Past the
// recovery point it is cut, with everything after it (never acknowledged).
TEST_F(PartitionRecoveryTest, DamageFollowedByGoodBatchesPastTheRecoveryPointIsCut) {
  auto log = Create(SmallSegments(1500));
  for (int i = 0; i < 80; ++i) {
    ASSERT_OK(log->Append(MakeBatch(3, "v", i), Durability::kLeader).status());
  }
  ASSERT_GE(log->TEST_SegmentBases().size(), 3u);
  const std::string dir = PartitionDir();
  Close();
  std::vector<std::string> files = SegmentFiles(dir);
  // Damage in the middle of the second segment; the recovery point just
  // before it.
  std::vector<BatchPos> batches = Batches(files[1]);
  ASSERT_GE(batches.size(), 3u);
  const BatchPos torn = batches[1];
  std::string data = ReadFile(files[1]);
  data[torn.position + torn.length - 5] ^= 0x04;
  WriteFile(files[1], data);
  SetRecoveryPoint(1, 0, torn.base_offset);
  CapturedLog captured;
  Reopen();
  log = Log();
  EXPECT_THAT(captured.Text(), HasSubstr("WARNING storage: recovery cut a torn, never acknowledged "
                                         "write from the end of the log"));
  EXPECT_EQ(log->high_watermark(), torn.base_offset);
  EXPECT_EQ(log->log_end_offset(), torn.base_offset);
  EXPECT_EQ(log->TEST_SegmentBases().size(), 2u);  // later segments removed
  EXPECT_GT(log->TEST_recovery_truncated_bytes(), 0);
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> all, ReadAll(*log));
  EXPECT_EQ(static_cast<int64_t>(all.size()), torn.base_offset);
  ASSERT_OK_AND_ASSIGN(AppendResult r, log->Append(MakeBatch(1, "after", 1), Durability::kAll));
  EXPECT_EQ(r.base_offset, torn.base_offset);
  ASSERT_OK_AND_ASSIGN(ReadResult read, log->Read(torn.base_offset, 10, 1 << 20));
  ASSERT_EQ(read.records.size(), 1u);
  EXPECT_EQ(read.records[0].value, "after0");
}

// Below the recovery point the records were durable (and acknowledged,
// perhaps read): damage there is real corruption. It stays DATA_LOSS for its
// own offsets, nothing after it goes, and offsets are never reused.
TEST_F(PartitionRecoveryTest, DamageBelowTheRecoveryPointStaysDataLossForItsRangeOnly) {
  auto log = Create(LogConfig());
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK(log->Append(MakeBatch(3, "v", i), Durability::kAll).status());
  }
  const std::string dir = PartitionDir();
  Close();
  const std::string file = SegmentFiles(dir).back();
  std::vector<BatchPos> batches = Batches(file);
  std::string data = ReadFile(file);
  data[batches[9].position + batches[9].length - 2] ^= 0x40;  // the last batch
  WriteFile(file, data);
  CapturedLog captured;
  Reopen();
  log = Log();
  // The operator is told, at error, what stays damaged and where.
  EXPECT_THAT(captured.Text(),
              HasSubstr("ERROR storage: recovery kept a damaged batch below the recovery point"));
  EXPECT_THAT(captured.Text(), HasSubstr(absl::StrCat("position=", batches[9].position)));
  EXPECT_THAT(captured.Text(), ::testing::Not(HasSubstr("cut a torn")));
  // Its offsets (27-29) are lost: the log goes on at the recovery point.
  EXPECT_THAT(captured.Text(), HasSubstr("ERROR storage: recovery found durable records missing"));
  EXPECT_EQ(log->high_watermark(), 30);
  EXPECT_THAT(log->Read(27, 10, 1 << 20), StatusIs(absl::StatusCode::kDataLoss));
  ASSERT_OK_AND_ASSIGN(AppendResult r, log->Append(MakeBatch(1, "x", 1), Durability::kAll));
  EXPECT_EQ(r.base_offset, 30);

  // A file cut short below the recovery point: the lost offsets are never
  // handed out again.
  Close();
  stdfs::resize_file(file, batches[5].position + 7);
  Reopen();
  log = Log();
  EXPECT_EQ(log->high_watermark(), 31);
  EXPECT_THAT(log->Read(15, 10, 1 << 20), StatusIs(absl::StatusCode::kDataLoss));
  ASSERT_OK_AND_ASSIGN(r, log->Append(MakeBatch(1, "y", 1), Durability::kAll));
  EXPECT_EQ(r.base_offset, 31);
  ASSERT_OK_AND_ASSIGN(ReadResult tail, log->Read(31, 10, 1 << 20));
  ASSERT_EQ(tail.records.size(), 1u);
  EXPECT_EQ(tail.records[0].value, "y0");
  ASSERT_OK_AND_ASSIGN(ReadResult head, log->Read(0, 100, 1 << 20));
  EXPECT_EQ(head.next_offset, 15);
}

// Found by tests/fuzz/segment_recovery_fuzzer: an active segment holding
// batches below its base offset (here a copy of the sealed segment, first
// batch damaged) was kept as mid-log damage, and a record appended after
// recovery could not be read back (its read started at the damaged batch).
// Batches below their segment's base are damage now: a torn tail, cut off.
TEST_F(PartitionRecoveryTest, BatchesBelowTheSegmentBaseAreDamage) {
  auto log = Create(SmallSegments(600));
  for (int i = 0; i < 12; ++i) {
    ASSERT_OK(log->Append(MakeBatch(2, "value", i), Durability::kLeader).status());
  }
  const std::string dir = PartitionDir();
  Close();
  std::vector<std::string> files = SegmentFiles(dir);
  ASSERT_EQ(files.size(), 2u);
  std::string copy = ReadFile(files.front());
  copy[format::kV2HeaderSize + 1] ^= 0x01;
  WriteFile(files.back(), copy);

  int64_t active_base;
  // Nothing in the active segment was ever synced.
  ASSERT_TRUE(layout::ParsePartitionFileName(stdfs::path(files.back()).filename().string(),
                                             &active_base) == layout::PartitionFile::kSegment);
  SetRecoveryPoint(1, 0, active_base);
  Reopen();
  log = Log();
  EXPECT_EQ(stdfs::file_size(files.back()), 0u);
  EXPECT_EQ(log->high_watermark(), active_base);
  ASSERT_OK_AND_ASSIGN(AppendResult r, log->Append(MakeBatch(1, "new", 1), Durability::kAll));
  EXPECT_EQ(r.base_offset, active_base);
  ASSERT_OK_AND_ASSIGN(ReadResult read, log->Read(r.base_offset, 10, 1 << 20));
  ASSERT_EQ(read.records.size(), 1u);
  EXPECT_EQ(read.records[0].offset, active_base);
}

TEST_F(PartitionRecoveryTest, LostIndexIsRebuiltIdentically) {
  auto log = Create(SmallSegments(900));
  std::mt19937 rng(7);
  for (int i = 0; i < 70; ++i) {
    RecordBatchBuilder b;
    for (int k = 0; k <= i % 3; ++k) {
      b.Add(absl::StrCat("key", k), absl::StrCat("value", i), {{"h", "v"}},
            5000 + static_cast<int64_t>(rng() % 1000));
    }
    ASSERT_OK(log->Append(std::move(b), Durability::kLeader).status());
  }
  ASSERT_OK(log->Flush());
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> before, ReadAll(*log));
  std::vector<int64_t> lookups;
  for (int64_t t = 4990; t < 6010; t += 7) lookups.push_back(log->OffsetForTimestamp(t).value());
  const uint64_t id = store_->GetTopic("t").value()->id();
  Close();
  const auto index_before = DumpIndex();
  ASSERT_FALSE(index_before.empty());

  stdfs::remove_all(dir_.path() + "/data/index");
  Reopen();
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> topic, store_->GetTopic("t"));
  EXPECT_EQ(topic->id(), id);
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> after, ReadAll(*Log()));
  EXPECT_EQ(after, before);
  for (size_t i = 0; i < lookups.size(); ++i) {
    EXPECT_EQ(Log()->OffsetForTimestamp(4990 + 7 * static_cast<int64_t>(i)).value(), lookups[i]);
  }
  Close();
  EXPECT_EQ(DumpIndex(), index_before);
}

}  // namespace
}  // namespace eventlog::storage
