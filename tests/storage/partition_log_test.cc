// DiskPartitionLog through a real DiskStore on real files: append/read,
// segments, indexes, recovery, retention, compaction, concurrency, waiters.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "leveldb/db.h"
#include "storage/util/coding.h"
#include "storage/disk_partition_log.h"
#include "storage/disk_store.h"
#include "storage/file_util.h"
#include "storage/record_batch_format.h"
#include "tests/storage/test_helpers.h"
#include "tests/test_util.h"

namespace eventlog::storage {
namespace {

namespace fs = std::filesystem;
using ::eventlog::testing::StatusIs;
using ::eventlog::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MakeBatch;
using testing::One;
using testing::ReadAll;
using testing::Rec;
using testing::ToRec;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
}

// (base offset, position, length) of every batch in a segment file.
struct BatchPos {
  int64_t base_offset;
  int64_t next_offset;
  size_t position;
  size_t length;
};
std::vector<BatchPos> Batches(const std::string& path) {
  const std::string data = ReadFile(path);
  std::vector<BatchPos> out;
  size_t pos = 0;
  while (pos + format::kBatchHeaderSize <= data.size()) {
    format::BatchHeader h = format::DecodeBatchHeader(data.data() + pos);
    out.push_back({h.base_offset, h.next_offset(), pos, h.batch_length});
    pos += h.batch_length;
  }
  return out;
}

class PartitionLogTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  StoreOptions Options() {
    StoreOptions o;
    o.data_dir = dir_.path() + "/data";
    o.clock = &clock_;
    o.cleanup_interval_ms = 0;
    o.index_interval_bytes = index_interval_bytes_;
    return o;
  }

  void Reopen() {
    if (store_ != nullptr) {
      ASSERT_OK(store_->Close());
    }
    store_.reset();
    ASSERT_OK_AND_ASSIGN(store_, DiskStore::Open(Options()));
  }

  void Close() {
    ASSERT_OK(store_->Close());
    store_.reset();
  }

  std::shared_ptr<DiskPartitionLog> Create(LogConfig config, absl::string_view name = "t") {
    absl::StatusOr<std::shared_ptr<Topic>> topic = store_->CreateTopic(name, 1, config);
    EXPECT_OK(topic.status());
    return store_->TEST_Log(name, 0);
  }

  std::shared_ptr<DiskPartitionLog> Log(absl::string_view name = "t") {
    return store_->TEST_Log(name, 0);
  }

  std::string PartitionDir(absl::string_view name = "t") { return Log(name)->dir(); }

  // Segment file paths, in offset order.
  std::vector<std::string> SegmentFiles(const std::string& dir) {
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() == ".log") files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    return files;
  }

  // Every offset/time index key and value (store closed first).
  std::vector<std::pair<std::string, std::string>> DumpIndex() {
    leveldb::DB* raw = nullptr;
    leveldb::Status s = leveldb::DB::Open(leveldb::Options(), dir_.path() + "/data/index", &raw);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::unique_ptr<leveldb::DB> db(raw);
    std::vector<std::pair<std::string, std::string>> out;
    std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const char space = it->key()[0];
      if (space == 'o' || space == 'w')
        out.emplace_back(it->key().ToString(), it->value().ToString());
    }
    return out;
  }

  LogConfig SmallSegments(int64_t bytes = 1024) {
    LogConfig c;
    c.segment_bytes = bytes;
    return c;
  }

  // A closed store whose log "t" holds 60 batches of 4 records in 2000-byte
  // segments (sealed ones: recovery keeps their damage for reads to report),
  // indexed every `index_interval_bytes`. Returns the segment files, at
  // least 3, in offset order.
  std::vector<std::string> SealedSegmentsClosed(int64_t index_interval_bytes) {
    index_interval_bytes_ = index_interval_bytes;
    Reopen();
    auto log = Create(SmallSegments(2000));
    for (int i = 0; i < 60; ++i) {
      EXPECT_OK(log->Append(MakeBatch(4, "value", i), Durability::kLeader).status());
    }
    const std::string dir = PartitionDir();
    Close();
    std::vector<std::string> files = SegmentFiles(dir);
    EXPECT_GE(files.size(), 3u);
    return files;
  }

  TempDir dir_;
  util::ManualClock clock_{1'000'000};
  int64_t index_interval_bytes_ = 256;
  std::unique_ptr<DiskStore> store_;
};

