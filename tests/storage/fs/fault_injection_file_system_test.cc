// The fault-injecting file system itself: what survives a simulated power
// loss, and what a failed sync costs.
#include "tests/storage/fs/fault_injection_file_system.h"

#include <filesystem>

#include "tests/storage/store_fixture.h"
#include "tests/test_util.h"

namespace eventlog::storage::testing {
namespace {

using ::eventlog::testing::StatusIs;
using ::eventlog::testing::TempDir;

absl::Status Write(fs::File& file, int64_t pos, const std::string& bytes) {
  iovec iov{const_cast<char*>(bytes.data()), bytes.size()};
  return file.WriteAt(pos, &iov, 1);
}

class FaultInjectionFileSystemTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) { return dir_.path() + "/root/" + name; }

  TempDir dir_;
  FaultInjectionFileSystem fs_{dir_.path() + "/root"};
};

TEST_F(FaultInjectionFileSystemTest, OnlySyncedBytesAndEntriesSurvive) {
  {
    ASSERT_OK_AND_ASSIGN(auto file, fs_.Open(Path("a"), fs::OpenMode::kCreate));
    ASSERT_OK(Write(*file, 0, "synced"));
    ASSERT_OK(file->Sync());
    ASSERT_OK(Write(*file, 6, "-lost"));
  }
  ASSERT_OK(fs_.SyncDir(dir_.path() + "/root"));
  {
    // Created after the directory's sync: its entry is not durable.
    ASSERT_OK_AND_ASSIGN(auto file, fs_.Open(Path("b"), fs::OpenMode::kCreate));
    ASSERT_OK(Write(*file, 0, "x"));
    ASSERT_OK(file->Sync());
  }
  ASSERT_OK(fs_.Rename(Path("a"), Path("c")));  // not durable either
  fs_.Crash();
  EXPECT_THAT(fs_.Open(Path("d"), fs::OpenMode::kCreate), StatusIs(absl::StatusCode::kUnavailable));
  ASSERT_OK(fs_.PowerLoss(FaultInjectionFileSystem::TornWrites::kNone, 1));
  EXPECT_EQ(ReadFile(Path("a")), "synced");
  EXPECT_FALSE(std::filesystem::exists(Path("b")));
  EXPECT_FALSE(std::filesystem::exists(Path("c")));
}

TEST_F(FaultInjectionFileSystemTest, TornWritesKeepOnlyAPartOfTheUnsyncedTail) {
  {
    ASSERT_OK_AND_ASSIGN(auto file, fs_.Open(Path("a"), fs::OpenMode::kCreate));
    ASSERT_OK(Write(*file, 0, "head"));
    ASSERT_OK(file->Sync());
    ASSERT_OK(Write(*file, 4, std::string(10000, 't')));
  }
  ASSERT_OK(fs_.SyncDir(dir_.path() + "/root"));
  fs_.Crash();
  ASSERT_OK(fs_.PowerLoss(FaultInjectionFileSystem::TornWrites::kRandomPrefix, 7));
  const std::string after = ReadFile(Path("a"));
  EXPECT_EQ(after.substr(0, 4), "head");
  EXPECT_LE(after.size(), 10004u);
}

// After a failed sync the kernel drops the unwritten pages: a later sync
// succeeds, but without them.
TEST_F(FaultInjectionFileSystemTest, BytesOfAFailedSyncAreLostForGood) {
  ASSERT_OK_AND_ASSIGN(auto file, fs_.Open(Path("a"), fs::OpenMode::kCreate));
  ASSERT_OK(fs_.SyncDir(dir_.path() + "/root"));
  ASSERT_OK(Write(*file, 0, "first"));
  ASSERT_OK(file->Sync());
  ASSERT_OK(Write(*file, 5, "-second"));
  fs_.FailSyncs("/a");
  EXPECT_THAT(file->Sync(), StatusIs(absl::StatusCode::kInternal));
  fs_.StopFailingSyncs();
  ASSERT_OK(Write(*file, 12, "-third"));
  ASSERT_OK(file->Sync());  // "succeeds"
  file.reset();
  fs_.Crash();
  ASSERT_OK(fs_.PowerLoss(FaultInjectionFileSystem::TornWrites::kNone, 1));
  EXPECT_EQ(ReadFile(Path("a")), std::string("first") + std::string(7, '\0') + "-third");
}

TEST_F(FaultInjectionFileSystemTest, CrashAfterStopsAtTheNthOperation) {
  fs_.CrashAfter(2);
  ASSERT_OK_AND_ASSIGN(auto file, fs_.Open(Path("a"), fs::OpenMode::kCreate));
  EXPECT_THAT(Write(*file, 0, "x"), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(fs_.crashed());
  file.reset();
  ASSERT_OK(fs_.PowerLoss(FaultInjectionFileSystem::TornWrites::kNone, 1));
  EXPECT_FALSE(std::filesystem::exists(Path("a")));
  EXPECT_FALSE(fs_.crashed());
}

}  // namespace
}  // namespace eventlog::storage::testing
