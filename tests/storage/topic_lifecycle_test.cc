// Creating topics after deleting others (issue 17): a new partition reads
// nothing of the index, a deleted topic leaves nothing in LevelDB once the
// reaper is done, recovery points are written at most once per interval,
// and an id assigned again starts empty.
#include <memory>
#include <string>

#include "leveldb/db.h"
#include "storage/disk_store.h"
#include "storage/layout.h"
#include "storage/util/coding.h"
#include "tests/storage/store_fixture.h"

namespace eventlog::storage {
namespace {

using testing::MakeBatch;
using testing::ReadAll;

class TopicLifecycleTest : public testing::StoreFixture {
 protected:
  // Bytes LevelDB's files hold (approximately) in the per-topic key spaces
  // of `topic_id`, deletion markers included.
  uint64_t IndexBytes(uint64_t topic_id) {
    uint64_t total = 0;
    for (char space : layout::kTopicKeySpaces) {
      const std::string from = layout::TopicPrefix(space, topic_id);
      const std::string to = layout::PrefixEnd(from);
      leveldb::Range range(from, to);
      uint64_t size = 0;
      store_->TEST_index()->GetApproximateSizes(&range, 1, &size);
      total += size;
    }
    return total;
  }

  // The recovery point in LevelDB, -1 if there is none.
  int64_t RecoveryPoint(uint64_t topic_id, int32_t partition) {
    std::string value;
    leveldb::Status s = store_->TEST_index()->Get(
        leveldb::ReadOptions(), layout::PartitionPrefix(layout::kRecoveryPoint, topic_id, partition),
        &value);
    if (s.IsNotFound()) return -1;
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(value.size(), 8u);
    return static_cast<int64_t>(util::coding::GetFixed64(value.data()));
  }

