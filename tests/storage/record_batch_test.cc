// The record batch format, the builder, segment names, key encodings and
// the decoding of index entries.
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "leveldb/db.h"
#include "leveldb/env.h"
#include "leveldb/helpers/memenv.h"
#include "storage/util/coding.h"
#include "storage/file_util.h"
#include "storage/index_keys.h"
#include "storage/offset_index.h"
#include "storage/record_batch_builder.h"
#include "storage/record_batch_format.h"
#include "storage/time_index.h"
#include "tests/test_util.h"

namespace eventlog::storage {
namespace {

using ::eventlog::testing::StatusIs;

// Frames the builder's records as a batch at `base_offset`.
std::string Frame(const RecordBatchBuilder& b, int64_t base_offset) {
  format::BatchHeader h;
  h.base_offset = base_offset;
  h.batch_length = static_cast<uint32_t>(format::kBatchHeaderSize + b.size_bytes());
  h.last_offset_delta = b.record_count() - 1;
  h.record_count = b.record_count();
  h.first_timestamp_ms = b.first_timestamp_ms();
  h.max_timestamp_ms = b.max_timestamp_ms();
  std::string batch(format::kBatchHeaderSize, '\0');
  format::EncodeBatchHeader(h, batch.data());
  batch += b.encoded_records();
  h.crc = format::ComputeCrc(batch);
  format::EncodeBatchHeader(h, batch.data());
  return batch;
}

TEST(RecordBatchFormatTest, HeaderRoundTrip) {
  format::BatchHeader h;
  h.base_offset = 1234567890123;
  h.batch_length = 4096;
  h.crc = 0xdeadbeef;
  h.leader_epoch = 3;
  h.last_offset_delta = 9;
  h.record_count = 7;
  h.first_timestamp_ms = -5;
  h.max_timestamp_ms = 1700000000000;
  char bytes[format::kBatchHeaderSize];
  format::EncodeBatchHeader(h, bytes);
  format::BatchHeader d = format::DecodeBatchHeader(bytes);
  EXPECT_EQ(d.base_offset, h.base_offset);
  EXPECT_EQ(d.batch_length, h.batch_length);
  EXPECT_EQ(d.crc, h.crc);
  EXPECT_EQ(d.magic, format::kMagic);
  EXPECT_EQ(d.leader_epoch, 3);
  EXPECT_EQ(d.last_offset_delta, 9);
  EXPECT_EQ(d.record_count, 7);
  EXPECT_EQ(d.first_timestamp_ms, -5);
  EXPECT_EQ(d.max_timestamp_ms, 1700000000000);
  EXPECT_EQ(d.next_offset(), 1234567890133);
  EXPECT_OK(format::CheckBatchHeader(d));
  d.magic = 9;
  EXPECT_THAT(format::CheckBatchHeader(d), StatusIs(absl::StatusCode::kDataLoss));
}

TEST(RecordBatchFormatTest, BuilderRecordsDecode) {
  RecordBatchBuilder b;
  HeaderView headers[] = {{"a", "1"}, {"a", "2"}, {"", ""}};
  b.Add("k1", "v1", headers, 100);
  b.Add("", "", {}, 50);
  b.Add(std::string(300, 'k'), std::string(70000, 'v'), {}, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(b.record_count(), 3);
  EXPECT_EQ(b.first_timestamp_ms(), 100);
  EXPECT_EQ(b.max_timestamp_ms(), std::numeric_limits<int64_t>::max());
  EXPECT_GT(b.max_record_bytes(), 70300u);
  EXPECT_LT(b.max_record_bytes(), 70340u);

  const std::string batch = Frame(b, 42);
  EXPECT_OK(format::VerifyBatch(batch, "test"));
  format::BatchHeader h = format::DecodeBatchHeader(batch.data());
  const char* p = batch.data() + format::kBatchHeaderSize;
  const char* end = batch.data() + batch.size();
  RecordView r;
  ASSERT_TRUE(format::DecodeRecord(h, &p, end, &r));
  EXPECT_EQ(r.offset, 42);
  EXPECT_EQ(r.timestamp_ms, 100);
  EXPECT_EQ(r.key, "k1");
  EXPECT_EQ(r.value, "v1");
  ASSERT_EQ(r.headers.size(), 3u);
  EXPECT_EQ(r.headers[1].key, "a");
  EXPECT_EQ(r.headers[1].value, "2");
  uint32_t delta;
  const char* q = p;
  ASSERT_TRUE(format::SkipRecord(&q, end, &delta));
  EXPECT_EQ(delta, 1u);
  ASSERT_TRUE(format::DecodeRecord(h, &p, end, &r));
  EXPECT_EQ(r.offset, 43);
  EXPECT_EQ(r.timestamp_ms, 50);
  EXPECT_TRUE(r.key.empty());
  EXPECT_TRUE(r.headers.empty());
  ASSERT_TRUE(format::DecodeRecord(h, &p, end, &r));
  EXPECT_EQ(r.offset, 44);
  EXPECT_EQ(r.timestamp_ms, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(r.value.size(), 70000u);
  EXPECT_EQ(p, end);
  EXPECT_FALSE(format::DecodeRecord(h, &p, end, &r));
}

TEST(RecordBatchFormatTest, ChecksumCoversEveryByte) {
  RecordBatchBuilder b;
  b.Add("key", "value", {}, 1);
  b.Add("key2", "value2", {}, 2);
  const std::string batch = Frame(b, 7);
  for (size_t i = 0; i < batch.size(); ++i) {
    if (i >= format::kCrcPos && i < format::kCrcCoveredFrom) continue;  // the crc itself
    std::string damaged = batch;
    damaged[i] ^= 0x04;
    EXPECT_THAT(format::VerifyBatch(damaged, "test"), StatusIs(absl::StatusCode::kDataLoss))
        << "byte " << i;
  }
  EXPECT_THAT(format::VerifyBatch(batch.substr(0, batch.size() - 1), "test"),
              StatusIs(absl::StatusCode::kDataLoss));
  // The split computation the append path uses gives the same checksum.
  EXPECT_EQ(format::FinishCrc(format::BodyCrc(batch.data(), b.encoded_records()), batch.data()),
            format::ComputeCrc(batch));
}

// Found by tests/fuzz/record_batch_fuzzer: last_offset_delta = INT32_MAX
// overflowed the record count check (signed overflow, UBSan).
TEST(RecordBatchFormatTest, MaxLastOffsetDeltaIsCheckedWithoutOverflow) {
  format::BatchHeader h;
  h.batch_length = format::kBatchHeaderSize;
  h.last_offset_delta = std::numeric_limits<int32_t>::max();
  h.record_count = 1;
  EXPECT_OK(format::CheckBatchHeader(h));
  h.record_count = std::numeric_limits<int32_t>::max();
  EXPECT_OK(format::CheckBatchHeader(h));
}

// A header whose offsets do not fit in int64 is corrupt, not UB later on
// (last_offset() and next_offset()).
TEST(RecordBatchFormatTest, OffsetsPastInt64AreDataLoss) {
  format::BatchHeader h;
  h.batch_length = format::kBatchHeaderSize;
  h.record_count = 1;
  h.last_offset_delta = 5;
  h.base_offset = std::numeric_limits<int64_t>::max() - 6;
  EXPECT_OK(format::CheckBatchHeader(h));
  h.base_offset = std::numeric_limits<int64_t>::max() - 5;
  EXPECT_THAT(format::CheckBatchHeader(h), StatusIs(absl::StatusCode::kDataLoss));
}

// A record whose offset delta lies past the batch's last offset is malformed
// (and base_offset + delta cannot overflow).
TEST(RecordBatchFormatTest, RecordOffsetPastTheBatchIsMalformed) {
  RecordBatchBuilder b;
  b.Add("k", "v", {}, 1);
  b.Add("k", "v", {}, 2);
  std::string batch = Frame(b, std::numeric_limits<int64_t>::max() - 2);
  format::BatchHeader h = format::DecodeBatchHeader(batch.data());
  ASSERT_OK(format::CheckBatchHeader(h));
  const char* p = batch.data() + format::kBatchHeaderSize;
  const char* end = batch.data() + batch.size();
  RecordView r;
  h.last_offset_delta = 0;  // as if the header claimed one offset only
  ASSERT_TRUE(format::DecodeRecord(h, &p, end, &r));
  EXPECT_EQ(r.offset, std::numeric_limits<int64_t>::max() - 2);
  EXPECT_FALSE(format::DecodeRecord(h, &p, end, &r));
}

TEST(SegmentNameTest, ZeroPaddedBaseOffset) {
  EXPECT_EQ(file_util::SegmentFileName(0), "00000000000000000000.log");
  EXPECT_EQ(file_util::SegmentFileName(1234), "00000000000000001234.log");
  int64_t base;
  ASSERT_TRUE(file_util::ParseSegmentFileName("00000000000000001234.log", &base));
  EXPECT_EQ(base, 1234);
  EXPECT_FALSE(file_util::ParseSegmentFileName("1234.log", &base));
  EXPECT_FALSE(file_util::ParseSegmentFileName("00000000000000001234.log.cleaned", &base));
  EXPECT_FALSE(file_util::ParseSegmentFileName("0000000000000000123x.log", &base));
}

TEST(IndexKeysTest, BytewiseOrderIsNumericOrder) {
  const int64_t offsets[] = {0, 1, 255, 256, 65535, 1LL << 40, std::numeric_limits<int64_t>::max()};
  for (size_t i = 0; i + 1 < std::size(offsets); ++i) {
    EXPECT_LT(index_keys::PartitionKey('o', 1, 2, offsets[i]),
              index_keys::PartitionKey('o', 1, 2, offsets[i + 1]));
  }
  // Partitions and topics do not interleave.
  EXPECT_LT(index_keys::PartitionKey('o', 1, 2, std::numeric_limits<int64_t>::max()),
            index_keys::PartitionKey('o', 1, 3, 0));
  EXPECT_LT(index_keys::PartitionKey('o', 1, 0x7fffffff, 5),
            index_keys::PartitionKey('o', 2, 0, 0));
  // Signed timestamps keep their order.
  const int64_t times[] = {std::numeric_limits<int64_t>::min(), -1000, -1, 0, 1, 1700000000000};
  for (size_t i = 0; i + 1 < std::size(times); ++i) {
    std::string a, b;
    util::coding::AppendBigEndian64(&a, util::coding::OrderPreservingFromSigned(times[i]));
    util::coding::AppendBigEndian64(&b, util::coding::OrderPreservingFromSigned(times[i + 1]));
    EXPECT_LT(a, b);
  }
  EXPECT_EQ(index_keys::PrefixEnd("ab\xff"), "ac");
}

TEST(VarintTest, RoundTrip) {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{127}, uint64_t{128}, uint64_t{300},
                     uint64_t{1} << 35, std::numeric_limits<uint64_t>::max()}) {
    char buf[10];
    char* end = util::coding::EncodeVarint(buf, v);
    EXPECT_EQ(static_cast<size_t>(end - buf), util::coding::VarintLength(v));
    uint64_t d;
    EXPECT_EQ(util::coding::DecodeVarint(buf, end, &d), end);
    EXPECT_EQ(d, v);
    EXPECT_EQ(util::coding::DecodeVarint(buf, end - 1, &d), nullptr);  // truncated
  }
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1}, std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()}) {
    EXPECT_EQ(util::coding::ZigZagDecode(util::coding::ZigZagEncode(v)), v);
  }
}

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
  std::string key = index_keys::PartitionKey(index_keys::kOffsetIndex, 1, 0, 5);
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
  db.Put(index_keys::PartitionKey(index_keys::kOffsetIndex, 1, 0, uint64_t{1} << 63),
         OffsetIndexValue());
  EXPECT_THAT(index.Ceiling(5), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(index.Last(), StatusIs(absl::StatusCode::kDataLoss));
}

// Found by the same fuzzer: a time index key longer than
// <prefix><timestamp:8><offset:8> made LastBefore(ts) return an entry whose
// timestamp was not below ts.
TEST(TimeIndexTest, KeyOfWrongLengthIsDataLoss) {
  MemDb db;
  TimeIndex index(db.get(), 1, 0);
  std::string key = index_keys::PartitionPrefix(index_keys::kTimeIndex, 1, 0);
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
