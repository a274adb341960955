// Subscribe: start positions, existing then live records, partitions,
// batching, and how streams end.
#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/service/server/service_fixture.h"

namespace eventlog::service::testing {
namespace {

using ::testing::AllOf;

class SubscribeTest : public ServiceFixture {
 protected:
  struct Stream {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader;
  };

  // Opens a subscription and waits until the server has resolved its start
  // offsets (it sends response headers then).
  std::unique_ptr<Stream> Subscribe(const v1::SubscribeRequest& request) {
    auto stream = std::make_unique<Stream>();
    stream->context.set_deadline(SafetyDeadline());
    stream->reader = stub_->Subscribe(&stream->context, request);
    stream->reader->WaitForInitialMetadata();
    return stream;
  }

  v1::SubscribeRequest Request(const std::string& topic, v1::StartFrom start_from) {
    v1::SubscribeRequest request;
    request.set_topic(topic);
    request.set_start_from(start_from);
    return request;
  }

  // Reads batches until `count` records have arrived (or the stream ends).
  std::vector<v1::Record> ReadRecords(Stream& stream, size_t count,
                                      std::vector<v1::RecordBatch>* batches = nullptr) {
    std::vector<v1::Record> records;
    v1::SubscribeResponse response;
    while (records.size() < count && stream.reader->Read(&response)) {
      EXPECT_TRUE(response.has_records());
      if (batches != nullptr) batches->push_back(response.records());
      for (const v1::Record& record : response.records().records()) {
        EXPECT_EQ(record.partition(), response.records().partition());
        records.push_back(record);
      }
    }
    return records;
  }

  static std::vector<std::string> Values(const std::vector<v1::Record>& records) {
    std::vector<std::string> values;
    for (const v1::Record& record : records) values.push_back(record.value());
    return values;
  }

  grpc::Status DeleteTopic(const std::string& name) {
    v1::DeleteTopicRequest request;
    request.set_name(name);
    v1::DeleteTopicResponse response;
    grpc::ClientContext context;
    return stub_->DeleteTopic(&context, request, &response);
  }

  // The status of a subscription the server refuses.
  grpc::Status Refusal(const v1::SubscribeRequest& request) {
    grpc::ClientContext context;
    context.set_deadline(SafetyDeadline());
    auto reader = stub_->Subscribe(&context, request);
    v1::SubscribeResponse response;
    EXPECT_FALSE(reader->Read(&response));
    return reader->Finish();
  }

