// Store: topic registry, reopen, directory lock, deletion (the offset store:
// offset_store_test.cc).
#include "storage/store.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "storage/disk_store.h"
#include "storage/topic_name.h"
#include "storage/topic_registry.h"
#include "tests/storage/test_helpers.h"
#include "tests/test_util.h"

namespace eventlog::storage {
namespace {

using ::eventlog::testing::IsOk;
using ::eventlog::testing::StatusIs;
using ::eventlog::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::MakeBatch;
using testing::ReadAll;
using testing::Rec;

StoreOptions StoreTestOptions(const TempDir& dir) {
  StoreOptions o;
  o.data_dir = dir.path() + "/data";
  o.cleanup_interval_ms = 0;
  return o;
}

TEST(StoreTest, CreateAppendReadAndReopen) {
  TempDir dir;
  std::vector<Rec> written;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StoreTestOptions(dir)));
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> topic,
                         store->CreateTopic("orders", 3, LogConfig()));
    EXPECT_EQ(topic->partition_count(), 3);
    std::shared_ptr<PartitionLog> log = topic->partition(1);
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(topic->partition(3), nullptr);
    ASSERT_OK_AND_ASSIGN(AppendResult a, log->Append(MakeBatch(5, "v", 100), Durability::kAll));
    EXPECT_EQ(a.base_offset, 0);
    EXPECT_EQ(a.last_offset, 4);
    ASSERT_OK_AND_ASSIGN(AppendResult b, log->Append(MakeBatch(2, "w", 200), Durability::kLeader));
    EXPECT_EQ(b.base_offset, 5);
    EXPECT_EQ(b.last_offset, 6);
    // ACKS_LEADER records are written, not yet durable: readers do not see
    // them before the next flush.
    EXPECT_EQ(log->high_watermark(), 5);
    EXPECT_EQ(log->log_end_offset(), 7);
    ASSERT_OK_AND_ASSIGN(ReadResult before_flush, log->Read(0, 100, 1 << 20));
    EXPECT_EQ(before_flush.records.size(), 5u);
    ASSERT_OK(log->Flush());
    EXPECT_EQ(log->high_watermark(), 7);
    ASSERT_OK_AND_ASSIGN(written, ReadAll(*log));
    ASSERT_EQ(written.size(), 7u);
    EXPECT_EQ(written[6], (Rec{6, 200, "", "w1", {}}));
    EXPECT_OK(store->Close());
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StoreTestOptions(dir)));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> topic, store->GetTopic("orders"));
  EXPECT_EQ(topic->partition_count(), 3);
  std::shared_ptr<PartitionLog> log = topic->partition(1);
  EXPECT_EQ(log->high_watermark(), 7);
  EXPECT_EQ(topic->partition(0)->high_watermark(), 0);
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> reread, ReadAll(*log));
  EXPECT_EQ(reread, written);
  ASSERT_OK_AND_ASSIGN(AppendResult c, log->Append(MakeBatch(1, "x", 300), Durability::kAll));
  EXPECT_EQ(c.base_offset, 7);
}

TEST(StoreTest, ProducerIdsAreNeverHandedOutTwiceAcrossRestarts) {
  TempDir dir;
  int64_t first;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StoreTestOptions(dir)));
    ASSERT_OK_AND_ASSIGN(first, store->ReserveProducerIds(1000));
    ASSERT_OK_AND_ASSIGN(int64_t second, store->ReserveProducerIds(10));
    EXPECT_EQ(second, first + 1000);
    EXPECT_THAT(store->ReserveProducerIds(0), StatusIs(absl::StatusCode::kInvalidArgument));
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StoreTestOptions(dir)));
  ASSERT_OK_AND_ASSIGN(int64_t after_restart, store->ReserveProducerIds(1));
  EXPECT_EQ(after_restart, first + 1010);
}

TEST(StoreTest, SecondOpenOfSameDirectoryFails) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StoreTestOptions(dir)));
  absl::StatusOr<std::unique_ptr<Store>> second = Store::Open(StoreTestOptions(dir));
  EXPECT_THAT(second, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(second.status().message()), HasSubstr("in use by another process"));
  EXPECT_OK(store->Close());
  // Once closed, the directory can be opened again.
  EXPECT_OK(Store::Open(StoreTestOptions(dir)).status());
}

