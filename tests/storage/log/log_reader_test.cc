// LogReader: reads and time lookups over segments and the sparse index,
// and how they step around damage.
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

class LogReaderTest : public testing::StoreFixture {};

TEST_F(LogReaderTest, ReadLimitsAndRange) {
  auto log = Create(LogConfig());
  ASSERT_OK(log->Append(MakeBatch(10, "value-", 1), Durability::kAll).status());
  ASSERT_OK_AND_ASSIGN(ReadResult r, log->Read(2, 3, 1 << 20));
  ASSERT_EQ(r.records.size(), 3u);
  EXPECT_EQ(r.records[0].offset, 2);
  EXPECT_EQ(r.next_offset, 5);
  EXPECT_EQ(r.high_watermark, 10);
  EXPECT_EQ(r.log_start_offset, 0);
  // At least one record even when it exceeds max_bytes.
  ASSERT_OK_AND_ASSIGN(r, log->Read(4, 100, 1));
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].value, "value-4");
  EXPECT_EQ(r.next_offset, 5);
  // max_bytes bounds larger reads (each record is ~12 bytes).
  ASSERT_OK_AND_ASSIGN(r, log->Read(0, 100, 40));
  EXPECT_GE(r.records.size(), 2u);
  EXPECT_LE(r.records.size(), 4u);
  // At the high watermark: empty.
  ASSERT_OK_AND_ASSIGN(r, log->Read(10, 100, 1000));
  EXPECT_TRUE(r.records.empty());
  EXPECT_EQ(r.next_offset, 10);
  absl::StatusOr<ReadResult> past = log->Read(11, 1, 1);
  EXPECT_THAT(past, StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(std::string(past.status().message()),
              HasSubstr("offset 11 is out of range [0, 10) for partition 0"));
  EXPECT_THAT(log->Read(-1, 1, 1), StatusIs(absl::StatusCode::kOutOfRange));
}

// Batches of 1..5 records over many small segments with a sparse index:
// every offset must be readable by itself and in short runs.
TEST_F(LogReaderTest, SparseIndexLookupAtEveryBoundary) {
  auto log = Create(SmallSegments(700));
  int64_t next = 0;
  for (int i = 0; i < 80; ++i) {
    const int n = 1 + i % 5;
    ASSERT_OK_AND_ASSIGN(AppendResult r, log->Append(MakeBatch(n, absl::StrCat("v", i, "-"), i),
                                                     Durability::kLeader));
    EXPECT_EQ(r.base_offset, next);
    next += n;
  }
  ASSERT_OK(log->Flush());
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> all, ReadAll(*log, 0, 1000));
  ASSERT_EQ(static_cast<int64_t>(all.size()), next);
  auto check_all = [&](const PartitionLog& l) {
    for (int64_t o = 0; o < next; ++o) {
      absl::StatusOr<ReadResult> one = l.Read(o, 1, 1 << 20);
      ASSERT_OK(one.status());
      ASSERT_EQ(one->records.size(), 1u) << o;
      EXPECT_EQ(ToRec(one->records[0]), all[o]);
      EXPECT_EQ(one->next_offset, o + 1);
      absl::StatusOr<ReadResult> three = l.Read(o, 3, 1 << 20);
      ASSERT_OK(three.status());
      ASSERT_EQ(three->records.size(), static_cast<size_t>(std::min<int64_t>(3, next - o)));
      for (size_t k = 0; k < three->records.size(); ++k) {
        EXPECT_EQ(three->records[k].offset, o + static_cast<int64_t>(k));
      }
    }
  };
  check_all(*log);
  const size_t segments = log->TEST_SegmentBases().size();
  ASSERT_GT(segments, 3u);
  Reopen();
  check_all(*Log());
  Close();
  // The index is sparse (fewer entries than batches) with at least one per
  // segment.
  size_t offset_entries = 0;
  for (const auto& [key, value] : DumpIndex()) offset_entries += key[0] == 'o';
  EXPECT_LT(offset_entries, 80u);
  EXPECT_GE(offset_entries, segments);
}

