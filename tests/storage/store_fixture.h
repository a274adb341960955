// StoreFixture: a DiskStore on real files in a temporary directory, with a
// manual clock and no background cleanup, for the storage tests; plus
// helpers that look at segment files and the LevelDB index directly.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "leveldb/db.h"
#include "storage/disk_store.h"
#include "storage/format/record_batch_format.h"
#include "storage/layout.h"
#include "storage/util/coding.h"
#include "tests/storage/test_helpers.h"
#include "tests/test_util.h"

namespace eventlog::storage::testing {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
}

// (base offset, next offset, position, length) of every batch in a segment
// file.
struct BatchPos {
  int64_t base_offset;
  int64_t next_offset;
  size_t position;
  size_t length;
};

inline std::vector<BatchPos> Batches(const std::string& path) {
  const std::string data = ReadFile(path);
  std::vector<BatchPos> out;
  size_t pos = 0;
  while (pos + format::kHeaderPrefixSize <= data.size()) {
    const size_t header_size = format::HeaderSizeOf(data.data() + pos);
    if (header_size == 0 || pos + header_size > data.size()) break;
    format::BatchHeader h = format::DecodeBatchHeader(data.data() + pos);
    if (h.batch_length < header_size) break;
    out.push_back({h.base_offset, h.next_offset(), pos, h.batch_length});
    pos += h.batch_length;
  }
  return out;
}

// Segment file paths of a partition folder, in offset order.
inline std::vector<std::string> SegmentFiles(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".log") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  virtual StoreOptions Options() {
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

  // Every key and value of the given key spaces (store closed first).
  std::vector<std::pair<std::string, std::string>> DumpIndex(absl::string_view spaces = "ow") {
    leveldb::DB* raw = nullptr;
    leveldb::Status s = leveldb::DB::Open(leveldb::Options(), dir_.path() + "/data/index", &raw);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::unique_ptr<leveldb::DB> db(raw);
    std::vector<std::pair<std::string, std::string>> out;
    std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (spaces.find(it->key()[0]) != absl::string_view::npos) {
        out.emplace_back(it->key().ToString(), it->value().ToString());
      }
    }
    return out;
  }

  // Rewrites a partition's recovery point (store closed): what a crash
  // leaves when the last syncs' checkpoints were lost, or never happened.
  void SetRecoveryPoint(uint64_t topic_id, int32_t partition, int64_t offset) {
    leveldb::DB* raw = nullptr;
    leveldb::Status s = leveldb::DB::Open(leveldb::Options(), dir_.path() + "/data/index", &raw);
    ASSERT_TRUE(s.ok()) << s.ToString();
    std::unique_ptr<leveldb::DB> db(raw);
    char value[8];
    util::coding::PutFixed64(value, static_cast<uint64_t>(offset));
    leveldb::WriteOptions sync;
    sync.sync = true;
    s = db->Put(sync, layout::PartitionPrefix(layout::kRecoveryPoint, topic_id, partition),
                leveldb::Slice(value, sizeof(value)));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  static LogConfig SmallSegments(int64_t bytes = 1024) {
    LogConfig c;
    c.segment_bytes = bytes;
    return c;
  }

  // A closed store whose log "t" holds 60 batches of 4 records in 2000-byte
  // segments, indexed every `index_interval_bytes`. Returns the segment
  // files, at least 3, in offset order.
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

  eventlog::testing::TempDir dir_;
  util::ManualClock clock_{1'000'000};
  int64_t index_interval_bytes_ = 256;
  std::unique_ptr<DiskStore> store_;
};

}  // namespace eventlog::storage::testing