// The same, from a second process: LevelDB's LOCK file is an fcntl lock.
TEST(StoreTest, SecondProcessCannotOpenTheDirectory) {
  TempDir dir;
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Forked before the parent opened anything: a separate process with no
    // shared lock state.
    char byte;
    if (read(ready[0], &byte, 1) != 1) _exit(2);
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(StoreTestOptions(dir));
    const bool refused =
        store.status().code() == absl::StatusCode::kFailedPrecondition &&
        absl::StrContains(store.status().message(), "is in use by another process");
    _exit(refused ? 0 : 1);
  }
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(StoreTestOptions(dir));
  ASSERT_OK(store.status());
  ASSERT_EQ(write(ready[1], "x", 1), 1);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the second process could open the data directory";
  close(ready[0]);
  close(ready[1]);
}

TEST(StoreTest, TopicNameValidation) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StoreTestOptions(dir)));
  for (const std::string& bad :
       {std::string(""), std::string("."), std::string(".."), std::string("a/b"),
        std::string("../x"), std::string("a b"), std::string(250, 'x'), std::string("caf\xc3\xa9"),
        std::string("nul\0l", 5), std::string("a:b")}) {
    EXPECT_THAT(store->CreateTopic(bad, 1, LogConfig()),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
  }
  for (const std::string& good : {std::string("a"), std::string("..."), std::string(".x"),
                                  std::string("A-Z_a-z.0-9"), std::string(249, 'y')}) {
    EXPECT_OK(store->CreateTopic(good, 1, LogConfig()).status()) << good;
  }
  EXPECT_THAT(ValidateTopicName("a/b").message(), HasSubstr("position 1"));
  // Names never become paths.
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/data/topics/a"));
}

TEST(StoreTest, CreateTopicErrors) {
  TempDir dir;
  StoreOptions options = StoreTestOptions(dir);
  options.max_partitions = 4;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(options));
  EXPECT_THAT(store->CreateTopic("t", 0, LogConfig()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store->CreateTopic("t", 5, LogConfig()),
              StatusIs(absl::StatusCode::kResourceExhausted));
  LogConfig bad;
  bad.segment_bytes = 0;
  EXPECT_THAT(store->CreateTopic("t", 1, bad), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_OK(store->CreateTopic("t", 4, LogConfig()).status());
  EXPECT_THAT(store->CreateTopic("t", 1, LogConfig()), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(store->GetTopic("nope"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store->DeleteTopic("nope"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(StoreTest, TopicIdsAssignedElsewhereAreKeptAcrossReopenAndStayUnique) {
  TempDir dir;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StoreTestOptions(dir)));
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> given, store->CreateTopic("a", 1, LogConfig(), 42));
    EXPECT_EQ(given->id(), 42u);
    EXPECT_THAT(store->CreateTopic("b", 1, LogConfig(), 42),
                StatusIs(absl::StatusCode::kAlreadyExists));
    // Ids the store picks itself stay above the ones it was given.
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> picked, store->CreateTopic("c", 1, LogConfig()));
    EXPECT_EQ(picked->id(), 43u);
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StoreTestOptions(dir)));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> a, store->GetTopic("a"));
  EXPECT_EQ(a->id(), 42u);
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> by_id, store->GetTopicById(42));
  EXPECT_EQ(by_id->name(), "a");
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> d, store->CreateTopic("d", 1, LogConfig()));
  EXPECT_EQ(d->id(), 44u);
}

