// The Kafka front door of a real server (EventLogServer on 127.0.0.1:0, as
// eventlogd runs it) spoken to on the wire by a raw test client, for what
// the real clients cannot be made to do on demand: retried and
// out-of-order idempotent batches (also across a restart), malformed and
// old-format requests, acks=0, long-poll timing, and the error codes.
#include <chrono>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "service/kafka/protocol/error_code.h"
#include "storage/format/record_batch_format.h"
#include "storage/util/coding.h"
#include "tests/service/kafka/handler/kafka_broker_wire_fixture.h"
#include "tests/service/kafka/kafka_test_client.h"
#include "tests/test_util.h"

namespace eventlog::kafka {
namespace {

using testing::Batch;
using testing::KafkaBrokerWireTest;
using testing::KafkaTestClient;
using testing::Produce;

TEST_F(KafkaBrokerWireTest, ARetriedIdempotentBatchIsAcknowledgedWithItsOffsetsAcrossARestart) {
  CreateTopic("idem");
  InitProducerIdResponse id = Call<InitProducerIdResponse>(InitProducerIdRequest{}, 1);
  ASSERT_EQ(id.error_code, 0);
  ASSERT_GE(id.producer_id, 0);
  ASSERT_EQ(ProduceOne("idem", Batch(3, id.producer_id, 0)).base_offset, 0);
  ASSERT_EQ(ProduceOne("idem", Batch(2, id.producer_id, 3)).base_offset, 3);
  // The retry of the first batch (its answer was lost): the same offsets,
  // nothing appended.
  ProduceResponse::PartitionResponse retry = ProduceOne("idem", Batch(3, id.producer_id, 0));
  EXPECT_EQ(retry.error_code, 0);
  EXPECT_EQ(retry.base_offset, 0);
  EXPECT_EQ(LogEnd("idem"), 5);
  // A gap in the sequence is refused.
  EXPECT_EQ(ProduceOne("idem", Batch(1, id.producer_id, 9)).error_code,
            Wire(ErrorCode::kOutOfOrderSequenceNumber));
  Restart();
  retry = ProduceOne("idem", Batch(2, id.producer_id, 3));
  EXPECT_EQ(retry.error_code, 0);
  EXPECT_EQ(retry.base_offset, 3);
  EXPECT_EQ(ProduceOne("idem", Batch(1, id.producer_id, 7)).error_code,
            Wire(ErrorCode::kOutOfOrderSequenceNumber));
  EXPECT_EQ(ProduceOne("idem", Batch(1, id.producer_id, 5)).base_offset, 5);
  EXPECT_EQ(LogEnd("idem"), 6);
  // A new producer id after the restart is a new one.
  InitProducerIdResponse other = Call<InitProducerIdResponse>(InitProducerIdRequest{}, 1);
  EXPECT_NE(other.producer_id, id.producer_id);
}

TEST_F(KafkaBrokerWireTest, OldMessageFormatsAndCorruptBatchesAreRefusedAndChangeNothing) {
  CreateTopic("t");
  std::string v1 = Batch(1);
  v1[16] = 1;  // magic 1: a Produce v2 client's message set
  EXPECT_EQ(ProduceOne("t", v1).error_code, Wire(ErrorCode::kUnsupportedForMessageFormat));
  std::string corrupt = Batch(2);
  corrupt.back() ^= 0x55;
  EXPECT_EQ(ProduceOne("t", corrupt).error_code, Wire(ErrorCode::kCorruptMessage));
  EXPECT_EQ(ProduceOne("t", Batch(1) + Batch(1)).error_code, Wire(ErrorCode::kCorruptMessage));
  EXPECT_EQ(ProduceOne("missing", Batch(1)).error_code, Wire(ErrorCode::kUnknownTopicOrPartition));
  EXPECT_EQ(LogEnd("t"), 0);
}

TEST_F(KafkaBrokerWireTest, ATruncatedFrameClosesTheConnectionAndAppendsNothing) {
  CreateTopic("t");
  std::string frame = client_->Frame(Produce("t", Batch(2)), 7, 1);
  // The size prefix says the whole frame; half of it comes, then the body of
  // another request is cut short.
  std::string broken = frame.substr(0, 4);
  std::string body = frame.substr(4, frame.size() / 2);
  util::coding::PutBigEndian32(broken.data(), static_cast<uint32_t>(body.size()));
  client_->SendRaw(broken + body);
  EXPECT_TRUE(client_->ClosedByServer());
  EXPECT_EQ(LogEnd("t"), 0);
  // Other connections go on.
  client_ = std::make_unique<KafkaTestClient>(port_);
  EXPECT_EQ(ProduceOne("t", Batch(2)).base_offset, 0);
}

TEST_F(KafkaBrokerWireTest, AcksZeroAppendsWithoutAnAnswer) {
  CreateTopic("t");
  client_->Send(Produce("t", Batch(4), /*acks=*/0), 7, ++correlation_);
  MetadataRequest metadata;
  metadata.topics = std::vector<std::string>{"t"};
  MetadataResponse answer = Call<MetadataResponse>(metadata, 4);  // the next frame is this
  ASSERT_EQ(answer.topics.size(), 1u);
  for (int i = 0; i < 100 && LogEnd("t") < 4; ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(LogEnd("t"), 4);
}

TEST_F(KafkaBrokerWireTest, AFetchAtTheEndWaitsForDataOrItsDeadline) {
  CreateTopic("t");
  FetchRequest fetch;
  fetch.max_wait_ms = 400;
  fetch.min_bytes = 1;
  fetch.topics.push_back({"t", {{0, -1, 0, -1, 1 << 20}}});
  auto started = std::chrono::steady_clock::now();
  FetchResponse empty = Call<FetchResponse>(fetch, 11);
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_GE(waited, std::chrono::milliseconds(350));
  ASSERT_EQ(empty.responses.size(), 1u);
  EXPECT_EQ(empty.responses[0].partitions[0].error_code, 0);
  EXPECT_EQ(empty.responses[0].partitions[0].records.value_or("x"), "");
  // A long poll answered by a produce on another connection.
  fetch.max_wait_ms = 20000;
  client_->Send(fetch, 11, ++correlation_);
  KafkaTestClient producer(port_);
  producer.Send(Produce("t", Batch(3)), 7, 1);
  int32_t correlation = 0;
  ASSERT_OK(producer.Read<ProduceResponse>(7, &correlation));
  started = std::chrono::steady_clock::now();
  absl::StatusOr<FetchResponse> woken = client_->Read<FetchResponse>(11, &correlation);
  ASSERT_OK(woken);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  const FetchResponse::Partition& partition = woken->responses[0].partitions[0];
  EXPECT_EQ(partition.high_watermark, 3);
  ASSERT_TRUE(partition.records.has_value());
  EXPECT_EQ(storage::format::DecodeBatchHeader(partition.records->data()).record_count, 3);
  // Beyond the end: OFFSET_OUT_OF_RANGE.
  fetch.max_wait_ms = 0;
  fetch.topics[0].partitions[0].fetch_offset = 7;
  FetchResponse out_of_range = Call<FetchResponse>(fetch, 11);
  EXPECT_EQ(out_of_range.responses[0].partitions[0].error_code, Wire(ErrorCode::kOffsetOutOfRange));
}

TEST_F(KafkaBrokerWireTest, AFetchWithMinBytesWaitsUntilThatMuchDataArrived) {
  CreateTopic("t");
  const std::string first = Batch(2, -1, -1, "first");
  const std::string second = Batch(3, -1, -1, "second");
  FetchRequest fetch;
  fetch.max_wait_ms = 20000;
  // More than the first batch alone: only the second produce completes it.
  fetch.min_bytes = static_cast<int32_t>(first.size() + 1);
  fetch.topics.push_back({"t", {{0, -1, 0, -1, 1 << 20}}});
  client_->Send(fetch, 11, ++correlation_);
  KafkaTestClient producer(port_);
  int32_t correlation = 0;
  producer.Send(Produce("t", first), 7, 1);
  ASSERT_OK(producer.Read<ProduceResponse>(7, &correlation));
  // A fetch that ignored min_bytes would answer now, with the first batch
  // only; give it the chance (a pause, not a deadline) and check it did not.
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(client_->BytesWaiting(), 0u);
  producer.Send(Produce("t", second), 7, 2);
  ASSERT_OK(producer.Read<ProduceResponse>(7, &correlation));
  absl::StatusOr<FetchResponse> woken = client_->Read<FetchResponse>(11, &correlation);
  ASSERT_OK(woken);
  EXPECT_EQ(correlation, correlation_);
  const FetchResponse::Partition& partition = woken->responses[0].partitions[0];
  EXPECT_EQ(partition.error_code, 0);
  EXPECT_EQ(partition.high_watermark, 5);
  ASSERT_TRUE(partition.records.has_value());
  EXPECT_GE(partition.records->size(), static_cast<size_t>(fetch.min_bytes));
  // Both batches (the second with its base offset assigned).
  ASSERT_EQ(partition.records->size(), first.size() + second.size());
  EXPECT_EQ(storage::format::DecodeBatchHeader(partition.records->data()).record_count, 2);
  EXPECT_EQ(
      storage::format::DecodeBatchHeader(partition.records->data() + first.size()).record_count, 3);
}

TEST_F(KafkaBrokerWireTest, ARecordAboveTheTopicsMaxMessageBytesIsMessageTooLarge) {
  broker::TopicConfigRequest config;
  config.max_message_bytes = 200;
  CreateTopic("small", 1, config);
  EXPECT_EQ(ProduceOne("small", Batch(1, -1, -1, std::string(1000, 'x'))).error_code,
            Wire(ErrorCode::kMessageTooLarge));
  EXPECT_EQ(LogEnd("small"), 0);
  EXPECT_EQ(ProduceOne("small", Batch(2, -1, -1, "fits")).error_code, 0);
  EXPECT_EQ(LogEnd("small"), 2);
}

TEST_F(KafkaBrokerWireTest, ListOffsetsAnswersEarliestLatestAndByTimeInEveryLayout) {
  CreateTopic("t");
  ASSERT_EQ(ProduceOne("t", Batch(5)).error_code, 0);
  ListOffsetsRequest list;
  list.topics.push_back({"t", {{0, -1, ListOffsetsRequest::kLatestTimestamp, 1}}});
  ListOffsetsResponse v0 = Call<ListOffsetsResponse>(list, 0);
  EXPECT_EQ(v0.topics[0].partitions[0].old_style_offsets, std::vector<int64_t>{5});
  list.topics[0].partitions[0].timestamp = ListOffsetsRequest::kEarliestTimestamp;
  EXPECT_EQ(Call<ListOffsetsResponse>(list, 2).topics[0].partitions[0].offset, 0);
  list.topics[0].partitions[0].timestamp = absl::ToUnixMillis(absl::Now()) + 3600 * 1000;
  ListOffsetsResponse future = Call<ListOffsetsResponse>(list, 2);
  EXPECT_EQ(future.topics[0].partitions[0].offset, -1);  // none that recent
  list.topics[0].partitions[0].timestamp = 0;
  ListOffsetsResponse by_time = Call<ListOffsetsResponse>(list, 2);
  EXPECT_EQ(by_time.topics[0].partitions[0].offset, 0);
  EXPECT_GT(by_time.topics[0].partitions[0].timestamp, 0);
}

}  // namespace
}  // namespace eventlog::kafka
