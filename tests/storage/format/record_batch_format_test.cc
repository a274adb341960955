// The record batch formats (magic 2, Kafka's RecordBatch v2, written now;
// magic 1, the first release's, still read), the builder, Kafka producers'
// batches and compressed batches.
#include "storage/format/record_batch_format.h"

#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "storage/compression/compression.h"
#include "storage/format/batch_record_iterator.h"
#include "storage/format/record_batch_builder.h"
#include "storage/util/coding.h"
#include "tests/test_util.h"

namespace eventlog::storage {
namespace {

using ::eventlog::testing::StatusIs;

// The builder's batch at `base_offset`, sealed.
std::string Frame(RecordBatchBuilder& b, int64_t base_offset) {
  std::string batch = b.Seal();
  format::SetBaseOffset(batch.data(), base_offset);
  return batch;
}

std::vector<RecordView> DecodeAll(const std::string& batch,
                                  std::shared_ptr<const std::string>* keep = nullptr) {
  const format::BatchHeader h = format::DecodeBatchHeader(batch.data());
  BatchRecordIterator it(h, batch);
  std::vector<RecordView> out;
  RecordView r;
  while (true) {
    absl::StatusOr<bool> next = it.Next(&r);
    EXPECT_OK(next.status());
    if (!next.ok() || !*next) break;
    out.push_back(r);
  }
  if (keep != nullptr) *keep = it.decompressed();
  return out;
}

// A magic 1 batch as the first release wrote it (unsigned varints,
// little-endian header, checksum over everything but itself).
std::string V1Batch(int64_t base, const std::vector<std::pair<std::string, std::string>>& kvs,
                    int64_t ts) {
  std::string records;
  int32_t delta = 0;
  for (const auto& [key, value] : kvs) {
    std::string body;
    body.push_back(0);  // attributes
    char buf[10];
    body.append(buf, util::coding::EncodeVarint(buf, 0) - buf);  // timestamp delta
    body.append(buf, util::coding::EncodeVarint(buf, static_cast<uint64_t>(delta++)) - buf);
    body.append(buf, util::coding::EncodeVarint(buf, key.size()) - buf);
    body += key;
    body.append(buf, util::coding::EncodeVarint(buf, value.size()) - buf);
    body += value;
    body.append(buf, util::coding::EncodeVarint(buf, 0) - buf);  // headers
    records.append(buf, util::coding::EncodeVarint(buf, body.size()) - buf);
    records += body;
  }
  format::BatchHeader h;
  h.magic = format::kMagicV1;
  h.base_offset = base;
  h.batch_length = static_cast<uint32_t>(format::kV1HeaderSize + records.size());
  h.last_offset_delta = delta - 1;
  h.record_count = delta;
  h.first_timestamp_ms = ts;
  h.max_timestamp_ms = ts;
  std::string batch(format::kV1HeaderSize, '\0');
  format::EncodeBatchHeader(h, batch.data());
  batch += records;
  format::SealBatch(batch.data(), batch.size());
  return batch;
}

TEST(RecordBatchFormatTest, HeadersOfBothMagicsRoundTrip) {
  for (uint8_t magic : {format::kMagicV1, format::kMagicV2}) {
    SCOPED_TRACE(static_cast<int>(magic));
    format::BatchHeader h;
    h.magic = magic;
    h.base_offset = 1234567890123;
    h.batch_length = 4096;
    h.crc = 0xdeadbeef;
    h.leader_epoch = 3;
    h.last_offset_delta = 9;
    h.record_count = 7;
    h.first_timestamp_ms = -5;
    h.max_timestamp_ms = 1700000000000;
    if (magic == format::kMagicV2) {
      h.attributes = 2;  // snappy
      h.producer_id = 77;
      h.producer_epoch = 4;
      h.base_sequence = 90;
    }
    char bytes[format::kMaxHeaderSize];
    format::EncodeBatchHeader(h, bytes);
    EXPECT_EQ(format::HeaderSizeOf(bytes), h.header_size());
    EXPECT_EQ(format::BaseOffsetOf(bytes), h.base_offset);
    format::BatchHeader d = format::DecodeBatchHeader(bytes);
    EXPECT_EQ(d.magic, magic);
    EXPECT_EQ(d.base_offset, h.base_offset);
    EXPECT_EQ(d.batch_length, h.batch_length);
    EXPECT_EQ(d.crc, h.crc);
    EXPECT_EQ(d.leader_epoch, 3);
    EXPECT_EQ(d.last_offset_delta, 9);
    EXPECT_EQ(d.record_count, 7);
    EXPECT_EQ(d.first_timestamp_ms, -5);
    EXPECT_EQ(d.max_timestamp_ms, 1700000000000);
    EXPECT_EQ(d.producer_id, h.producer_id);
    EXPECT_EQ(d.base_sequence, h.base_sequence);
    EXPECT_EQ(d.compression(), h.compression());
    EXPECT_EQ(d.next_offset(), 1234567890133);
    EXPECT_OK(format::CheckBatchHeader(d));
  }
  char unknown[format::kMaxHeaderSize] = {};
  unknown[format::kMagicPos] = 9;
  EXPECT_EQ(format::HeaderSizeOf(unknown), 0u);
}

TEST(RecordBatchFormatTest, BuilderRecordsDecode) {
  RecordBatchBuilder b;
  HeaderView headers[] = {{"a", "1"}, {"a", "2"}, {"", ""}};
  b.Add("k1", "v1", headers, 100);
  b.Add("", "", {}, 50);  // earlier than the first: a negative delta
  b.Add(std::string(300, 'k'), std::string(70000, 'v'), {}, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(b.record_count(), 3);
  EXPECT_EQ(b.first_timestamp_ms(), 100);
  EXPECT_EQ(b.min_timestamp_ms(), 50);
  EXPECT_EQ(b.max_timestamp_ms(), std::numeric_limits<int64_t>::max());
  EXPECT_GT(b.max_record_bytes(), 70300u);
  EXPECT_LT(b.max_record_bytes(), 70340u);

  const std::string batch = Frame(b, 42);
  EXPECT_EQ(static_cast<uint8_t>(batch[format::kMagicPos]), format::kMagicV2);
  EXPECT_OK(format::VerifyBatch(batch, "test"));
  const std::vector<RecordView> records = DecodeAll(batch);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].offset, 42);
  EXPECT_EQ(records[0].timestamp_ms, 100);
  EXPECT_EQ(records[0].key, "k1");
  EXPECT_EQ(records[0].value, "v1");
  ASSERT_EQ(records[0].headers.size(), 3u);
  EXPECT_EQ(records[0].headers[1].key, "a");
  EXPECT_EQ(records[0].headers[1].value, "2");
  EXPECT_EQ(records[1].offset, 43);
  EXPECT_EQ(records[1].timestamp_ms, 50);
  EXPECT_TRUE(records[1].key.empty());
  EXPECT_TRUE(records[1].headers.empty());
  EXPECT_EQ(records[2].offset, 44);
  EXPECT_EQ(records[2].timestamp_ms, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(records[2].value.size(), 70000u);
}

TEST(RecordBatchFormatTest, FirstReleaseBatchesStillRead) {
  const std::string batch = V1Batch(7, {{"k", "v"}, {"", "w"}}, 1000);
  EXPECT_OK(format::VerifyBatch(batch, "test"));
  const std::vector<RecordView> records = DecodeAll(batch);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].offset, 7);
  EXPECT_EQ(records[0].key, "k");
  EXPECT_EQ(records[1].offset, 8);
  EXPECT_EQ(records[1].value, "w");
  EXPECT_EQ(records[1].timestamp_ms, 1000);
}