TEST_F(PartitionLogTest, RoundTripWithHeadersAndEmptyKeysAndValues) {
  auto log = Create(LogConfig());
  const std::string big(100'000, 'b');
  const std::string binary("a\0b\xff", 4);
  std::vector<HeaderView> headers = {{"h1", "x"}, {"h1", ""}, {"", "empty key"}, {"bin", binary}};
  RecordBatchBuilder b;
  b.Add("key", "value", headers, 5000);
  b.Add("", "no key", {}, 4000);  // earlier than the first: negative delta
  b.Add("no value", "", {}, 6000);
  b.Add("", "", {}, -7);
  b.Add(binary, big, headers, 5001);
  ASSERT_OK_AND_ASSIGN(AppendResult r, log->Append(std::move(b), Durability::kAll));
  EXPECT_EQ(r.base_offset, 0);
  EXPECT_EQ(r.last_offset, 4);

  std::vector<std::pair<std::string, std::string>> h = {
      {"h1", "x"}, {"h1", ""}, {"", "empty key"}, {"bin", binary}};
  const std::vector<Rec> expected = {{0, 5000, "key", "value", h},
                                     {1, 4000, "", "no key", {}},
                                     {2, 6000, "no value", "", {}},
                                     {3, -7, "", "", {}},
                                     {4, 5001, binary, big, h}};
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> got, ReadAll(*log));
  EXPECT_EQ(got, expected);
  Reopen();
  ASSERT_OK_AND_ASSIGN(got, ReadAll(*Log()));
  EXPECT_EQ(got, expected);
}

TEST_F(PartitionLogTest, ReadLimitsAndRange) {
  auto log = Create(LogConfig());
  ASSERT_OK(log->Append(MakeBatch(10, "value-", 1), Durability::kLeader).status());
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

TEST_F(PartitionLogTest, AppendErrorsWriteNothing) {
  LogConfig config;
  config.max_message_bytes = 100;
  auto log = Create(config);
  EXPECT_THAT(log->Append(RecordBatchBuilder(), Durability::kAll),
              StatusIs(absl::StatusCode::kInvalidArgument));
  RecordBatchBuilder b;
  b.Add("k", "small", {}, 1);
  b.Add("k", std::string(200, 'x'), {}, 1);
  EXPECT_THAT(log->Append(std::move(b), Durability::kAll),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(log->high_watermark(), 0);
  EXPECT_EQ(log->size_bytes(), 0);
}

TEST_F(PartitionLogTest, SegmentsRollAtSegmentBytes) {
  auto log = Create(SmallSegments(1024));
  for (int i = 0; i < 60; ++i) {
    ASSERT_OK(log->Append(MakeBatch(3, "some-value-", 10 + i), Durability::kLeader).status());
  }
  std::vector<std::string> files = SegmentFiles(PartitionDir());
  ASSERT_GT(files.size(), 3u);
  EXPECT_EQ(fs::path(files[0]).filename(), "00000000000000000000.log");
  for (const std::string& f : files) {
    EXPECT_LE(fs::file_size(f), 1024u) << f;
    // Named by the base offset of its first batch.
    std::vector<BatchPos> batches = Batches(f);
    ASSERT_FALSE(batches.empty());
    int64_t base;
    ASSERT_TRUE(absl::SimpleAtoi(fs::path(f).stem().string(), &base));
    EXPECT_EQ(batches[0].base_offset, base);
  }
  EXPECT_EQ(log->TEST_SegmentBases().size(), files.size());
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> all, ReadAll(*log, 0, 50));
  ASSERT_EQ(all.size(), 180u);
  for (int i = 0; i < 180; ++i) EXPECT_EQ(all[i].offset, i);
}

TEST_F(PartitionLogTest, SegmentsRollByAge) {
  LogConfig config;
  config.segment_ms = 1000;
  auto log = Create(config);
  ASSERT_OK(log->Append(MakeBatch(1, "a", 1), Durability::kLeader).status());
  clock_.AdvanceMs(999);
  ASSERT_OK(log->Append(MakeBatch(1, "b", 1), Durability::kLeader).status());
  EXPECT_EQ(log->TEST_SegmentBases().size(), 1u);
  clock_.AdvanceMs(1);
  ASSERT_OK(log->Append(MakeBatch(1, "c", 1), Durability::kLeader).status());
  EXPECT_THAT(log->TEST_SegmentBases(), ElementsAre(0, 2));
  // The new segment's age counts from its first append.
  clock_.AdvanceMs(999);
  ASSERT_OK(log->Append(MakeBatch(1, "d", 1), Durability::kLeader).status());
  EXPECT_THAT(log->TEST_SegmentBases(), ElementsAre(0, 2));
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> all, ReadAll(*log));
  EXPECT_EQ(all.size(), 4u);
}

