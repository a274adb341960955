// ParallelSyncer: every target synced once, statuses in order, syncs really
// side by side (a target that waits for the others to be inside their sync
// would time out in a one-by-one loop), concurrent callers served.
#include "storage/log/parallel_syncer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace eventlog::storage {
namespace {

class CountingSyncable : public Syncable {
 public:
  explicit CountingSyncable(absl::Status result = absl::OkStatus()) : result_(result) {}
  absl::Status SyncWritten() override {
    ++syncs;
    return result_;
  }
  void CheckpointRecoveryPoint(leveldb::WriteBatch*) override {}
  std::atomic<int> syncs{0};

 private:
  const absl::Status result_;
};

// Returns OK only if `expected` syncs were inside SyncWritten at once
// within 10 s (a barrier that gives up instead of hanging).
class Rendezvous {
 public:
  explicit Rendezvous(int expected) : expected_(expected) {}
  absl::Status Arrive() {
    absl::MutexLock lock(&mu_);
    ++arrived_;
    auto all_here = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return arrived_ >= expected_; };
    if (!mu_.AwaitWithTimeout(absl::Condition(&all_here), absl::Seconds(10))) {
      return absl::DeadlineExceededError("syncs did not run side by side");
    }
    return absl::OkStatus();
  }

 private:
  const int expected_;
  absl::Mutex mu_;
  int arrived_ ABSL_GUARDED_BY(mu_) = 0;
};

class MeetingSyncable : public Syncable {
 public:
  explicit MeetingSyncable(Rendezvous* rendezvous) : rendezvous_(rendezvous) {}
  absl::Status SyncWritten() override { return rendezvous_->Arrive(); }
  void CheckpointRecoveryPoint(leveldb::WriteBatch*) override {}

 private:
  Rendezvous* const rendezvous_;
};

TEST(ParallelSyncerTest, SyncsEveryTargetOnceAndReportsStatusesInOrder) {
  ParallelSyncer syncer(4);
  std::vector<std::unique_ptr<CountingSyncable>> logs;
  std::vector<Syncable*> targets;
  for (int i = 0; i < 100; ++i) {
    logs.push_back(std::make_unique<CountingSyncable>(
        i % 7 == 3 ? absl::DataLossError(absl::StrCat("log ", i)) : absl::OkStatus()));
    targets.push_back(logs.back().get());
  }
  const std::vector<absl::Status> statuses = syncer.SyncAll(targets);
  ASSERT_EQ(statuses.size(), targets.size());
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(logs[i]->syncs.load(), 1) << i;
    if (i % 7 == 3) {
      EXPECT_EQ(statuses[i], absl::DataLossError(absl::StrCat("log ", i)));
    } else {
      EXPECT_TRUE(statuses[i].ok()) << i << ": " << statuses[i];
    }
  }
  EXPECT_TRUE(syncer.SyncAll({}).empty());
}

TEST(ParallelSyncerTest, SyncsRunSideBySide) {
  constexpr int kThreads = 8;
  ParallelSyncer syncer(kThreads);
  Rendezvous rendezvous(kThreads);
  std::vector<std::unique_ptr<MeetingSyncable>> logs;
  std::vector<Syncable*> targets;
  for (int i = 0; i < kThreads; ++i) {
    logs.push_back(std::make_unique<MeetingSyncable>(&rendezvous));
    targets.push_back(logs.back().get());
  }
  for (const absl::Status& status : syncer.SyncAll(targets)) EXPECT_TRUE(status.ok()) << status;
}

TEST(ParallelSyncerTest, ServesConcurrentCallers) {
  ParallelSyncer syncer(3);
  constexpr int kCallers = 4, kCalls = 200, kTargets = 5;
  std::vector<std::unique_ptr<CountingSyncable>> logs;
  for (int i = 0; i < kCallers * kTargets; ++i) logs.push_back(std::make_unique<CountingSyncable>());
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      std::vector<Syncable*> targets;
      for (int t = 0; t < kTargets; ++t) targets.push_back(logs[c * kTargets + t].get());
      for (int n = 0; n < kCalls; ++n) {
        for (const absl::Status& status : syncer.SyncAll(targets)) EXPECT_TRUE(status.ok());
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  for (const auto& log : logs) EXPECT_EQ(log->syncs.load(), kCalls);
}

}  // namespace
}  // namespace eventlog::storage