TEST_F(LogReaderTest, OffsetForTimestampWithUnorderedTimestamps) {
  auto log = Create(SmallSegments(600));
  std::mt19937 rng(42);
  std::vector<int64_t> ts;
  for (int i = 0; i < 60; ++i) {
    RecordBatchBuilder b;
    const int n = 1 + i % 4;
    for (int k = 0; k < n; ++k) {
      // Mostly rising, with stragglers from the past and jumps ahead.
      int64_t t = 1000 + i * 10 + static_cast<int64_t>(rng() % 40) - 20;
      if (rng() % 10 == 0) t -= 300;
      ts.push_back(t);
      b.Add("", "x", {}, t);
    }
    ASSERT_OK(log->Append(std::move(b), Durability::kLeader).status());
  }
  ASSERT_OK(log->Flush());
  const int64_t hw = static_cast<int64_t>(ts.size());
  auto expected = [&](int64_t target) {
    for (int64_t o = 0; o < hw; ++o) {
      if (ts[o] >= target) return o;
    }
    return hw;
  };
  auto check = [&](const PartitionLog& l) {
    for (int64_t target = 300; target <= 2000; target += 3) {
      ASSERT_OK_AND_ASSIGN(int64_t got, l.OffsetForTimestamp(target));
      EXPECT_EQ(got, expected(target)) << "timestamp " << target;
    }
    EXPECT_EQ(l.OffsetForTimestamp(-1'000'000).value(), 0);
    EXPECT_EQ(l.OffsetForTimestamp(1'000'000).value(), hw);
  };
  check(*log);
  Reopen();
  check(*Log());
}

TEST_F(LogReaderTest, FlippedByteMidLogIsDataLossAndEarlierRecordsRead) {
  // Every batch indexed: damage stays local.
  const std::vector<std::string> files = SealedSegmentsClosed(0);
  ASSERT_GE(files.size(), 3u);
  // Damage a batch in the middle of a sealed segment...
  const std::string sealed = files[1];
  std::vector<BatchPos> batches = Batches(sealed);
  ASSERT_GE(batches.size(), 3u);
  const BatchPos bad = batches[1];
  std::string data = ReadFile(sealed);
  data[bad.position + bad.length - 3] ^= 0x01;
  WriteFile(sealed, data);
  // ...and one in the middle of the active segment (not its tail).
  const std::string active = files.back();
  std::vector<BatchPos> active_batches = Batches(active);
  ASSERT_GE(active_batches.size(), 2u);
  const BatchPos bad2 = active_batches[0];
  data = ReadFile(active);
  data[bad2.position + format::kV2HeaderSize + 2] ^= 0x10;
  WriteFile(active, data);

  Reopen();
  auto log = Log();
  EXPECT_EQ(log->high_watermark(), 240);  // nothing truncated
  EXPECT_EQ(stdfs::file_size(active), data.size());
  // Records before the damage read; the damaged range is DATA_LOSS.
  ASSERT_OK_AND_ASSIGN(ReadResult before, log->Read(0, 1000, 1 << 20));
  ASSERT_FALSE(before.records.empty());
  EXPECT_EQ(before.records.back().offset, bad.base_offset - 1);
  EXPECT_EQ(before.next_offset, bad.base_offset);
  EXPECT_THAT(log->Read(bad.base_offset, 10, 1 << 20), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(log->Read(bad.base_offset + 2, 10, 1 << 20), StatusIs(absl::StatusCode::kDataLoss));
  // After the damaged batch, reading resumes.
  ASSERT_OK_AND_ASSIGN(ReadResult after, log->Read(bad.next_offset, 4, 1 << 20));
  ASSERT_EQ(after.records.size(), 4u);
  EXPECT_EQ(after.records[0].offset, bad.next_offset);
  EXPECT_THAT(log->Read(bad2.base_offset, 10, 1 << 20), StatusIs(absl::StatusCode::kDataLoss));
  ASSERT_OK_AND_ASSIGN(after, log->Read(bad2.next_offset, 1, 1 << 20));
  EXPECT_EQ(after.records[0].offset, bad2.next_offset);
  // The log stays open for appends.
  ASSERT_OK_AND_ASSIGN(AppendResult r, log->Append(MakeBatch(1, "more", 1), Durability::kAll));
  EXPECT_EQ(r.base_offset, 240);
}

TEST_F(LogReaderTest, DamageBetweenAnIndexEntryAndTheTargetIsSteppedOver) {
  index_interval_bytes_ = 1 << 20;  // one index entry: every read scans from the start
  Reopen();
  auto log = Create(LogConfig());
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK(log->Append(MakeBatch(4, "value", i), Durability::kLeader).status());
  }
  const std::string dir = PartitionDir();
  Close();
  std::vector<std::string> files = SegmentFiles(dir);
  ASSERT_EQ(files.size(), 1u);
  std::vector<BatchPos> batches = Batches(files[0]);
  ASSERT_EQ(batches.size(), 20u);
  const BatchPos bad = batches[5];
  std::string data = ReadFile(files[0]);
  data[bad.position + format::kV2HeaderSize + 3] ^= 0x20;
  WriteFile(files[0], data);

  Reopen();
  log = Log();
  EXPECT_THAT(log->Read(bad.base_offset + 1, 10, 1 << 20), StatusIs(absl::StatusCode::kDataLoss));
  // Past the damaged batch, reads work although the scan starts before it.
  ASSERT_OK_AND_ASSIGN(ReadResult after, log->Read(bad.next_offset, 6, 1 << 20));
  ASSERT_EQ(after.records.size(), 6u);
  EXPECT_EQ(after.records[0].offset, bad.next_offset);
  ASSERT_OK_AND_ASSIGN(after, log->Read(bad.next_offset + 9, 1, 1 << 20));
  EXPECT_EQ(after.records[0].offset, bad.next_offset + 9);
  // Before it, too; a read running into it stops there.
  ASSERT_OK_AND_ASSIGN(ReadResult before, log->Read(0, 1000, 1 << 20));
  EXPECT_EQ(before.next_offset, bad.base_offset);
}