  // A topic of `partitions` that received `batches` ACKS_ALL batches of 4
  // records in every partition.
  std::shared_ptr<Topic> Filled(absl::string_view name, int32_t partitions, int batches) {
    absl::StatusOr<std::shared_ptr<Topic>> topic =
        store_->CreateTopic(name, partitions, LogConfig());
    EXPECT_OK(topic.status());
    for (int i = 0; i < batches; ++i) {
      for (int32_t p = 0; p < partitions; ++p) {
        EXPECT_OK(
            (*topic)->partition(p)->Append(MakeBatch(4, "value", i), Durability::kAll).status());
      }
    }
    return *topic;
  }
};

// Found with 1,024 partitions: a CreateTopic after a big DeleteTopic took
// 8 s and more, each new partition's recovery stepping over the deleted
// topic's keys in several index lookups. Nothing of a new id can be there.
TEST_F(TopicLifecycleTest, APartitionCreatedNowReadsNoIndex) {
  Filled("old", 4, 20);
  ASSERT_OK(store_->DeleteTopic("old"));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> topic, store_->CreateTopic("new", 4, LogConfig()));
  for (int32_t p = 0; p < 4; ++p) {
    std::shared_ptr<DiskPartitionLog> log = store_->TEST_Log("new", p);
    EXPECT_EQ(log->TEST_recovery_index_scans(), 0) << p;
    EXPECT_EQ(log->high_watermark(), 0);
    // Without a recovery point the next open would recover it by the rules
    // of layout version 1.
    EXPECT_EQ(RecoveryPoint(topic->id(), p), 0);
    ASSERT_OK(log->Append(MakeBatch(2, "fresh", p), Durability::kAll).status());
  }
  // Reopened, the partitions are recovered from the index as usual.
  Reopen();
  for (int32_t p = 0; p < 4; ++p) {
    std::shared_ptr<DiskPartitionLog> log = store_->TEST_Log("new", p);
    EXPECT_GT(log->TEST_recovery_index_scans(), 0) << p;
    ASSERT_OK_AND_ASSIGN(std::vector<testing::Rec> records, ReadAll(*log, 0, 10));
    ASSERT_EQ(records.size(), 2u);
    EXPECT_EQ(records[1].value, "fresh1");
  }
}

// DeleteTopic leaves LevelDB's deletion markers (and the overwritten
// versions of recovery points) behind; until a compaction drops them every
// iterator crossing the range steps over each one. The reaper compacts the
// range.
TEST_F(TopicLifecycleTest, ADeletedTopicLeavesNothingInTheIndex) {
  const uint64_t id = Filled("old", 4, 150)->id();
  // Everything in LevelDB's files, as after a long run.
  store_->TEST_index()->CompactRange(nullptr, nullptr);
  const uint64_t before = IndexBytes(id);
  ASSERT_GT(before, 4096u);
  ASSERT_OK(store_->DeleteTopic("old"));
  store_->TEST_WaitForReaper();
  EXPECT_LT(IndexBytes(id), 512u) << "before the delete: " << before;
  std::unique_ptr<leveldb::Iterator> it(store_->TEST_index()->NewIterator(leveldb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    EXPECT_NE(it->key()[0], layout::kOffsetIndex) << "a key of the deleted topic is left";
  }
}

// One LevelDB write per partition per group-commit round cost the commit
// thread time and piled up overwritten versions: recovery points are
// written at most once per recovery_point_interval_ms, and at Close.
TEST_F(TopicLifecycleTest, RecoveryPointsAreWrittenAtMostOncePerInterval) {
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> topic, store_->CreateTopic("t", 2, LogConfig()));
  std::shared_ptr<PartitionLog> log = topic->partition(0);
  // The first round after the store opened writes them.
  ASSERT_OK(log->Append(MakeBatch(4, "a", 0), Durability::kAll).status());
  EXPECT_EQ(RecoveryPoint(topic->id(), 0), 4);
  for (int i = 1; i < 5; ++i) {
    ASSERT_OK(log->Append(MakeBatch(4, "a", i), Durability::kAll).status());
  }
  EXPECT_EQ(log->high_watermark(), 20);
  EXPECT_EQ(RecoveryPoint(topic->id(), 0), 4);  // lags, never leads
  // A round after the interval writes every partition that moved.
  ASSERT_OK(topic->partition(1)->Append(MakeBatch(3, "b", 0), Durability::kAll).status());
  EXPECT_EQ(RecoveryPoint(topic->id(), 1), 0);
  clock_.AdvanceMs(Options().recovery_point_interval_ms);
  ASSERT_OK(topic->partition(1)->Append(MakeBatch(3, "b", 1), Durability::kAll).status());
  EXPECT_EQ(RecoveryPoint(topic->id(), 0), 20);
  EXPECT_EQ(RecoveryPoint(topic->id(), 1), 6);
  // Close writes them all.
  ASSERT_OK(log->Append(MakeBatch(4, "a", 5), Durability::kLeader).status());
  const uint64_t id = topic->id();
  Reopen();
  EXPECT_EQ(RecoveryPoint(id, 0), 24);
}

// An id assigned elsewhere (a cluster) may come back after its topic was
// deleted here: the new topic starts empty.
TEST_F(TopicLifecycleTest, ATopicIdUsedAgainStartsEmpty) {
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> old,
                       store_->CreateTopic("old", 2, LogConfig(), /*topic_id=*/50));
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK(old->partition(1)->Append(MakeBatch(4, "v", i), Durability::kAll).status());
  }
  ASSERT_OK(store_->DeleteTopic("old"));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> again,
                       store_->CreateTopic("again", 2, LogConfig(), /*topic_id=*/50));
  EXPECT_EQ(again->partition(1)->log_end_offset(), 0);
  ASSERT_OK(again->partition(1)->Append(MakeBatch(1, "new", 0), Durability::kAll).status());
  Reopen();
  std::shared_ptr<DiskPartitionLog> log = store_->TEST_Log("again", 1);
  EXPECT_EQ(log->log_end_offset(), 1);
  ASSERT_OK_AND_ASSIGN(std::vector<testing::Rec> records, ReadAll(*log, 0, 10));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].value, "new0");
}

}  // namespace
}  // namespace eventlog::storage