// Magic 2's checksum covers the attributes and everything after them, not
// the base offset, length or leader epoch (so an offset is set after
// sealing, as Kafka does); magic 1's covers every byte but itself.
TEST(RecordBatchFormatTest, ChecksumsCoverWhatTheirFormatSays) {
  RecordBatchBuilder b;
  b.Add("key", "value", {}, 1);
  b.Add("key2", "value2", {}, 2);
  const std::string v2 = Frame(b, 7);
  for (size_t i = 0; i < v2.size(); ++i) {
    std::string damaged = v2;
    damaged[i] ^= 0x04;
    const bool covered = i >= 21;
    const bool length = i >= 8 && i < 12;
    const bool crc_or_magic = i >= 16 && i < 21;
    if (covered || length || crc_or_magic) {
      EXPECT_THAT(format::VerifyBatch(damaged, "test"), StatusIs(absl::StatusCode::kDataLoss))
          << "byte " << i;
    } else {
      EXPECT_OK(format::VerifyBatch(damaged, "test")) << "byte " << i;  // offset, epoch
    }
  }
  const std::string v1 = V1Batch(7, {{"key", "value"}}, 1);
  for (size_t i = 0; i < v1.size(); ++i) {
    if (i >= 12 && i < 16) continue;  // the crc itself
    std::string damaged = v1;
    damaged[i] ^= 0x04;
    EXPECT_THAT(format::VerifyBatch(damaged, "test"), StatusIs(absl::StatusCode::kDataLoss))
        << "byte " << i;
  }
  EXPECT_THAT(format::VerifyBatch(v2.substr(0, v2.size() - 1), "test"),
              StatusIs(absl::StatusCode::kDataLoss));
}

// Found by tests/fuzz/record_batch_fuzzer: last_offset_delta = INT32_MAX
// overflowed the record count check (signed overflow, UBSan).
TEST(RecordBatchFormatTest, MaxLastOffsetDeltaIsCheckedWithoutOverflow) {
  format::BatchHeader h;
  h.batch_length = format::kV2HeaderSize;
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
  h.batch_length = format::kV2HeaderSize;
  h.record_count = 1;
  h.last_offset_delta = 5;
  h.base_offset = std::numeric_limits<int64_t>::max() - 6;
  EXPECT_OK(format::CheckBatchHeader(h));
  h.base_offset = std::numeric_limits<int64_t>::max() - 5;
  EXPECT_THAT(format::CheckBatchHeader(h), StatusIs(absl::StatusCode::kDataLoss));
  h.base_offset = 0;
  h.attributes = 6;  // no such codec
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
  const char* p = batch.data() + format::kV2HeaderSize;
  const char* end = batch.data() + batch.size();
  RecordView r;
  h.last_offset_delta = 0;  // as if the header claimed one offset only
  ASSERT_TRUE(format::DecodeRecord(h, &p, end, &r));
  EXPECT_EQ(r.offset, std::numeric_limits<int64_t>::max() - 2);
  EXPECT_FALSE(format::DecodeRecord(h, &p, end, &r));
}