TEST_F(LogReaderTest, DamagedHeaderWithWildOffsetsIsNotSteppedOver) {
  // Found by segment_recovery_fuzzer: the read path computed the end of a
  // damaged batch from a header that failed its checks (signed overflow).
  const std::vector<std::string> files = SealedSegmentsClosed(1 << 20);
  ASSERT_GE(files.size(), 3u);
  std::vector<BatchPos> batches = Batches(files[1]);
  ASSERT_GE(batches.size(), 3u);
  const BatchPos bad = batches[1];
  std::string data = ReadFile(files[1]);
  // A base offset near INT64_MIN and a negative last offset delta: their sum
  // overflows.
  util::coding::PutBigEndian64(data.data() + bad.position, 0x8000000000010000ULL);
  util::coding::PutBigEndian32(data.data() + bad.position + 23, 0x8BD0F0B5U);  // last delta
  format::SealBatch(data.data() + bad.position, bad.length);
  WriteFile(files[1], data);

  Reopen();
  auto log = Log();
  EXPECT_THAT(log->Read(bad.next_offset, 4, 1 << 20), StatusIs(absl::StatusCode::kDataLoss));
  ASSERT_OK_AND_ASSIGN(ReadResult before, log->Read(batches[0].base_offset, 1000, 1 << 20));
  EXPECT_EQ(before.next_offset, bad.base_offset);
}