  void Cancel(Stream& stream) {
    stream.context.TryCancel();
    v1::SubscribeResponse response;
    while (stream.reader->Read(&response)) {
    }
    EXPECT_THAT(stream.reader->Finish(), HasCode(grpc::StatusCode::CANCELLED));
  }
};

TEST_F(SubscribeTest, EarliestThenLive) {
  ASSERT_TRUE(CreateTopic("t", 1).ok());
  ProduceValues("t", 0, {"a", "b", "c"});
  auto stream = Subscribe(Request("t", v1::START_FROM_EARLIEST));
  std::vector<v1::Record> records = ReadRecords(*stream, 3);
  EXPECT_EQ(Values(records), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(records[2].offset(), 2);
  EXPECT_EQ(records[2].topic(), "t");
  ProduceValues("t", 0, {"d"});
  EXPECT_EQ(Values(ReadRecords(*stream, 1)), std::vector<std::string>{"d"});
  Cancel(*stream);
}

TEST_F(SubscribeTest, LatestIsTheDefaultAndSkipsExistingRecords) {
  ASSERT_TRUE(CreateTopic("t", 1).ok());
  ProduceValues("t", 0, {"old1", "old2"});
  auto stream = Subscribe(Request("t", v1::START_FROM_UNSPECIFIED));
  ProduceValues("t", 0, {"new"});
  std::vector<v1::Record> records = ReadRecords(*stream, 1);
  EXPECT_EQ(Values(records), std::vector<std::string>{"new"});
  EXPECT_EQ(records[0].offset(), 2);
  Cancel(*stream);

  auto latest = Subscribe(Request("t", v1::START_FROM_LATEST));
  ProduceValues("t", 0, {"newer"});
  EXPECT_EQ(Values(ReadRecords(*latest, 1)), std::vector<std::string>{"newer"});
  Cancel(*latest);
}

TEST_F(SubscribeTest, OffsetThenLive) {
  ASSERT_TRUE(CreateTopic("t", 1).ok());
  ProduceValues("t", 0, {"a", "b", "c", "d", "e"});
  v1::SubscribeRequest request = Request("t", v1::START_FROM_OFFSET);
  request.set_start_offset(3);
  auto stream = Subscribe(request);
  EXPECT_EQ(Values(ReadRecords(*stream, 2)), (std::vector<std::string>{"d", "e"}));
  ProduceValues("t", 0, {"f"});
  EXPECT_EQ(Values(ReadRecords(*stream, 1)), std::vector<std::string>{"f"});
  Cancel(*stream);
}

TEST_F(SubscribeTest, TimestampThenLive) {
  ASSERT_TRUE(CreateTopic("t", 1).ok());
  v1::ProduceRequest produce;
  produce.set_topic("t");
  for (int64_t ts : {1000, 2000, 3000}) {
    *produce.add_records() = MakeRecord("", absl::StrCat("at", ts), ts);
  }
  v1::ProduceResponse produced;
  ASSERT_TRUE(Produce(produce, &produced).ok());
  v1::SubscribeRequest request = Request("t", v1::START_FROM_TIMESTAMP);
  request.set_start_timestamp_ms(1500);
  auto stream = Subscribe(request);
  EXPECT_EQ(Values(ReadRecords(*stream, 2)), (std::vector<std::string>{"at2000", "at3000"}));
  ProduceValues("t", 0, {"live"});
  EXPECT_EQ(Values(ReadRecords(*stream, 1)), std::vector<std::string>{"live"});
  Cancel(*stream);
}

TEST_F(SubscribeTest, ExplicitPartitionsAndAll) {
  ASSERT_TRUE(CreateTopic("t", 3).ok());
  for (int p = 0; p < 3; ++p) ProduceValues("t", p, {absl::StrCat("p", p)});
  v1::SubscribeRequest request = Request("t", v1::START_FROM_EARLIEST);
  request.add_partitions(2);
  auto only_two = Subscribe(request);
  std::vector<v1::Record> records = ReadRecords(*only_two, 1);
  EXPECT_EQ(Values(records), std::vector<std::string>{"p2"});
  EXPECT_EQ(records[0].partition(), 2);
  ProduceValues("t", 0, {"not for this stream"});
  ProduceValues("t", 2, {"p2-live"});
  EXPECT_EQ(Values(ReadRecords(*only_two, 1)), std::vector<std::string>{"p2-live"});
  Cancel(*only_two);

  auto all = Subscribe(Request("t", v1::START_FROM_EARLIEST));
  std::vector<v1::Record> every = ReadRecords(*all, 5);
  std::multiset<std::string> values;
  for (const v1::Record& record : every) values.insert(record.value());
  EXPECT_EQ(values,
            (std::multiset<std::string>{"p0", "p1", "p2", "not for this stream", "p2-live"}));
  Cancel(*all);
}

TEST_F(SubscribeTest, BatchesRespectMaxBatchRecordsAndAlternatePartitions) {
  ASSERT_TRUE(CreateTopic("t", 2).ok());
  std::vector<std::string> values;
  for (int i = 0; i < 10; ++i) values.push_back(std::to_string(i));
  ProduceValues("t", 0, values);
  ProduceValues("t", 1, values);
  v1::SubscribeRequest request = Request("t", v1::START_FROM_EARLIEST);
  request.set_max_batch_records(3);
  auto stream = Subscribe(request);
  std::vector<v1::RecordBatch> batches;
  std::vector<v1::Record> records = ReadRecords(*stream, 20, &batches);
  EXPECT_EQ(records.size(), 20u);
  for (size_t i = 0; i < batches.size(); ++i) {
    EXPECT_LE(batches[i].records_size(), 3);
    EXPECT_GE(batches[i].records_size(), 1);
    EXPECT_EQ(batches[i].high_watermark(), 10);
    // Round-robin while both partitions have data (4 batches each).
    if (i < 8) {
      EXPECT_EQ(batches[i].partition(), static_cast<int32_t>(i % 2)) << i;
    }
  }
  Cancel(*stream);
}

TEST_F(SubscribeTest, DeletingTheTopicEndsTheStreamWithNotFound) {
  ASSERT_TRUE(CreateTopic("doomed", 2).ok());
  ProduceValues("doomed", 0, {"a"});
  auto stream = Subscribe(Request("doomed", v1::START_FROM_EARLIEST));
  ASSERT_EQ(ReadRecords(*stream, 1).size(), 1u);
  ASSERT_TRUE(DeleteTopic("doomed").ok());
  v1::SubscribeResponse response;
  while (stream->reader->Read(&response)) {
  }
  EXPECT_THAT(stream->reader->Finish(),
              AllOf(HasCode(grpc::StatusCode::NOT_FOUND), MessageHas("doomed")));
}

TEST_F(SubscribeTest, RefusedSubscriptions) {
  ASSERT_TRUE(CreateTopic("t", 2).ok());
  ProduceValues("t", 0, {"a", "b"});
  EXPECT_THAT(Refusal(Request("missing", v1::START_FROM_EARLIEST)),
              HasCode(grpc::StatusCode::NOT_FOUND));
  v1::SubscribeRequest request = Request("t", v1::START_FROM_OFFSET);
  request.set_start_offset(3);
  request.add_partitions(0);
  EXPECT_THAT(Refusal(request),
              AllOf(HasCode(grpc::StatusCode::OUT_OF_RANGE), MessageHas("0 (log_start_offset)"),
                    MessageHas("2 (high_watermark)")));
  request.set_start_offset(-1);
  EXPECT_THAT(Refusal(request), HasCode(grpc::StatusCode::INVALID_ARGUMENT));
  request = Request("t", static_cast<v1::StartFrom>(99));
  EXPECT_THAT(Refusal(request),
              AllOf(HasCode(grpc::StatusCode::INVALID_ARGUMENT), MessageHas("start position")));
  EXPECT_THAT(Refusal(Request("t", v1::START_FROM_COMMITTED)),
              HasCode(grpc::StatusCode::INVALID_ARGUMENT));
  request = Request("t", v1::START_FROM_EARLIEST);
  request.add_partitions(9);
  EXPECT_THAT(Refusal(request), HasCode(grpc::StatusCode::NOT_FOUND));
  request = Request("t", v1::START_FROM_EARLIEST);
  request.set_group("workers");
  request.add_partitions(0);
  EXPECT_THAT(Refusal(request),
              AllOf(HasCode(grpc::StatusCode::INVALID_ARGUMENT), MessageHas("workers")));
}

TEST_F(SubscribeTest, ManySubscribersOfOneTopic) {
  ASSERT_TRUE(CreateTopic("t", 1).ok());
  std::vector<std::unique_ptr<Stream>> streams;
  for (int i = 0; i < 10; ++i) streams.push_back(Subscribe(Request("t", v1::START_FROM_LATEST)));
  ProduceValues("t", 0, {"one", "two"});
  for (auto& stream : streams) {
    EXPECT_EQ(Values(ReadRecords(*stream, 2)), (std::vector<std::string>{"one", "two"}));
  }
  for (auto& stream : streams) Cancel(*stream);
}

TEST_F(SubscribeTest, TwoHundredSubscribersOfOnePartitionEachGetEveryRecordInOrder) {
  ASSERT_TRUE(CreateTopic("fan", 1).ok());
  constexpr int kSubscribers = 200;
  constexpr int kRequests = 25;
  constexpr int kPerRequest = 8;
  std::vector<std::unique_ptr<Stream>> streams;
  for (int i = 0; i < kSubscribers; ++i) {
    streams.push_back(Subscribe(Request("fan", v1::START_FROM_LATEST)));
  }
  // Produced while every stream is live, one request after the other, so
  // that the subscribers wake again and again on the same tail.
  std::thread producer([&] {
    for (int r = 0; r < kRequests; ++r) {
      std::vector<std::string> values;
      for (int i = 0; i < kPerRequest; ++i) values.push_back(std::to_string(r * kPerRequest + i));
      ProduceValues("fan", 0, values);
    }
  });
  std::vector<std::string> expected;
  for (int i = 0; i < kRequests * kPerRequest; ++i) expected.push_back(std::to_string(i));
  for (auto& stream : streams) {
    std::vector<v1::Record> records = ReadRecords(*stream, expected.size());
    ASSERT_EQ(Values(records), expected);
    for (size_t i = 0; i < records.size(); ++i) EXPECT_EQ(records[i].offset(), int64_t(i));
  }
  producer.join();
  for (auto& stream : streams) Cancel(*stream);
}

TEST_F(SubscribeTest, StreamsRacingWithProducersCancelsAndDeletionAllEnd) {
  ASSERT_TRUE(CreateTopic("race", 4).ok());
  std::atomic<bool> stop{false};
  std::thread producer([&] {
    for (int i = 0; !stop; ++i) {
      v1::ProduceRequest request;
      request.set_topic("race");
      *request.add_records() = MakeRecord(absl::StrCat(i), "x");
      v1::ProduceResponse response;
      Produce(request, &response);  // Fails once the topic is deleted.
    }
  });
  std::vector<std::thread> readers;
  std::atomic<int> cancelled{0}, not_found{0};
  for (int r = 0; r < 8; ++r) {
    readers.emplace_back([&, r] {
      grpc::ClientContext context;
      context.set_deadline(SafetyDeadline());
      v1::SubscribeRequest request = Request("race", v1::START_FROM_EARLIEST);
      request.set_max_batch_records(1 + r);
      auto reader = stub_->Subscribe(&context, request);
      v1::SubscribeResponse response;
      // Even readers cancel after a few batches; odd ones read until the
      // topic is deleted.
      for (int batches = 0; reader->Read(&response); ++batches) {
        if (r % 2 == 0 && batches == 3 + r) context.TryCancel();
      }
      const grpc::Status status = reader->Finish();
      if (status.error_code() == grpc::StatusCode::CANCELLED) ++cancelled;
      if (status.error_code() == grpc::StatusCode::NOT_FOUND) ++not_found;
    });
  }
  // Let the streams catch up with live data for a moment.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE(DeleteTopic("race").ok());
  for (std::thread& reader : readers) reader.join();
  stop = true;
  producer.join();
  EXPECT_EQ(cancelled + not_found, 8);
  EXPECT_GE(not_found, 4);
}

}  // namespace
}  // namespace eventlog::service::testing
