// The record batch format and the builder: headers, checksums, records.
#include "storage/format/record_batch_format.h"

#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "storage/format/batch_record_iterator.h"
#include "storage/format/record_batch_builder.h"
#include "storage/util/coding.h"
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

}  // namespace
}  // namespace eventlog::storage