// Found by segment_recovery_fuzzer (two inputs kept in its regressions):
// a batch with a good checksum but offsets out of its segment's order (past
// the next segment's base, or below the batch before it) was handed to
// readers, who got offsets out of order or past the high watermark. It is
// damage now, reported as DATA_LOSS for its own offsets only.
TEST_F(LogReaderTest, BatchesOutOfTheirSegmentsOrderAreDamage) {
  const std::vector<std::string> files = SealedSegmentsClosed(1 << 20);
  ASSERT_GE(files.size(), 3u);
  std::vector<BatchPos> batches = Batches(files[0]);
  ASSERT_GE(batches.size(), 6u);
  std::string data = ReadFile(files[0]);
  auto set_base = [&](const BatchPos& b, int64_t base) {
    format::SetBaseOffset(data.data() + b.position, base);
    format::SealBatch(data.data() + b.position, b.length);
  };
  const BatchPos past = batches[1];    // reaches into the next segment
  const BatchPos behind = batches[4];  // goes back before batches[3]
  set_base(past, int64_t{1} << 40);
  set_base(behind, batches[2].base_offset);
  WriteFile(files[0], data);

  Reopen();
  auto log = Log();
  EXPECT_THAT(log->Read(past.base_offset, 100, 1 << 20), StatusIs(absl::StatusCode::kDataLoss));
  absl::StatusOr<ReadResult> behind_read = log->Read(behind.base_offset, 100, 1 << 20);
  EXPECT_THAT(behind_read, StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(std::string(behind_read.status().message()),
              HasSubstr("below the end of the batch before it"));
  // Reads up to the damage, between the two damaged batches and after them
  // see only their own offsets, in order.
  ASSERT_OK_AND_ASSIGN(ReadResult first, log->Read(0, 1000, 1 << 20));
  EXPECT_EQ(first.next_offset, past.base_offset);
  ASSERT_OK_AND_ASSIGN(ReadResult middle, log->Read(batches[2].base_offset, 1000, 1 << 20));
  ASSERT_EQ(middle.records.size(), 8u);
  EXPECT_EQ(middle.records.front().offset, batches[2].base_offset);
  EXPECT_EQ(middle.records.back().offset, batches[4].base_offset - 1);
  ASSERT_OK_AND_ASSIGN(ReadResult rest, log->Read(batches[5].base_offset, 1000, 1 << 20));
  ASSERT_FALSE(rest.records.empty());
  int64_t expected = batches[5].base_offset;
  for (const RecordView& r : rest.records) {
    ASSERT_EQ(r.offset, expected);
    ++expected;
  }
  EXPECT_LE(expected, log->high_watermark());
  // The offset lookup by time never answers past the high watermark.
  ASSERT_OK_AND_ASSIGN(int64_t by_time, log->OffsetForTimestamp(0));
  EXPECT_LE(by_time, log->high_watermark());
}

TEST_F(LogReaderTest, BatchReadsReturnWholeStoredBatchesAcrossSegments) {
  auto log = Create(SmallSegments(600));
  for (int i = 0; i < 30; ++i) {
    ASSERT_OK(
        log->Append(MakeBatch(3, absl::StrCat("b", i, "-"), 1000 + i), Durability::kAll).status());
  }
  ASSERT_GE(log->TEST_SegmentBases().size(), 3u);
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> records, ReadAll(*log));
  for (int64_t max_bytes : {1, 200, 1000, 1 << 20}) {
    ASSERT_OK_AND_ASSIGN(std::vector<Rec> batched, testing::ReadAllBatches(*log, -1, max_bytes));
    EXPECT_EQ(batched, records) << max_bytes;
  }
  // From the middle of a batch: the batch holding the offset comes whole.
  ASSERT_OK_AND_ASSIGN(BatchReadResult middle, log->ReadBatches(4, 1));
  ASSERT_EQ(middle.batches.size(), 1u);  // at least one, however small max_bytes is
  EXPECT_EQ(format::DecodeBatchHeader(middle.batches[0].data()).base_offset, 3);
  EXPECT_EQ(middle.next_offset, 6);
  EXPECT_EQ(middle.bytes, static_cast<int64_t>(middle.batches[0].size()));
  // Bounded by max_bytes past the first batch.
  ASSERT_OK_AND_ASSIGN(BatchReadResult some, log->ReadBatches(0, 3 * middle.bytes));
  EXPECT_EQ(some.batches.size(), 3u);
  EXPECT_EQ(some.next_offset, 9);
  // At the high watermark: nothing; beyond it: OUT_OF_RANGE.
  ASSERT_OK_AND_ASSIGN(BatchReadResult end, log->ReadBatches(90, 1 << 20));
  EXPECT_TRUE(end.batches.empty());
  EXPECT_EQ(end.next_offset, 90);
  EXPECT_EQ(end.high_watermark, 90);
  EXPECT_THAT(log->ReadBatches(91, 1 << 20), StatusIs(absl::StatusCode::kOutOfRange));
}

TEST_F(LogReaderTest, BatchReadsStopAtTheHighWatermark) {
  auto log = Create(LogConfig());
  ASSERT_OK(log->Append(MakeBatch(2, "durable", 1000), Durability::kAll).status());
  ASSERT_OK(log->Append(MakeBatch(2, "written", 1000), Durability::kLeader).status());
  ASSERT_OK_AND_ASSIGN(BatchReadResult r, log->ReadBatches(0, 1 << 20));
  EXPECT_EQ(r.batches.size(), 1u);
  EXPECT_EQ(r.next_offset, 2);
  EXPECT_EQ(r.high_watermark, 2);
}

}  // namespace
}  // namespace eventlog::storage