TEST(StoreTest, LogConfigValidate) {
  EXPECT_OK(LogConfig().Validate());
  LogConfig c;
  c.retention_ms = 0;
  EXPECT_THAT(c.Validate(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(c.Validate().message()), HasSubstr("retention_ms"));
  c = LogConfig();
  c.retention_bytes = -2;
  EXPECT_THAT(c.Validate(), StatusIs(absl::StatusCode::kInvalidArgument));
  c = LogConfig();
  c.max_message_bytes = 0;
  EXPECT_THAT(c.Validate(), StatusIs(absl::StatusCode::kInvalidArgument));
  c = LogConfig();
  c.cleanup_policy = static_cast<CleanupPolicy>(7);
  EXPECT_THAT(c.Validate(), StatusIs(absl::StatusCode::kInvalidArgument));
  c = LogConfig();
  c.retention_ms = LogConfig::kUnlimited;
  c.retention_bytes = LogConfig::kUnlimited;
  EXPECT_OK(c.Validate());
}

TEST(StoreTest, ListTopicsSortedAndConfigPersisted) {
  TempDir dir;
  LogConfig config;
  config.retention_ms = 1234;
  config.retention_bytes = 5678;
  config.cleanup_policy = CleanupPolicy::kCompact;
  config.max_message_bytes = 999;
  config.segment_bytes = 4096;
  config.segment_ms = 777;
  config.delete_retention_ms = 55;
  uint64_t id_b;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StoreTestOptions(dir)));
    ASSERT_OK(store->CreateTopic("b", 2, config).status());
    ASSERT_OK(store->CreateTopic("a", 1, LogConfig()).status());
    id_b = store->GetTopic("b").value()->id();
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StoreTestOptions(dir)));
  std::vector<std::shared_ptr<Topic>> topics = store->ListTopics();
  ASSERT_EQ(topics.size(), 2u);
  EXPECT_EQ(topics[0]->name(), "a");
  EXPECT_EQ(topics[1]->name(), "b");
  const LogConfig& c = topics[1]->config();
  EXPECT_EQ(topics[1]->id(), id_b);
  EXPECT_EQ(c.retention_ms, 1234);
  EXPECT_EQ(c.retention_bytes, 5678);
  EXPECT_EQ(c.cleanup_policy, CleanupPolicy::kCompact);
  EXPECT_EQ(c.max_message_bytes, 999);
  EXPECT_EQ(c.segment_bytes, 4096);
  EXPECT_EQ(c.segment_ms, 777);
  EXPECT_EQ(c.delete_retention_ms, 55);
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/data/topics/" + std::to_string(id_b) + "/1"));
  // Ids are never reused.
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> c2, store->CreateTopic("c", 1, LogConfig()));
  EXPECT_GT(c2->id(), id_b);
}

TEST(StoreTest, DeleteTopicRemovesDataWakesWaitersAndFailsCalls) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StoreTestOptions(dir)));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> topic, store->CreateTopic("gone", 1, LogConfig()));
  std::shared_ptr<PartitionLog> log = topic->partition(0);
  ASSERT_OK(log->Append(MakeBatch(3, "v", 1), Durability::kLeader).status());
  ASSERT_OK(store->offsets().Commit("g", topic->id(), 0, 2, ""));
  std::atomic<int> woken{0};
  EXPECT_NE(log->WaitForData(3, [&] { woken++; }), 0u);
  const std::string folder = dir.path() + "/data/topics/" + std::to_string(topic->id());
  ASSERT_TRUE(std::filesystem::exists(folder));

  ASSERT_OK(store->DeleteTopic("gone"));
  EXPECT_EQ(woken.load(), 1);
  EXPECT_TRUE(topic->deleted());
  EXPECT_TRUE(log->closed());
  EXPECT_THAT(log->Read(0, 10, 1000), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(log->Append(MakeBatch(1, "v", 1), Durability::kLeader),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(log->WaitForData(3, [&] { woken++; }), 0u);
  // The files go on the store's reaper thread.
  static_cast<DiskStore*>(store.get())->TEST_WaitForReaper();
  EXPECT_FALSE(std::filesystem::exists(folder));
  EXPECT_THAT(store->GetTopic("gone"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store->offsets().Get("g", topic->id(), 0), IsOk());
  EXPECT_FALSE(store->offsets().Get("g", topic->id(), 0).value().has_value());

  // A new topic of the same name starts from scratch.
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> again, store->CreateTopic("gone", 1, LogConfig()));
  EXPECT_NE(again->id(), topic->id());
  EXPECT_EQ(again->partition(0)->high_watermark(), 0);
}

TEST(StoreTest, LeftoverFolderOfUnknownTopicIsRemovedAtOpen) {
  TempDir dir;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StoreTestOptions(dir)));
    ASSERT_OK(store->CreateTopic("kept", 1, LogConfig()).status());
  }
  const std::string orphan = dir.path() + "/data/topics/999/0";
  std::filesystem::create_directories(orphan);
  { std::ofstream(orphan + "/00000000000000000000.log") << "junk"; }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StoreTestOptions(dir)));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/data/topics/999"));
  EXPECT_OK(store->GetTopic("kept").status());
}

