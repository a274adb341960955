// FileBudget: a data directory and new topics are held to the open-file
// limit, with a clear refusal instead of EMFILE halfway. The tests lower this
// process's soft limit (and restore it); the hard limit is left alone.
#include "storage/file_budget.h"

#include <sys/resource.h>

#include <filesystem>
#include <memory>
#include <string>

#include "storage/store.h"
#include "storage/util/open_files.h"
#include "tests/test_util.h"

namespace eventlog::storage {
namespace {

using ::eventlog::testing::IsOk;
using ::eventlog::testing::StatusIs;
using ::eventlog::testing::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int64_t kReserve = 50;

// Sets the soft open-file limit for the scope of the object.
class SoftFileLimit {
 public:
  explicit SoftFileLimit(rlim_t soft) {
    getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit lowered = saved_;
    lowered.rlim_cur = soft;
    ok_ = setrlimit(RLIMIT_NOFILE, &lowered) == 0;
  }
  ~SoftFileLimit() { setrlimit(RLIMIT_NOFILE, &saved_); }
  bool ok() const { return ok_; }

 private:
  rlimit saved_{};
  bool ok_ = false;
};

StoreOptions FileBudgetOptions(const TempDir& dir) {
  StoreOptions options;
  options.data_dir = dir.path() + "/data";
  options.cleanup_interval_ms = 0;
  options.flush_interval_ms = 0;
  options.reserved_files = kReserve;
  return options;
}

TEST(FileBudgetTest, CountsOpenFilesAndReadsTheLimit) {
  const int64_t before = util::CountOpenFiles();
  ASSERT_GT(before, 2);  // at least stdin, stdout, stderr
  FILE* extra = std::tmpfile();
  ASSERT_NE(extra, nullptr);
  EXPECT_EQ(util::CountOpenFiles(), before + 1);
  std::fclose(extra);
  ASSERT_OK_AND_ASSIGN(util::OpenFileLimit limit, util::GetOpenFileLimit());
  EXPECT_GE(limit.hard, limit.soft);
  EXPECT_GT(limit.soft, static_cast<uint64_t>(before));
}

TEST(FileBudgetTest, ATopicThatWouldNotFitIsRefusedAndNothingIsCreated) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(FileBudgetOptions(dir)));
  const int64_t open = util::CountOpenFiles();
  SoftFileLimit limit(static_cast<rlim_t>(open + kReserve + 30));
  ASSERT_TRUE(limit.ok());

  EXPECT_THAT(store->CreateTopic("too-big", 40, LogConfig()).status(),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(store->ListTopics(), IsEmpty());
  EXPECT_FALSE(store->GetTopic("too-big").ok());
  // What fits is created; the refused one's partitions were never opened.
  EXPECT_EQ(util::CountOpenFiles(), open);
  EXPECT_TRUE(store->CreateTopic("fits", 20, LogConfig()).ok());
  EXPECT_THAT(store->CreateTopic("no-longer-fits", 20, LogConfig()).status(),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST(FileBudgetTest, ADataDirectoryWhoseSegmentsWouldNotFitIsRefusedAtOpenWithTheNumbers) {
  TempDir dir;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(FileBudgetOptions(dir)));
    ASSERT_TRUE(store->CreateTopic("wide", 60, LogConfig()).ok());
    ASSERT_THAT(store->Close(), IsOk());
  }
  const int64_t open = util::CountOpenFiles();
  {
    SoftFileLimit limit(static_cast<rlim_t>(open + kReserve + 40));
    ASSERT_TRUE(limit.ok());
    absl::StatusOr<std::unique_ptr<Store>> refused = Store::Open(FileBudgetOptions(dir));
    EXPECT_THAT(refused.status(), StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_THAT(refused.status().message(),
                AllOf(HasSubstr("60 segment files"), HasSubstr("open file limit is"),
                      HasSubstr("ulimit -n")));
    EXPECT_EQ(util::CountOpenFiles(), open);  // it opened nothing
  }
  // With room, the same directory opens with its topic.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(FileBudgetOptions(dir)));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> topic, store->GetTopic("wide"));
  EXPECT_EQ(topic->partition_count(), 60);
}

TEST(FileBudgetTest, ANegativeReserveTurnsTheChecksOff) {
  TempDir dir;
  FileBudget budget(fs::FileSystem::Default(), dir.path(), -1);
  SoftFileLimit limit(static_cast<rlim_t>(util::CountOpenFiles() + 5));
  ASSERT_TRUE(limit.ok());
  EXPECT_THAT(budget.CheckNewFiles(1000), IsOk());
  EXPECT_THAT(budget.CheckDataDirectory(), IsOk());
}

}  // namespace
}  // namespace eventlog::storage
