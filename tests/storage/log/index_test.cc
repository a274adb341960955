// The sparse offset and time indexes: decoding what LevelDB holds.
#include <memory>
#include <string>
#include <vector>

#include "leveldb/db.h"
#include "leveldb/env.h"
#include "leveldb/helpers/memenv.h"
#include "leveldb/write_batch.h"
#include "storage/layout.h"
#include "storage/log/offset_index.h"
#include "storage/log/time_index.h"
#include "storage/util/coding.h"
#include "tests/test_util.h"

namespace eventlog::storage {
namespace {

using ::eventlog::testing::StatusIs;

// A LevelDB in memory holding raw entries, for the index decoders.
class MemDb {
 public:
  MemDb() : env_(leveldb::NewMemEnv(leveldb::Env::Default())) {
    leveldb::Options options;
    options.env = env_.get();
    options.create_if_missing = true;
    leveldb::DB* db = nullptr;
    EXPECT_TRUE(leveldb::DB::Open(options, "/db", &db).ok());
    db_.reset(db);
  }
  leveldb::DB* get() { return db_.get(); }
  void Put(const std::string& key, const std::string& value) {
    EXPECT_TRUE(db_->Put(leveldb::WriteOptions(), key, value).ok());
  }

 private:
  std::unique_ptr<leveldb::Env> env_;
  std::unique_ptr<leveldb::DB> db_;
};

std::string OffsetIndexValue() { return std::string(24, '\0'); }

// Found by tests/fuzz/index_decoding_fuzzer: a key longer than
// <prefix><offset:8> decoded its last 8 bytes, so Floor/Ceiling returned
// entries on the wrong side of the target. It is malformed now.
TEST(OffsetIndexTest, KeyOfWrongLengthIsDataLoss) {
  MemDb db;
  OffsetIndex index(db.get(), 1, 0);
  leveldb::WriteBatch batch;
  index.Put(OffsetIndexEntry{10, 0, 0, 0}, &batch);
  ASSERT_TRUE(db.get()->Write(leveldb::WriteOptions(), &batch).ok());
  std::string key = layout::PartitionKey(layout::kOffsetIndex, 1, 0, 5);
  key.append(8, '\x7f');  // sorts between 5 and 10; its last 8 bytes say 0x7f7f...
  db.Put(key, OffsetIndexValue());
  EXPECT_THAT(index.Floor(7), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(index.Range(0, 20), StatusIs(absl::StatusCode::kDataLoss));
}

// Found by the same fuzzer: a stored base offset >= 2^63 decoded negative
// and Ceiling(a) returned it for a > it. Negative offsets are malformed.
TEST(OffsetIndexTest, NegativeOffsetIsDataLoss) {
  MemDb db;
  OffsetIndex index(db.get(), 1, 0);
  db.Put(layout::PartitionKey(layout::kOffsetIndex, 1, 0, uint64_t{1} << 63), OffsetIndexValue());
  EXPECT_THAT(index.Ceiling(5), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(index.Last(), StatusIs(absl::StatusCode::kDataLoss));
}

// Found by the same fuzzer: a time index key longer than
// <prefix><timestamp:8><offset:8> made LastBefore(ts) return an entry whose
// timestamp was not below ts.
TEST(TimeIndexTest, KeyOfWrongLengthIsDataLoss) {
  MemDb db;
  TimeIndex index(db.get(), 1, 0);
  std::string key = layout::PartitionPrefix(layout::kTimeIndex, 1, 0);
  util::coding::AppendBigEndian64(&key, util::coding::OrderPreservingFromSigned(100));
  util::coding::AppendBigEndian64(&key, 7);
  db.Put(key, "");
  std::string longer = key;
  // Sorts after `key`; its last 16 bytes read as (INT64_MAX, offset 0).
  util::coding::AppendBigEndian64(&longer, 0);
  longer.replace(longer.size() - 16, 8, std::string(8, '\xff'));
  db.Put(longer, "");
  EXPECT_THAT(index.LastBefore(200), StatusIs(absl::StatusCode::kDataLoss));
  // All() skips what it cannot decode.
  absl::StatusOr<std::vector<TimeIndexEntry>> all = index.All();
  ASSERT_OK(all.status());
  EXPECT_EQ(*all, (std::vector<TimeIndexEntry>{{100, 7}}));
}

}  // namespace
}  // namespace eventlog::storage
