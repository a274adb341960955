// LeaderEpochCache on real files: epochs and their start offsets, KIP-279's
// end-offset answers, truncation from either end, and the checkpoint file
// surviving a reopen (or reported as damaged, never silently dropped).
#include "storage/log/leader_epoch_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "storage/fs/file_system.h"
#include "tests/temp_dir.h"
#include "tests/test_util.h"

namespace eventlog::storage {
namespace {

using ::eventlog::testing::StatusIs;

class LeaderEpochCacheTest : public ::testing::Test {
 protected:
  std::string path() const { return dir_.path() + "/leader-epoch-checkpoint"; }

  std::unique_ptr<LeaderEpochCache> OpenCache() {
    absl::StatusOr<std::unique_ptr<LeaderEpochCache>> cache =
        LeaderEpochCache::Open(fs::FileSystem::Default(), path());
    EXPECT_TRUE(cache.ok()) << cache.status();
    return cache.ok() ? std::move(*cache) : nullptr;
  }

  // Epochs 1 at 0, 3 at 100, 4 at 250.
  std::unique_ptr<LeaderEpochCache> ThreeEpochs() {
    std::unique_ptr<LeaderEpochCache> cache = OpenCache();
    EXPECT_OK(cache->Assign(1, 0));
    EXPECT_OK(cache->Assign(3, 100));
    EXPECT_OK(cache->Assign(4, 250));
    return cache;
  }

  ::eventlog::testing::TempDir dir_;
};

TEST_F(LeaderEpochCacheTest, AMissingCheckpointIsAnEmptyCache) {
  std::unique_ptr<LeaderEpochCache> cache = OpenCache();
  ASSERT_NE(cache, nullptr);
  EXPECT_FALSE(cache->latest().has_value());
  EXPECT_EQ(cache->EndOffsetFor(0, 10), EpochEndOffset{});
  EXPECT_FALSE(fs::FileSystem::Default()->Exists(path())) << "nothing written until a change";
}

TEST_F(LeaderEpochCacheTest, EpochsOnlyGrowAndTheLatestIsANoOp) {
  std::unique_ptr<LeaderEpochCache> cache = ThreeEpochs();
  EXPECT_OK(cache->Assign(4, 300)) << "the latest epoch again: already recorded";
  EXPECT_THAT(cache->Assign(2, 400), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(cache->Assign(5, 200), StatusIs(absl::StatusCode::kFailedPrecondition))
      << "an epoch cannot start before the previous one";
  EXPECT_EQ(cache->entries(), (std::vector<EpochEntry>{{1, 0}, {3, 100}, {4, 250}}));
  EXPECT_OK(cache->Assign(5, 250)) << "an epoch with no records yet may share a start";
  EXPECT_EQ(cache->latest(), (EpochEntry{5, 250}));
}

TEST_F(LeaderEpochCacheTest, EndOffsetForFollowsKip279) {
  std::unique_ptr<LeaderEpochCache> cache = ThreeEpochs();
  const int64_t log_end = 400;
  // The latest epoch ends at the log end.
  EXPECT_EQ(cache->EndOffsetFor(4, log_end), (EpochEndOffset{4, 400}));
  // A known epoch ends where the next one starts.
  EXPECT_EQ(cache->EndOffsetFor(3, log_end), (EpochEndOffset{3, 250}));
  EXPECT_EQ(cache->EndOffsetFor(1, log_end), (EpochEndOffset{1, 100}));
  // An epoch this replica never had: the largest one below it, ending
  // where the next one above it starts (the follower truncates there).
  EXPECT_EQ(cache->EndOffsetFor(2, log_end), (EpochEndOffset{1, 100}));
  // Below the first epoch: the asked epoch, ending at the first start.
  EXPECT_EQ(cache->EndOffsetFor(0, log_end), (EpochEndOffset{0, 0}));
  // Above the latest: unknown here.
  EXPECT_EQ(cache->EndOffsetFor(7, log_end), EpochEndOffset{});
}

TEST_F(LeaderEpochCacheTest, TruncatingTheLogDropsTheEpochsThatStartedPastItsEnd) {
  std::unique_ptr<LeaderEpochCache> cache = ThreeEpochs();
  EXPECT_OK(cache->TruncateFromEnd(300));
  EXPECT_EQ(cache->entries().size(), 3u) << "epoch 4 still has records below 300";
  EXPECT_OK(cache->TruncateFromEnd(250));
  EXPECT_EQ(cache->entries(), (std::vector<EpochEntry>{{1, 0}, {3, 100}}));
  // A new leader's epoch may follow at once.
  EXPECT_OK(cache->Assign(6, 250));
  EXPECT_EQ(OpenCache()->entries(), (std::vector<EpochEntry>{{1, 0}, {3, 100}, {6, 250}}));
}

TEST_F(LeaderEpochCacheTest, RetentionMovesTheFirstEpochsStart) {
  std::unique_ptr<LeaderEpochCache> cache = ThreeEpochs();
  EXPECT_OK(cache->TruncateFromStart(50));
  EXPECT_EQ(cache->entries(), (std::vector<EpochEntry>{{1, 50}, {3, 100}, {4, 250}}));
  EXPECT_OK(cache->TruncateFromStart(260));
  EXPECT_EQ(cache->entries(), (std::vector<EpochEntry>{{4, 260}}));
  EXPECT_EQ(cache->EndOffsetFor(3, 400), (EpochEndOffset{3, 260}));
  EXPECT_EQ(OpenCache()->entries(), (std::vector<EpochEntry>{{4, 260}}));
}

TEST_F(LeaderEpochCacheTest, TheCheckpointSurvivesAReopen) {
  ThreeEpochs();
  std::unique_ptr<LeaderEpochCache> reopened = OpenCache();
  EXPECT_EQ(reopened->entries(), (std::vector<EpochEntry>{{1, 0}, {3, 100}, {4, 250}}));
  EXPECT_EQ(reopened->EndOffsetFor(3, 400), (EpochEndOffset{3, 250}));
}

TEST_F(LeaderEpochCacheTest, ADamagedCheckpointIsDataLossNotAnEmptyCache) {
  ThreeEpochs();
  absl::StatusOr<std::string> text = fs::ReadWholeFile(*fs::FileSystem::Default(), path());
  ASSERT_OK(text.status());
  for (const std::string& damaged :
       {text->substr(0, text->size() - 3),                         // torn
        std::string("eventlog-leader-epochs 9\n0\n"),              // unknown version
        std::string("eventlog-leader-epochs 1\n2\n3 100\n1 0\n"),  // out of order
        std::string("eventlog-leader-epochs 1\n1\nthree 100\n")}) {
    ASSERT_OK(fs::WriteFileAtomically(*fs::FileSystem::Default(), path(), damaged));
    EXPECT_THAT(LeaderEpochCache::Open(fs::FileSystem::Default(), path()).status(),
                StatusIs(absl::StatusCode::kDataLoss))
        << damaged;
  }
}

}  // namespace
}  // namespace eventlog::storage