// A Kafka producer's batch, in any codec, is validated and stored as it
// came; its records read back like any others.
TEST(RecordBatchFormatTest, KafkaBatchesAreTakenAsTheyCameInEveryCodec) {
  RecordBatchBuilder plain;
  HeaderView headers[] = {{"h", "x"}};
  for (int i = 0; i < 50; ++i) {
    plain.Add("key-" + std::to_string(i), std::string(100, 'a' + i % 26), headers, 1000 + i);
  }
  const std::string uncompressed = plain.Seal();
  const format::BatchHeader h = format::DecodeBatchHeader(uncompressed.data());
  for (int codec = 0; codec <= 4; ++codec) {
    SCOPED_TRACE(codec);
    std::string batch = uncompressed;
    if (codec != 0) {
      absl::StatusOr<std::string> packed =
          compression::Compress(static_cast<compression::Codec>(codec),
                                absl::string_view(uncompressed).substr(format::kV2HeaderSize));
      ASSERT_OK(packed.status());
      format::BatchHeader c = h;
      c.attributes = static_cast<int16_t>(codec);
      c.batch_length = static_cast<uint32_t>(format::kV2HeaderSize + packed->size());
      c.producer_id = 5;
      batch.assign(format::kV2HeaderSize, '\0');
      format::EncodeBatchHeader(c, batch.data());
      batch += *packed;
      format::SealBatch(batch.data(), batch.size());
    }
    absl::StatusOr<RecordBatchBuilder> taken = RecordBatchBuilder::FromKafkaBatch(batch, 1 << 20);
    ASSERT_OK(taken.status());
    EXPECT_EQ(taken->record_count(), 50);
    EXPECT_EQ(taken->max_timestamp_ms(), 1049);
    EXPECT_EQ(taken->min_timestamp_ms(), 1000);
    EXPECT_EQ(taken->Seal(), batch);  // not re-encoded
    std::shared_ptr<const std::string> decompressed;
    const std::vector<RecordView> records = DecodeAll(batch, &decompressed);
    ASSERT_EQ(records.size(), 50u);
    EXPECT_EQ(records[49].key, "key-49");
    EXPECT_EQ(records[49].headers[0].value, "x");
    EXPECT_EQ(decompressed != nullptr, codec != 0);
    // A bomb is refused.
    EXPECT_THAT(
        RecordBatchBuilder::FromKafkaBatch(batch, codec == 0 ? 1 << 20 : 100),
        StatusIs(codec == 0 ? absl::StatusCode::kOk : absl::StatusCode::kResourceExhausted));
  }
}

TEST(RecordBatchFormatTest, BadKafkaBatchesAreRefusedSayingWhy) {
  RecordBatchBuilder b;
  b.Add("k", "v", {}, 1);
  b.Add("k", "w", {}, 2);
  const std::string good = b.Seal();
  ASSERT_OK(RecordBatchBuilder::FromKafkaBatch(good, 1 << 20).status());
  auto refused = [](std::string batch) {
    return RecordBatchBuilder::FromKafkaBatch(std::move(batch), 1 << 20).status();
  };
  std::string flipped = good;
  flipped[flipped.size() - 1] ^= 1;
  EXPECT_THAT(refused(flipped), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(refused(good.substr(0, good.size() - 2)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(refused(V1Batch(0, {{"k", "v"}}, 1)), StatusIs(absl::StatusCode::kInvalidArgument));
  format::BatchHeader h = format::DecodeBatchHeader(good.data());
  std::string transactional = good;
  h.attributes = format::kTransactionalBit;
  format::EncodeBatchHeader(h, transactional.data());
  format::SealBatch(transactional.data(), transactional.size());
  absl::Status status = refused(transactional);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_NE(std::string(status.message()).find("transactional"), std::string::npos);
}

TEST(RecordBatchFormatTest, LogAppendTimeOverridesRecordTimestamps) {
  RecordBatchBuilder b;
  b.Add("k", "v", {}, 5);
  b.Add("k", "w", {}, 9);
  b.SetLogAppendTime(777);
  const std::string batch = Frame(b, 0);
  ASSERT_OK(format::VerifyBatch(batch, "test"));
  EXPECT_TRUE(format::DecodeBatchHeader(batch.data()).log_append_time());
  for (const RecordView& r : DecodeAll(batch)) EXPECT_EQ(r.timestamp_ms, 777);
}

}  // namespace
}  // namespace eventlog::storage
