// The hand-written wire encoder must produce exactly protobuf's bytes.
#include "service/server/record_wire_encoder.h"

#include <grpcpp/support/byte_buffer.h>

#include <string>
#include <vector>

#include "eventlog/v1/eventlog.pb.h"
#include "gtest/gtest.h"
#include "service/server/proto_convert.h"

namespace eventlog::service {
namespace {

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string out;
  for (const grpc::Slice& s : slices)
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

// Records covering every field's edge: empty and long (multi-byte length)
// keys and values, headers with empty parts, zero and negative timestamps,
// offset 0 and large offsets.
storage::ReadResult Sample(std::vector<std::string>* backing) {
  backing->push_back(std::string(200, 'v'));
  backing->push_back(std::string(70000, 'w'));
  const std::string& medium = (*backing)[0];
  const std::string& large = (*backing)[1];
  storage::ReadResult read;
  read.records.push_back({0, 0, "", "", {}});
  read.records.push_back({1, 1700000000000, "key", "value", {}});
  read.records.push_back({2, -5, "", medium, {{"h", "x"}, {"", ""}, {"k2", medium}}});
  read.records.push_back({(1LL << 40) + 3, 7, large, large, {}});
  read.records.push_back({127, 128, "k", "", {{"only-key", ""}}});
  read.high_watermark = (1LL << 40) + 4;
  read.log_start_offset = 0;
  read.next_offset = read.high_watermark;
  return read;
}

TEST(RecordWireEncoderTest, FetchResponseMatchesProtobuf) {
  std::vector<std::string> backing;
  storage::ReadResult read = Sample(&backing);
  for (int32_t partition : {0, 3, 300}) {
    for (const char* topic : {"orders", ""}) {
      v1::FetchResponse expected;
      AppendRecords(read, topic, partition, expected.mutable_records());
      expected.set_high_watermark(read.high_watermark);
      expected.set_log_start_offset(partition);  // vary: 0 is omitted on the wire
      read.log_start_offset = partition;
      const std::string bytes = Flatten(EncodeFetchResponse(read, topic, partition));
      EXPECT_EQ(bytes, expected.SerializeAsString()) << "partition " << partition;
      v1::FetchResponse parsed;
      ASSERT_TRUE(parsed.ParseFromString(bytes));
      ASSERT_EQ(parsed.records_size(), 5);
      EXPECT_EQ(parsed.records(3).value(), backing[1]);
      EXPECT_EQ(parsed.records(2).headers(2).value(), backing[0]);
      EXPECT_EQ(parsed.records(2).timestamp_ms(), -5);
    }
  }
}

TEST(RecordWireEncoderTest, SubscribeResponseMatchesProtobuf) {
  std::vector<std::string> backing;
  const storage::ReadResult read = Sample(&backing);
  for (int32_t partition : {0, 9}) {
    v1::SubscribeResponse expected;
    v1::RecordBatch* batch = expected.mutable_records();
    batch->set_partition(partition);
    batch->set_high_watermark(read.high_watermark);
    AppendRecords(read, "t", partition, batch->mutable_records());
    EXPECT_EQ(Flatten(EncodeSubscribeRecords(read, "t", partition)), expected.SerializeAsString());
  }
}

TEST(RecordWireEncoderTest, ABatchWithoutHeadersSaysSo) {
  std::vector<std::string> backing;
  storage::ReadResult read = Sample(&backing);
  for (storage::RecordView& record : read.records) record.headers.clear();
  v1::SubscribeResponse expected;
  v1::RecordBatch* batch = expected.mutable_records();
  batch->set_partition(2);
  batch->set_high_watermark(read.high_watermark);
  batch->set_headerless(true);
  AppendRecords(read, "t", 2, batch->mutable_records());
  EXPECT_EQ(Flatten(EncodeSubscribeRecords(read, "t", 2)), expected.SerializeAsString());
  // One record with a header is enough to clear the hint.
  read.records[4].headers.push_back({"h", ""});
  v1::SubscribeResponse parsed;
  ASSERT_TRUE(parsed.ParseFromString(Flatten(EncodeSubscribeRecords(read, "t", 2))));
  EXPECT_FALSE(parsed.records().headerless());
  EXPECT_EQ(parsed.records().records(4).headers_size(), 1);
}

// What protobuf makes of the same records as RecordBatch.columns.
v1::SubscribeResponse ColumnsOf(const storage::ReadResult& read, int32_t partition) {
  v1::SubscribeResponse expected;
  v1::RecordBatch* batch = expected.mutable_records();
  batch->set_partition(partition);
  batch->set_high_watermark(read.high_watermark);
  v1::RecordColumns* columns = batch->mutable_columns();
  bool headerless = true;
  for (const storage::RecordView& r : read.records) headerless = headerless && r.headers.empty();
  batch->set_headerless(headerless);
  for (const storage::RecordView& r : read.records) {
    columns->add_offsets(r.offset);
    columns->add_timestamps_ms(r.timestamp_ms);
    columns->add_keys(std::string(r.key));
    columns->add_values(std::string(r.value));
    if (!headerless) columns->add_header_counts(static_cast<uint32_t>(r.headers.size()));
    for (const storage::HeaderView& h : r.headers) {
      v1::Header* header = columns->add_headers();
      header->set_key(std::string(h.key));
      header->set_value(std::string(h.value));
    }
  }
  return expected;
}

TEST(RecordWireEncoderTest, SubscribeColumnsMatchProtobuf) {
  std::vector<std::string> backing;
  storage::ReadResult read = Sample(&backing);
  for (int32_t partition : {0, 9}) {
    const std::string bytes = Flatten(EncodeSubscribeColumns(read, partition));
    EXPECT_EQ(bytes, ColumnsOf(read, partition).SerializeAsString());
    v1::SubscribeResponse parsed;
    ASSERT_TRUE(parsed.ParseFromString(bytes));
    const v1::RecordColumns& columns = parsed.records().columns();
    EXPECT_EQ(parsed.records().records_size(), 0);
    ASSERT_EQ(columns.values_size(), 5);
    ASSERT_EQ(columns.keys_size(), 5);  // empty keys are entries too
    EXPECT_EQ(columns.keys(0), "");
    EXPECT_EQ(columns.values(3), backing[1]);
    EXPECT_EQ(columns.offsets(3), (1LL << 40) + 3);
    EXPECT_EQ(columns.timestamps_ms(2), -5);
    ASSERT_EQ(columns.header_counts_size(), 5);
    EXPECT_EQ(columns.header_counts(2), 3u);
    EXPECT_EQ(columns.header_counts(4), 1u);
    ASSERT_EQ(columns.headers_size(), 4);
    EXPECT_EQ(columns.headers(2).value(), backing[0]);
    EXPECT_EQ(columns.headers(3).key(), "only-key");
  }
  // Without headers: no header columns at all, and the hint is set.
  for (storage::RecordView& record : read.records) record.headers.clear();
  const std::string bytes = Flatten(EncodeSubscribeColumns(read, 4));
  EXPECT_EQ(bytes, ColumnsOf(read, 4).SerializeAsString());
  v1::SubscribeResponse parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  EXPECT_TRUE(parsed.records().headerless());
  EXPECT_EQ(parsed.records().columns().header_counts_size(), 0);
}

TEST(RecordWireEncoderTest, EmptyReads) {
  storage::ReadResult read;
  v1::SubscribeResponse subscribe;
  subscribe.mutable_records()->set_headerless(true);  // present even when empty; no headers
  EXPECT_EQ(Flatten(EncodeSubscribeRecords(read, "t", 0)), subscribe.SerializeAsString());
  EXPECT_EQ(Flatten(EncodeFetchResponse(read, "t", 0)), v1::FetchResponse().SerializeAsString());
  subscribe.mutable_records()->mutable_columns();  // present in this form even when empty
  EXPECT_EQ(Flatten(EncodeSubscribeColumns(read, 0)), subscribe.SerializeAsString());
  read.high_watermark = 5;
  v1::FetchResponse fetch;
  fetch.set_high_watermark(5);
  EXPECT_EQ(Flatten(EncodeFetchResponse(read, "t", 0)), fetch.SerializeAsString());
}

}  // namespace
}  // namespace eventlog::service