// A damaged registry record is DATA_LOSS, not a topic with billions of
// partitions (or a nameless one) for the open to create.
TEST(StoreTest, DamagedTopicRecordsAreDataLoss) {
  TopicRecord good;
  good.name = "orders";
  good.partitions = 3;
  ASSERT_OK_AND_ASSIGN(TopicRecord decoded, TopicRegistry::Decode(7, TopicRegistry::Encode(good)));
  EXPECT_EQ(decoded.partitions, 3);
  EXPECT_EQ(decoded.name, "orders");
  auto damaged = [&](auto change) {
    TopicRecord r = good;
    change(r);
    return TopicRegistry::Decode(7, TopicRegistry::Encode(r));
  };
  EXPECT_THAT(damaged([](TopicRecord& r) { r.partitions = 0x7fffffff; }),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(damaged([](TopicRecord& r) { r.partitions = -1; }),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(damaged([](TopicRecord& r) { r.name.clear(); }),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(damaged([](TopicRecord& r) { r.config.segment_bytes = -5; }),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(damaged([](TopicRecord& r) { r.config.cleanup_policy = CleanupPolicy{9}; }),
              StatusIs(absl::StatusCode::kDataLoss));

  // Through a real open: the registry is lost and topic.meta is damaged.
  TempDir dir;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StoreTestOptions(dir)));
    ASSERT_OK(store->CreateTopic("orders", 1, LogConfig()).status());
  }
  ASSERT_OK_AND_ASSIGN(
      TopicRecord on_disk,
      TopicRegistry::ReadMetaFile(*fs::FileSystem::Default(), dir.path() + "/data/topics/1", 1));
  on_disk.partitions = 0x7fffffff;
  ASSERT_OK(TopicRegistry::WriteMetaFile(*fs::FileSystem::Default(), dir.path() + "/data/topics/1",
                                         on_disk));
  std::filesystem::remove_all(dir.path() + "/data/index");
  absl::StatusOr<std::unique_ptr<Store>> reopened = Store::Open(StoreTestOptions(dir));
  EXPECT_THAT(reopened, StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(std::string(reopened.status().message()), HasSubstr("2147483647 partitions"));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path() + "/data/topics/1"),
                          std::filesystem::directory_iterator{}),
            2);  // topic.meta and partition 0: nothing created
}

TEST(StoreTest, CloseWakesWaitersAndFailsWithUnavailable) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StoreTestOptions(dir)));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> topic, store->CreateTopic("t", 1, LogConfig()));
  std::shared_ptr<PartitionLog> log = topic->partition(0);
  std::atomic<int> woken{0};
  ASSERT_NE(log->WaitForData(0, [&] { woken++; }), 0u);
  ASSERT_OK(store->Close());
  EXPECT_EQ(woken.load(), 1);
  EXPECT_TRUE(log->closed());
  EXPECT_THAT(log->Append(MakeBatch(1, "v", 1), Durability::kAll),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(log->Read(0, 1, 1), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(store->offsets().Commit("g", topic->id(), 0, 1, ""),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_OK(store->Close());  // idempotent
}

// The broker may hold logs past the store's lifetime.
TEST(StoreTest, LogsOutliveTheStore) {
  TempDir dir;
  std::shared_ptr<Topic> topic;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StoreTestOptions(dir)));
    ASSERT_OK_AND_ASSIGN(topic, store->CreateTopic("t", 1, LogConfig()));
    ASSERT_OK(topic->partition(0)->Append(MakeBatch(2, "v", 1), Durability::kAll).status());
  }
  std::shared_ptr<PartitionLog> log = topic->partition(0);
  EXPECT_TRUE(log->closed());
  EXPECT_THAT(log->Append(MakeBatch(1, "v", 1), Durability::kAll),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(log->Append(MakeBatch(1, "v", 1), Durability::kLeader),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(log->Read(0, 1, 1), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(log->OffsetForTimestamp(0), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(log->Flush(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(log->EnforceRetention(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(log->Compact(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(log->WaitForData(5, [] {}), 0u);
  EXPECT_EQ(log->high_watermark(), 2);
}

}  // namespace
}  // namespace eventlog::storage
