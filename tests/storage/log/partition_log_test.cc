// DiskPartitionLog: appends, rolls, the high watermark, concurrency, waiters.
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

class PartitionLogTest : public testing::StoreFixture {};

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
  ASSERT_OK(log->Flush());
  std::vector<std::string> files = SegmentFiles(PartitionDir());
  ASSERT_GT(files.size(), 3u);
  EXPECT_EQ(stdfs::path(files[0]).filename(), "00000000000000000000.log");
  for (const std::string& f : files) {
    EXPECT_LE(stdfs::file_size(f), 1024u) << f;
    // Named by the base offset of its first batch.
    std::vector<BatchPos> batches = Batches(f);
    ASSERT_FALSE(batches.empty());
    int64_t base;
    ASSERT_TRUE(absl::SimpleAtoi(stdfs::path(f).stem().string(), &base));
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
  ASSERT_OK(log->Flush());
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> all, ReadAll(*log));
  EXPECT_EQ(all.size(), 4u);
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
            log->Append(std::move(batch),
                        b % 10 == 0 || b + 1 == kBatches ? Durability::kAll : Durability::kLeader);
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
  EXPECT_EQ(log->high_watermark(), kTotal);  // the last append was ACKS_ALL
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

TEST_F(PartitionLogTest, WaitForDataFiresOnceDurableAndCanBeCancelled) {
  auto log = Create(LogConfig());
  ASSERT_OK(log->Append(MakeBatch(2, "v", 1), Durability::kAll).status());
  absl::Mutex mu;
  int fired = 0;
  // Already satisfied: not kept, not run.
  EXPECT_EQ(log->WaitForData(1, [&] { fired += 100; }), 0u);
  // The callback runs outside the log's lock: it may call back into it.
  int64_t seen_hw = -1;
  PartitionLog::WaiterId id = log->WaitForData(2, [&] {
    absl::MutexLock l(&mu);
    ++fired;
    seen_hw = log->high_watermark();
    EXPECT_OK(log->Read(2, 10, 100).status());
  });
  ASSERT_NE(id, 0u);
  PartitionLog::WaiterId far = log->WaitForData(5, [&] {
    absl::MutexLock l(&mu);
    fired += 10;
  });
  PartitionLog::WaiterId cancelled = log->WaitForData(2, [&] { fired += 1000; });
  EXPECT_TRUE(log->CancelWait(cancelled));
  EXPECT_FALSE(log->CancelWait(cancelled));
  {
    absl::MutexLock l(&mu);
    EXPECT_EQ(fired, 0);
  }
  // An ACKS_LEADER append wakes the waiter once it is durable: the waiting
  // reader makes the store sync it at once, not at the flush interval.
  ASSERT_OK(log->Append(MakeBatch(1, "v", 1), Durability::kLeader).status());
  {
    absl::MutexLock l(&mu);
    ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(
                                        +[](int* f) { return *f >= 1; }, &fired),
                                    absl::Seconds(30)));
    EXPECT_EQ(fired, 1);
    EXPECT_EQ(seen_hw, 3);
  }
  EXPECT_FALSE(log->CancelWait(id));  // already ran
  ASSERT_OK(log->Append(MakeBatch(2, "v", 1), Durability::kAll).status());
  {
    absl::MutexLock l(&mu);
    EXPECT_EQ(fired, 1);  // hw 5 is not > 5
  }
  ASSERT_OK(log->Append(MakeBatch(1, "v", 1), Durability::kAll).status());
  {
    absl::MutexLock l(&mu);
    EXPECT_EQ(fired, 11);
  }
  EXPECT_FALSE(log->CancelWait(far));
}

}  // namespace
}  // namespace eventlog::storage