// Batches of 1..5 records over many small segments with a sparse index:
// every offset must be readable by itself and in short runs.
TEST_F(PartitionLogTest, SparseIndexLookupAtEveryBoundary) {
  auto log = Create(SmallSegments(700));
  int64_t next = 0;
  for (int i = 0; i < 80; ++i) {
    const int n = 1 + i % 5;
    ASSERT_OK_AND_ASSIGN(AppendResult r, log->Append(MakeBatch(n, absl::StrCat("v", i, "-"), i),
                                                     Durability::kLeader));
    EXPECT_EQ(r.base_offset, next);
    next += n;
  }
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

// Opening a large log reads only what the index does not cover.
TEST_F(PartitionLogTest, RecoveryScansOnlyPastTheLastIndexEntry) {
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
  fs::remove_all(dir_.path() + "/data/index");
  Reopen();
  EXPECT_EQ(Log()->TEST_recovery_bytes_scanned(), size);
  Reopen();
  EXPECT_LE(Log()->TEST_recovery_bytes_scanned(), 2 * index_interval_bytes_ + 4096);
}

TEST_F(PartitionLogTest, OffsetForTimestampWithUnorderedTimestamps) {
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

TEST_F(PartitionLogTest, TornTailIsTruncatedAndAppendsContinue) {
  auto log = Create(LogConfig());
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK(log->Append(MakeBatch(3, "v", i), Durability::kLeader).status());
  }
  const std::string dir = PartitionDir();
  Close();
  const std::string file = SegmentFiles(dir).back();
  std::vector<BatchPos> batches = Batches(file);
  ASSERT_EQ(batches.size(), 10u);
  // Cut the last batch in the middle.
  fs::resize_file(file, batches.back().position + batches.back().length / 2);
  Reopen();
  EXPECT_EQ(Log()->high_watermark(), 27);
  EXPECT_EQ(fs::file_size(file), batches.back().position);
  ASSERT_OK_AND_ASSIGN(AppendResult r, Log()->Append(MakeBatch(2, "new", 99), Durability::kAll));
  EXPECT_EQ(r.base_offset, 27);
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> all, ReadAll(*Log()));
  ASSERT_EQ(all.size(), 29u);
  EXPECT_EQ(all[27].value, "new0");

  // A partial header at the tail, and a tail batch with a bad checksum.
  Close();
  {
    std::ofstream out(file, std::ios::binary | std::ios::app);
    out << std::string(20, 'z');
  }
  Reopen();
  EXPECT_EQ(Log()->high_watermark(), 29);
  ASSERT_OK(Log()->Append(MakeBatch(1, "last", 99), Durability::kAll).status());
  Close();
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
      EXPECT_LT(static_cast<int64_t>(util::coding::GetBigEndian64(key.data() + key.size() - 8)), 29);
    }
  }
}

