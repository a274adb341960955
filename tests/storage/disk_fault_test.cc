// Disk faults against the store: a full filesystem (a real tmpfs of a few
// MiB, so these tests need root to mount it) and the min_free_bytes guard.
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "storage/disk_space_guard.h"
#include "storage/store.h"
#include "tests/storage/test_helpers.h"
#include "tests/test_util.h"

namespace eventlog::storage {
namespace {

namespace stdfs = std::filesystem;
using ::eventlog::testing::StatusIs;
using ::eventlog::testing::TempDir;
using ::testing::HasSubstr;
using testing::ReadAll;
using testing::Rec;

// A tmpfs of `bytes` mounted on a fresh temporary directory for the
// fixture's lifetime.
class SmallFilesystem {
 public:
  explicit SmallFilesystem(int64_t bytes) {
    path_ = dir_.path() + "/mnt";
    stdfs::create_directories(path_);
    const std::string options = absl::StrCat("size=", bytes);
    if (::mount("tmpfs", path_.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      error_ = std::strerror(errno);
    }
  }
  ~SmallFilesystem() {
    if (error_.empty()) ::umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }

 private:
  TempDir dir_;
  std::string path_;
  std::string error_;
};

RecordBatchBuilder Batch(int64_t seq, size_t value_bytes) {
  RecordBatchBuilder b;
  std::string value(value_bytes, static_cast<char>('a' + seq % 26));
  b.Add(absl::StrCat("key-", seq), value, {}, 1000 + seq);
  return b;
}

void WriteFiller(const std::string& path, size_t bytes) {
  std::ofstream out(path, std::ios::binary);
  out << std::string(bytes, 'f');
}

StoreOptions OptionsIn(const std::string& dir, int64_t min_free_bytes) {
  StoreOptions o;
  o.data_dir = dir + "/data";
  o.cleanup_interval_ms = 0;
  o.index_interval_bytes = 0;  // every batch indexed: the index writes often too
  o.min_free_bytes = min_free_bytes;
  return o;
}

#define REQUIRE_TMPFS(fs_)                                             \
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root"; \
  ASSERT_TRUE((fs_).mounted()) << "cannot mount a tmpfs: " << (fs_).error()

TEST(DiskSpaceGuardTest, AdmitsAboveTheFloorAndRefusesBelowIt) {
  TempDir dir;
  DiskSpaceGuard off(dir.path(), 0, util::Clock::Real());
  EXPECT_OK(off.Admit(std::numeric_limits<int64_t>::max() / 2));
  DiskSpaceGuard low(dir.path(), 1, util::Clock::Real());
  EXPECT_OK(low.Admit(4096));
  DiskSpaceGuard high(dir.path(), std::numeric_limits<int64_t>::max() / 4, util::Clock::Real());
  absl::Status refused = high.Admit(1);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(std::string(refused.message()), HasSubstr("min_free_bytes"));
}

TEST(DiskFaultTest, GuardRefusesAppendsAndCommitsStillWork) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store,
                       Store::Open(OptionsIn(dir.path(), std::numeric_limits<int64_t>::max() / 4)));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> topic, store->CreateTopic("t", 1, LogConfig()));
  std::shared_ptr<PartitionLog> log = topic->partition(0);
  EXPECT_THAT(log->Append(Batch(0, 100), Durability::kAll),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(log->Append(Batch(1, 100), Durability::kLeader),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(log->high_watermark(), 0);
  EXPECT_EQ(log->size_bytes(), 0);
  EXPECT_OK(store->offsets().Commit("g", topic->id(), 0, 0, ""));
}

// Fills a real filesystem with the guard off, so that the segment write and
// the LevelDB log both meet ENOSPC; then frees space and checks that nothing
// acknowledged is lost, nothing failed is visible, and writing resumes.
TEST(DiskFaultTest, FullFilesystemFailsCleanlyAndRecoversWhenSpaceReturns) {
  SmallFilesystem small(4 << 20);
  REQUIRE_TMPFS(small);
  const std::string filler = small.path() + "/filler";
  WriteFiller(filler, 1 << 20);
  std::vector<Rec> acked;
  int64_t acked_bytes = 0;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(OptionsIn(small.path(), 0)));
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> topic, store->CreateTopic("t", 1, LogConfig()));
    std::shared_ptr<PartitionLog> log = topic->partition(0);
    absl::Status full;
    int64_t seq = 0;
    for (; seq < 1000; ++seq) {
      absl::StatusOr<AppendResult> r = log->Append(Batch(seq, 20000), Durability::kAll);
      if (!r.ok()) {
        full = r.status();
        break;
      }
      EXPECT_EQ(r->base_offset, seq);
    }
    ASSERT_THAT(full, StatusIs(absl::StatusCode::kResourceExhausted)) << "never filled up";
    EXPECT_THAT(std::string(full.message()), HasSubstr("No space left"));
    EXPECT_EQ(log->high_watermark(), seq);
    acked_bytes = log->size_bytes();
    // Commits until one meets ENOSPC in LevelDB's log (its last page fills).
    absl::Status commit_full;
    for (int i = 0; i < 20000 && commit_full.ok(); ++i) {
      commit_full = store->offsets().Commit("g", topic->id(), i % 50, i, std::string(200, 'm'));
    }
    EXPECT_THAT(commit_full, StatusIs(absl::StatusCode::kResourceExhausted));
    ASSERT_OK_AND_ASSIGN(acked, ReadAll(*log));
    ASSERT_EQ(static_cast<int64_t>(acked.size()), seq);

    // Space returns: appends and commits resume where they stopped, and
    // enough commits follow to cross several LevelDB log blocks.
    stdfs::remove(filler);
    ASSERT_OK_AND_ASSIGN(AppendResult r, log->Append(Batch(seq, 20000), Durability::kAll));
    EXPECT_EQ(r.base_offset, seq);
    ASSERT_OK_AND_ASSIGN(Rec last, [&]() -> absl::StatusOr<Rec> {
      ASSIGN_OR_RETURN(std::vector<Rec> tail, ReadAll(*log, seq));
      if (tail.size() != 1) return absl::InternalError("expected one new record");
      return tail[0];
    }());
    acked.push_back(last);
    for (int i = 0; i < 2000; ++i) {
      ASSERT_OK(
          store->offsets().Commit("g", topic->id(), i % 50, 100000 + i, std::string(200, 'n')));
    }
    EXPECT_GT(log->size_bytes(), acked_bytes);
    ASSERT_OK(store->Close());
  }
  // Reopened: every acknowledged record and the last commit of each
  // partition are there.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(OptionsIn(small.path(), 0)));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> topic, store->GetTopic("t"));
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> reread, ReadAll(*topic->partition(0)));
  EXPECT_EQ(reread, acked);
  for (int p = 0; p < 50; ++p) {
    ASSERT_OK_AND_ASSIGN(std::optional<CommittedOffset> c,
                         store->offsets().Get("g", topic->id(), p));
    ASSERT_TRUE(c.has_value()) << "partition " << p;
    EXPECT_EQ(c->offset, 100000 + 1950 + p) << "partition " << p;
  }
}

}  // namespace
}  // namespace eventlog::storage
