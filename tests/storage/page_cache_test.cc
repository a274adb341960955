// The page cache window: synced bytes older than the window are dropped from
// the page cache (checked with mincore on the real segment file), the newest
// stay.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "storage/store.h"
#include "tests/storage/test_helpers.h"
#include "tests/test_util.h"

namespace eventlog::storage {
namespace {

namespace stdfs = std::filesystem;
using ::eventlog::testing::TempDir;

// Fraction of the pages of [from, to) of `path` that are in the page cache.
double ResidentFraction(const std::string& path, int64_t from, int64_t to) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  EXPECT_GE(fd, 0);
  const auto size = static_cast<size_t>(stdfs::file_size(path));
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  EXPECT_NE(map, MAP_FAILED);
  const size_t page = 4096;
  std::vector<unsigned char> resident((size + page - 1) / page);
  EXPECT_EQ(::mincore(map, size, resident.data()), 0);
  ::munmap(map, size);
  ::close(fd);
  int64_t in = 0, all = 0;
  for (int64_t p = from / static_cast<int64_t>(page); p < to / static_cast<int64_t>(page); ++p) {
    in += resident[static_cast<size_t>(p)] & 1;
    ++all;
  }
  return all == 0 ? 0 : static_cast<double>(in) / static_cast<double>(all);
}

std::string OnlySegment(const std::string& data_dir) {
  std::vector<std::string> found;
  for (const auto& e : stdfs::recursive_directory_iterator(data_dir + "/topics")) {
    if (e.path().extension() == ".log") found.push_back(e.path());
  }
  EXPECT_EQ(found.size(), 1u);
  return found.empty() ? "" : found[0];
}

int64_t Fill(PartitionLog& log, int64_t bytes) {
  const std::string value(8000, 'x');
  int64_t written = 0;
  for (int i = 0; written < bytes; ++i) {
    RecordBatchBuilder b;
    for (int k = 0; k < 16; ++k) b.Add("", value, {}, 1000 + i);
    EXPECT_OK(log.Append(std::move(b), Durability::kAll).status());
    written += 16 * 8000;
  }
  return written;
}

TEST(PageCacheTest, SyncedBytesBeyondTheWindowLeaveThePageCache) {
  TempDir dir;
  StoreOptions o;
  o.data_dir = dir.path() + "/data";
  o.cleanup_interval_ms = 0;
  o.page_cache_window_bytes = 4 << 20;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(o));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> topic, store->CreateTopic("t", 1, LogConfig()));
  const int64_t written = Fill(*topic->partition(0), 24 << 20);
  const std::string segment = OnlySegment(o.data_dir);
  // Everything but the last window (and a margin for the last sync) is gone.
  EXPECT_LT(ResidentFraction(segment, 0, written - (6 << 20)), 0.05);
  EXPECT_GT(ResidentFraction(segment, written - (3 << 20), written - (1 << 20)), 0.9);
  // Dropped bytes still read (from the disk).
  ASSERT_OK_AND_ASSIGN(ReadResult r, topic->partition(0)->Read(0, 5, 1 << 20));
  EXPECT_EQ(r.records.size(), 5u);
}

TEST(PageCacheTest, NegativeWindowKeepsEverything) {
  TempDir dir;
  StoreOptions o;
  o.data_dir = dir.path() + "/data";
  o.cleanup_interval_ms = 0;
  o.page_cache_window_bytes = -1;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(o));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> topic, store->CreateTopic("t", 1, LogConfig()));
  const int64_t written = Fill(*topic->partition(0), 8 << 20);
  EXPECT_GT(ResidentFraction(OnlySegment(o.data_dir), 0, written - (1 << 20)), 0.9);
}

}  // namespace
}  // namespace eventlog::storage