TEST_F(PartitionLogTest, FlippedByteMidLogIsDataLossAndEarlierRecordsRead) {
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
  data[bad2.position + format::kBatchHeaderSize + 2] ^= 0x10;
  WriteFile(active, data);

  Reopen();
  auto log = Log();
  EXPECT_EQ(log->high_watermark(), 240);  // nothing truncated
  EXPECT_EQ(fs::file_size(active), data.size());
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

// Found by tests/fuzz/segment_recovery_fuzzer: an active segment holding
// batches below its base offset (here a copy of the sealed segment, first
// batch damaged) was kept as mid-log damage, and a record appended after
// recovery could not be read back (its read started at the damaged batch).
// Batches below their segment's base are damage now: a torn tail, cut off.
TEST_F(PartitionLogTest, BatchesBelowTheSegmentBaseAreDamage) {
  auto log = Create(SmallSegments(600));
  for (int i = 0; i < 12; ++i) {
    ASSERT_OK(log->Append(MakeBatch(2, "value", i), Durability::kLeader).status());
  }
  const std::string dir = PartitionDir();
  Close();
  std::vector<std::string> files = SegmentFiles(dir);
  ASSERT_EQ(files.size(), 2u);
  std::string copy = ReadFile(files.front());
  copy[format::kBatchHeaderSize + 1] ^= 0x01;
  WriteFile(files.back(), copy);

  int64_t active_base;
  ASSERT_TRUE(
      file_util::ParseSegmentFileName(fs::path(files.back()).filename().string(), &active_base));
  Reopen();
  log = Log();
  EXPECT_EQ(fs::file_size(files.back()), 0u);
  EXPECT_EQ(log->high_watermark(), active_base);
  ASSERT_OK_AND_ASSIGN(AppendResult r, log->Append(MakeBatch(1, "new", 1), Durability::kAll));
  EXPECT_EQ(r.base_offset, active_base);
  ASSERT_OK_AND_ASSIGN(ReadResult read, log->Read(r.base_offset, 10, 1 << 20));
  ASSERT_EQ(read.records.size(), 1u);
  EXPECT_EQ(read.records[0].offset, active_base);
}

TEST_F(PartitionLogTest, DamageBetweenAnIndexEntryAndTheTargetIsSteppedOver) {
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
  data[bad.position + format::kBatchHeaderSize + 3] ^= 0x20;
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

TEST_F(PartitionLogTest, DamagedHeaderWithWildOffsetsIsNotSteppedOver) {
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
  util::coding::PutFixed64(data.data() + bad.position, 0x8000000000010000ULL);
  util::coding::PutFixed32(data.data() + bad.position + 24, 0x8BD0F0B5U);
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
TEST_F(PartitionLogTest, BatchesOutOfTheirSegmentsOrderAreDamage) {
  const std::vector<std::string> files = SealedSegmentsClosed(1 << 20);
  ASSERT_GE(files.size(), 3u);
  std::vector<BatchPos> batches = Batches(files[0]);
  ASSERT_GE(batches.size(), 6u);
  std::string data = ReadFile(files[0]);
  auto set_base = [&](const BatchPos& b, int64_t base) {
    util::coding::PutFixed64(data.data() + b.position, static_cast<uint64_t>(base));
    util::coding::PutFixed32(data.data() + b.position + format::kCrcPos,
                       format::ComputeCrc(absl::string_view(data.data() + b.position, b.length)));
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

TEST_F(PartitionLogTest, LostIndexIsRebuiltIdentically) {
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
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> before, ReadAll(*log));
  std::vector<int64_t> lookups;
  for (int64_t t = 4990; t < 6010; t += 7) lookups.push_back(log->OffsetForTimestamp(t).value());
  const uint64_t id = store_->GetTopic("t").value()->id();
  Close();
  const auto index_before = DumpIndex();
  ASSERT_FALSE(index_before.empty());

  fs::remove_all(dir_.path() + "/data/index");
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

TEST_F(PartitionLogTest, RetentionBySize) {
  LogConfig config = SmallSegments(1000);
  config.retention_bytes = 2500;
  auto log = Create(config);
  for (int i = 0; i < 100; ++i) {
    ASSERT_OK(log->Append(MakeBatch(2, "value-", 1), Durability::kLeader).status());
  }
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

TEST_F(PartitionLogTest, RetentionByTimeNeverDeletesActiveSegmentOrMovesHighWatermarkBack) {
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

TEST_F(PartitionLogTest, CompactionKeepsNewestPerKeyAndOffsets) {
  LogConfig config = SmallSegments(600);
  config.cleanup_policy = CleanupPolicy::kCompact;
  auto log = Create(config);
  std::vector<Rec> written;
  for (int i = 0; i < 120; ++i) {
    const std::string key = i % 7 == 0 ? "" : absl::StrCat("k", i % 5);
    const std::string value = absl::StrCat("v", i);
    ASSERT_OK_AND_ASSIGN(AppendResult r,
                         log->Append(One(key, value, 100 + i), Durability::kLeader));
    written.push_back(Rec{r.base_offset, 100 + i, key, value, {}});
  }
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

TEST_F(PartitionLogTest, TombstonesRemovedAfterGrace) {
  LogConfig config = SmallSegments(300);
  config.cleanup_policy = CleanupPolicy::kCompact;
  config.delete_retention_ms = 1000;
  auto log = Create(config);
  ASSERT_OK(log->Append(One("gone", "value", clock_.NowMs()), Durability::kLeader).status());
  ASSERT_OK(log->Append(One("stays", "value", clock_.NowMs()), Durability::kLeader).status());
  ASSERT_OK(
      log->Append(One("gone", "", clock_.NowMs()), Durability::kLeader).status());  // tombstone
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK(log->Append(One("", absl::StrCat("filler", i), clock_.NowMs()), Durability::kLeader)
                  .status());
  }
  ASSERT_GT(log->TEST_SegmentBases().size(), 1u);
  ASSERT_LT(2, log->TEST_SegmentBases().back());

  auto keys = [&]() {
    std::vector<std::pair<int64_t, std::string>> out;
    const std::vector<Rec> all = ReadAll(*log).value();
    for (const Rec& r : all) {
      if (!r.key.empty()) out.emplace_back(r.offset, absl::StrCat(r.key, "=", r.value));
    }
    return out;
  };
  ASSERT_OK(store_->RunCleanup());
  EXPECT_THAT(keys(), ElementsAre(std::make_pair(1, std::string("stays=value")),
                                  std::make_pair(2, std::string("gone="))));
  clock_.AdvanceMs(1000);
  ASSERT_OK(store_->RunCleanup());
  EXPECT_THAT(keys(), ElementsAre(std::make_pair(1, std::string("stays=value"))));
  EXPECT_EQ(log->high_watermark(), 23);
}

class CompactionCrashTest : public PartitionLogTest {
 protected:
  // Writes a compactable log; returns what a finished compaction leaves.
  std::vector<Rec> Fill() {
    LogConfig config = SmallSegments(400);
    config.cleanup_policy = CleanupPolicy::kCompact;
    auto log = Create(config);
    std::vector<Rec> written;
    for (int i = 0; i < 60; ++i) {
      const std::string key = absl::StrCat("k", i % 3);
      EXPECT_OK(log->Append(One(key, absl::StrCat("v", i), i), Durability::kLeader).status());
      written.push_back(Rec{i, i, key, absl::StrCat("v", i), {}});
    }
    const int64_t active_base = log->TEST_SegmentBases().back();
    std::vector<Rec> compacted;
    for (const Rec& r : written) {
      if (r.offset >= active_base || r.offset >= 57) compacted.push_back(r);
    }
    all_ = written;
    return compacted;
  }
  std::vector<Rec> all_;
};

TEST_F(CompactionCrashTest, LeftoverTempFileIsIgnoredAndRemoved) {
  Fill();
  const std::string dir = PartitionDir();
  Close();
  const std::string temp = dir + "/00000000000000000000.log.cleaned";
  WriteFile(temp, "half written garbage");
  Reopen();
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_EQ(ReadAll(*Log()).value(), all_);
}

TEST_F(CompactionCrashTest, CrashAfterTempFileWrittenLosesNothing) {
  const std::vector<Rec> compacted = Fill();
  const std::string dir = PartitionDir();
  Log()->TEST_SetCompactionCrashPoint(1);
  ASSERT_OK(Log()->Compact());
  Close();
  Reopen();
  EXPECT_EQ(ReadAll(*Log()).value(), all_);  // as before the compaction
  for (const auto& e : fs::directory_iterator(dir)) {
    EXPECT_EQ(e.path().extension(), ".log") << e.path();
  }
  ASSERT_OK(Log()->Compact());
  EXPECT_EQ(ReadAll(*Log()).value(), compacted);
}

TEST_F(CompactionCrashTest, CrashAfterIndexUpdateRollsForward) {
  const std::vector<Rec> compacted = Fill();
  const std::string dir = PartitionDir();
  Log()->TEST_SetCompactionCrashPoint(2);
  ASSERT_OK(Log()->Compact());
  Close();
  Reopen();
  std::vector<Rec> got = ReadAll(*Log()).value();
  // The first segment's compaction completes at open; later segments are
  // compacted again by the next run. Nothing is duplicated or lost.
  std::set<int64_t> offsets;
  for (const Rec& r : got) EXPECT_TRUE(offsets.insert(r.offset).second) << r.offset;
  for (const Rec& r : compacted) EXPECT_TRUE(offsets.contains(r.offset)) << r.offset;
  for (const Rec& r : got) EXPECT_EQ(r, all_[r.offset]);
  EXPECT_LT(got.size(), all_.size());
  for (const auto& e : fs::directory_iterator(dir)) {
    EXPECT_EQ(e.path().extension(), ".log") << e.path();
  }
  ASSERT_OK(Log()->Compact());
  EXPECT_EQ(ReadAll(*Log()).value(), compacted);
}

TEST_F(PartitionLogTest, ConcurrentAppendersAndReaders) {
  auto log = Create(SmallSegments(4096));
  constexpr int kWriters = 4;
  constexpr int kBatches = 150;
  constexpr int kPerBatch = 5;
  constexpr int64_t kTotal = kWriters * kBatches * kPerBatch;
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int b = 0; b < kBatches; ++b) {
        RecordBatchBuilder batch;
        for (int k = 0; k < kPerBatch; ++k) {
          batch.Add(absl::StrCat("w", w), std::to_string(b * kPerBatch + k), {}, b);
        }
        absl::StatusOr<AppendResult> r =
            log->Append(std::move(batch), b % 10 == 0 ? Durability::kAll : Durability::kLeader);
        if (!r.ok() || r->last_offset - r->base_offset != kPerBatch - 1) failed = true;
      }
    });
  }
  std::atomic<int64_t> reads{0};
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      int64_t offset = 0;
      while (offset < kTotal && !failed) {
        absl::StatusOr<ReadResult> res = log->Read(offset, 37, 4096);
        if (!res.ok()) {
          ADD_FAILURE() << "read at " << offset << ": " << res.status();
          failed = true;
          break;
        }
        for (const RecordView& v : res->records) {
          // Contiguous offsets, whole batches (values of one writer rise).
          if (v.offset != offset || v.key.size() != 2) {
            ADD_FAILURE() << "record " << v.offset << " where " << offset << " was expected";
            failed = true;
          }
          ++offset;
        }
        if (res->records.empty()) std::this_thread::yield();
        reads++;
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_FALSE(failed.load());
  EXPECT_EQ(log->high_watermark(), kTotal);
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> all, ReadAll(*log, 0, 500));
  ASSERT_EQ(static_cast<int64_t>(all.size()), kTotal);
  std::map<std::string, int> next_value;
  for (int64_t i = 0; i < kTotal; ++i) {
    EXPECT_EQ(all[i].offset, i);
    EXPECT_EQ(all[i].value, std::to_string(next_value[all[i].key]++));
  }
}

TEST_F(PartitionLogTest, GroupCommitManyThreadsWithAcksAll) {
  auto log = Create(SmallSegments(64 << 10));
  constexpr int kThreads = 8;
  constexpr int kAppends = 40;
  absl::Mutex mu;
  std::vector<int64_t> bases;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kAppends; ++i) {
        absl::StatusOr<AppendResult> r = log->Append(MakeBatch(3, "v", i), Durability::kAll);
        if (!r.ok()) {
          errors++;
          continue;
        }
        absl::MutexLock l(&mu);
        bases.push_back(r->base_offset);
      }
    });
  }
  // Asynchronous appends too: completions arrive in offset order.
  std::vector<int64_t> async_order;
  absl::BlockingCounter pending(kAppends);
  for (int i = 0; i < kAppends; ++i) {
    log->AppendAsync(MakeBatch(1, "a", i), Durability::kAll, [&](absl::StatusOr<AppendResult> r) {
      if (r.ok()) {
        absl::MutexLock l(&mu);
        async_order.push_back(r->base_offset);
      } else {
        errors++;
      }
      pending.DecrementCount();
    });
  }
  for (auto& t : threads) t.join();
  pending.Wait();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_TRUE(std::is_sorted(async_order.begin(), async_order.end()));
  std::set<int64_t> unique(bases.begin(), bases.end());
  EXPECT_EQ(unique.size(), static_cast<size_t>(kThreads * kAppends));
  EXPECT_EQ(log->high_watermark(), kThreads * kAppends * 3 + kAppends);
  Reopen();
  EXPECT_EQ(Log()->high_watermark(), kThreads * kAppends * 3 + kAppends);
}

TEST_F(PartitionLogTest, WaitForDataFiresOnAppendAndCanBeCancelled) {
  auto log = Create(LogConfig());
  ASSERT_OK(log->Append(MakeBatch(2, "v", 1), Durability::kLeader).status());
  int fired = 0;
  // Already satisfied: not kept, not run.
  EXPECT_EQ(log->WaitForData(1, [&] { fired += 100; }), 0u);
  // The callback runs outside the log's lock: it may call back into it.
  int64_t seen_hw = -1;
  PartitionLog::WaiterId id = log->WaitForData(2, [&] {
    ++fired;
    seen_hw = log->high_watermark();
    EXPECT_OK(log->Read(2, 10, 100).status());
  });
  ASSERT_NE(id, 0u);
  PartitionLog::WaiterId far = log->WaitForData(5, [&] { fired += 10; });
  PartitionLog::WaiterId cancelled = log->WaitForData(2, [&] { fired += 1000; });
  EXPECT_TRUE(log->CancelWait(cancelled));
  EXPECT_FALSE(log->CancelWait(cancelled));
  EXPECT_EQ(fired, 0);

  ASSERT_OK(log->Append(MakeBatch(1, "v", 1), Durability::kLeader).status());
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(seen_hw, 3);
  EXPECT_FALSE(log->CancelWait(id));  // already ran
  ASSERT_OK(log->Append(MakeBatch(2, "v", 1), Durability::kLeader).status());
  EXPECT_EQ(fired, 1);  // hw 5 is not > 5
  ASSERT_OK(log->Append(MakeBatch(1, "v", 1), Durability::kAll).status());
  EXPECT_EQ(fired, 11);
  EXPECT_FALSE(log->CancelWait(far));
}

}  // namespace
}  // namespace eventlog::storage
