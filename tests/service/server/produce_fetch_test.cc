// Produce and Fetch over gRPC: round trips, routing, validation, long poll.
#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "tests/service/server/service_fixture.h"

namespace eventlog::service::testing {
namespace {

using ::testing::AllOf;

class ProduceFetchTest : public ServiceFixture {};

TEST_F(ProduceFetchTest, RoundTripKeepsEveryField) {
  ASSERT_TRUE(CreateTopic("rt", 2).ok());
  v1::ProduceRequest request;
  request.set_topic("rt");
  request.set_partition(1);
  request.set_request_id(77);
  v1::Record* full = request.add_records();
  *full = MakeRecord("key", "value", 1234);
  for (const auto& [k, v] :
       {std::pair<std::string, std::string>{"h", "1"}, {"h", "2"}, {"e", ""}}) {
    v1::Header* header = full->add_headers();
    header->set_key(k);
    header->set_value(v);
  }
  *request.add_records() = MakeRecord("", "");  // Empty key and value; timestamp 0.
  *request.add_records() = MakeRecord("", std::string("bin\0\xff", 5));
  v1::ProduceResponse response;
  ASSERT_TRUE(Produce(request, &response).ok());
  EXPECT_EQ(response.request_id(), 77u);
  ASSERT_EQ(response.appends_size(), 1);
  EXPECT_EQ(response.appends(0).partition(), 1);
  EXPECT_EQ(response.appends(0).base_offset(), 0);
  EXPECT_EQ(response.appends(0).last_offset(), 2);

  v1::FetchResponse fetched;
  ASSERT_TRUE(Fetch(FetchRequest("rt", 1, 0), &fetched).ok());
  EXPECT_EQ(fetched.high_watermark(), 3);
  EXPECT_EQ(fetched.log_start_offset(), 0);
  ASSERT_EQ(fetched.records_size(), 3);
  const v1::Record& first = fetched.records(0);
  EXPECT_EQ(first.key(), "key");
  EXPECT_EQ(first.value(), "value");
  EXPECT_EQ(first.timestamp_ms(), 1234);
  EXPECT_EQ(first.topic(), "rt");
  EXPECT_EQ(first.partition(), 1);
  EXPECT_EQ(first.offset(), 0);
  ASSERT_EQ(first.headers_size(), 3);
  EXPECT_EQ(first.headers(0).key(), "h");
  EXPECT_EQ(first.headers(0).value(), "1");
  EXPECT_EQ(first.headers(1).value(), "2");
  EXPECT_EQ(first.headers(2).key(), "e");
  EXPECT_EQ(first.headers(2).value(), "");
  EXPECT_EQ(fetched.records(1).key(), "");
  EXPECT_EQ(fetched.records(1).value(), "");
  EXPECT_EQ(fetched.records(1).timestamp_ms(), kNowMs);  // 0 -> broker append time.
  EXPECT_EQ(fetched.records(1).offset(), 1);
  EXPECT_EQ(fetched.records(2).value(), std::string("bin\0\xff", 5));
}

// Found by the durability review: one record stamped far in the future kept
// its partition's newest timestamp there, so time retention never deleted
// anything again. Timestamps beyond the topic's bounds are refused, and
// nothing of the request is appended.
TEST_F(ProduceFetchTest, TimestampsBeyondTheTopicsBoundsAreRefused) {
  v1::TopicConfig config;
  config.set_message_timestamp_before_max_ms(24 * 3600 * 1000);
  v1::TopicDescription created;
  ASSERT_TRUE(CreateTopic("ts", 1, &created, config).ok());
  EXPECT_EQ(created.config().message_timestamp_after_max_ms(), 3600 * 1000);  // the default
  EXPECT_EQ(created.config().timestamp_type(), v1::TIMESTAMP_TYPE_CREATE_TIME);
  auto produce = [&](std::vector<int64_t> timestamps) {
    v1::ProduceRequest request;
    request.set_topic("ts");
    for (int64_t ts : timestamps) {
      v1::Record* record = request.add_records();
      record->set_value(std::to_string(ts));
      record->set_timestamp_ms(ts);
    }
    v1::ProduceResponse response;
    return Produce(request, &response);
  };
  EXPECT_TRUE(produce({kNowMs, kNowMs + 3600 * 1000, kNowMs - 3600 * 1000}).ok());
  grpc::Status future = produce({kNowMs, kNowMs + 3600 * 1000 + 1});
  EXPECT_THAT(future, HasCode(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(future, MessageHas("record 1"));
  EXPECT_THAT(future, MessageHas("message_timestamp_after_max_ms"));
  EXPECT_THAT(produce({kNowMs - 25 * 3600 * 1000LL}), HasCode(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(FetchValues("ts", 0).size(), 3u);  // nothing of the refused requests
}

TEST_F(ProduceFetchTest, LogAppendTimeTopicsKeepTheBrokersClock) {
  v1::TopicConfig config;
  config.set_timestamp_type(v1::TIMESTAMP_TYPE_LOG_APPEND_TIME);
  ASSERT_TRUE(CreateTopic("append", 1, nullptr, config).ok());
  v1::ProduceRequest request;
  request.set_topic("append");
  v1::Record* record = request.add_records();
  record->set_value("x");
  record->set_timestamp_ms(kNowMs + 10LL * 365 * 24 * 3600 * 1000);  // ignored, not refused
  v1::ProduceResponse response;
  ASSERT_TRUE(Produce(request, &response).ok());
  v1::FetchResponse fetched;
  ASSERT_TRUE(Fetch(FetchRequest("append", 0, 0), &fetched).ok());
  ASSERT_EQ(fetched.records_size(), 1);
  EXPECT_EQ(fetched.records(0).timestamp_ms(), kNowMs);
}

TEST_F(ProduceFetchTest, KeyedRecordsGoWhereKafkaPutsThem) {
  ASSERT_TRUE(CreateTopic("keyed", 8).ok());
  v1::ProduceRequest request;
  request.set_topic("keyed");
  request.set_acks(v1::ACKS_LEADER);
  for (const char* key : {"21", "foobar", "abc"}) *request.add_records() = MakeRecord(key, key);
  v1::ProduceResponse response;
  ASSERT_TRUE(Produce(request, &response).ok());
  ASSERT_EQ(response.appends_size(), 3);
  // Ascending partition: abc -> 3, 21 -> 4, foobar -> 6 (murmur2 & 0x7fffffff) % 8.
  EXPECT_EQ(response.appends(0).partition(), 3);
  EXPECT_EQ(response.appends(1).partition(), 4);
  EXPECT_EQ(response.appends(2).partition(), 6);
  EXPECT_EQ(FetchValues("keyed", 3), std::vector<std::string>{"abc"});
  EXPECT_EQ(FetchValues("keyed", 4), std::vector<std::string>{"21"});
  EXPECT_EQ(FetchValues("keyed", 6), std::vector<std::string>{"foobar"});
}

TEST_F(ProduceFetchTest, ProduceErrorsFollowTheApiTable) {
  ASSERT_TRUE(CreateTopic("p", 2).ok());
  v1::ProduceResponse response;
  v1::ProduceRequest request;
  request.set_topic("p");
  EXPECT_THAT(Produce(request, &response),
              AllOf(HasCode(grpc::StatusCode::INVALID_ARGUMENT), MessageHas("no records")));
  *request.add_records() = MakeRecord("", "x");
  request.set_partition(-1);
  EXPECT_THAT(Produce(request, &response), HasCode(grpc::StatusCode::INVALID_ARGUMENT));
  request.set_partition(2);
  EXPECT_THAT(Produce(request, &response),
              AllOf(HasCode(grpc::StatusCode::NOT_FOUND), MessageHas("0..1")));
  request.clear_partition();
  request.set_acks(static_cast<v1::Acks>(9));
  EXPECT_THAT(Produce(request, &response), HasCode(grpc::StatusCode::INVALID_ARGUMENT));
  request.set_acks(v1::ACKS_ALL);
  request.set_topic("nope");
  EXPECT_THAT(Produce(request, &response),
              AllOf(HasCode(grpc::StatusCode::NOT_FOUND), MessageHas("\"nope\"")));
  request.set_topic("no/pe");
  EXPECT_THAT(Produce(request, &response), HasCode(grpc::StatusCode::INVALID_ARGUMENT));

  v1::TopicConfig config;
  config.set_max_message_bytes(1000);
  ASSERT_TRUE(CreateTopic("small", 1, nullptr, config).ok());
  request.set_topic("small");
  *request.add_records() = MakeRecord("", std::string(2000, 'x'));
  EXPECT_THAT(Produce(request, &response),
              AllOf(HasCode(grpc::StatusCode::RESOURCE_EXHAUSTED), MessageHas("1000")));
  // The refused request appended nothing, not even its valid first record.
  EXPECT_TRUE(FetchValues("small", 0).empty());
}

TEST_F(ProduceFetchTest, RequestsAboveTheMaximumSizeAreRefused) {
  StopServer();
  options().broker.max_request_bytes = 100 * 1024;
  options().store.default_config.max_message_bytes = 60 * 1024;
  StartServer();
  ASSERT_TRUE(CreateTopic("big", 1).ok());
  v1::ProduceRequest request;
  request.set_topic("big");
  for (int i = 0; i < 3; ++i) *request.add_records() = MakeRecord("", std::string(50 * 1024, 'x'));
  v1::ProduceResponse response;
  // 150 KiB: checked by the broker.
  EXPECT_THAT(Produce(request, &response),
              AllOf(HasCode(grpc::StatusCode::RESOURCE_EXHAUSTED), MessageHas("102400")));
  // 500 KiB: refused by gRPC's message size limit, with the same code.
  for (int i = 0; i < 7; ++i) *request.add_records() = MakeRecord("", std::string(50 * 1024, 'x'));
  EXPECT_THAT(Produce(request, &response), HasCode(grpc::StatusCode::RESOURCE_EXHAUSTED));
  EXPECT_TRUE(FetchValues("big", 0).empty());
}

TEST_F(ProduceFetchTest, FetchOffsetBoundsAndLimits) {
  ASSERT_TRUE(CreateTopic("f", 1).ok());
  ProduceValues("f", 0, {"a", "b", "c", "d"});
  v1::FetchResponse response;
  EXPECT_THAT(Fetch(FetchRequest("f", 0, 5), &response),
              AllOf(HasCode(grpc::StatusCode::OUT_OF_RANGE), MessageHas("0 (log_start_offset)"),
                    MessageHas("4 (high_watermark)")));
  EXPECT_THAT(Fetch(FetchRequest("f", 0, -1), &response),
              HasCode(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(Fetch(FetchRequest("f", 1, 0), &response), HasCode(grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(Fetch(FetchRequest("g", 0, 0), &response), HasCode(grpc::StatusCode::NOT_FOUND));
  v1::FetchRequest negative = FetchRequest("f", 0, 0);
  negative.set_max_wait_ms(-1);
  EXPECT_THAT(Fetch(negative, &response), HasCode(grpc::StatusCode::INVALID_ARGUMENT));

  // offset == high_watermark is valid and empty.
  response.Clear();
  ASSERT_TRUE(Fetch(FetchRequest("f", 0, 4), &response).ok());
  EXPECT_EQ(response.records_size(), 0);
  EXPECT_EQ(response.high_watermark(), 4);

  v1::FetchRequest limited = FetchRequest("f", 0, 1);
  limited.set_max_records(2);
  response.Clear();
  ASSERT_TRUE(Fetch(limited, &response).ok());
  ASSERT_EQ(response.records_size(), 2);
  EXPECT_EQ(response.records(0).value(), "b");
  EXPECT_EQ(response.records(1).offset(), 2);
}

TEST_F(ProduceFetchTest, FetchReturnsOneRecordLargerThanMaxBytes) {
  ASSERT_TRUE(CreateTopic("large", 1).ok());
  ProduceValues("large", 0, {std::string(10000, 'a')});
  ProduceValues("large", 0, {std::string(10000, 'b')});
  v1::FetchRequest request = FetchRequest("large", 0, 0);
  request.set_max_bytes(100);
  v1::FetchResponse response;
  ASSERT_TRUE(Fetch(request, &response).ok());
  ASSERT_EQ(response.records_size(), 1);
  EXPECT_EQ(response.records(0).value().size(), 10000u);
}

TEST_F(ProduceFetchTest, LongPollTimesOutEmpty) {
  ASSERT_TRUE(CreateTopic("lp", 1).ok());
  ProduceValues("lp", 0, {"a"});
  v1::FetchRequest request = FetchRequest("lp", 0, 1);
  request.set_max_wait_ms(200);
  v1::FetchResponse response;
  ASSERT_TRUE(Fetch(request, &response).ok());
  EXPECT_EQ(response.records_size(), 0);
  EXPECT_EQ(response.high_watermark(), 1);
}

TEST_F(ProduceFetchTest, LongPollAnswersWhenDataArrives) {
  ASSERT_TRUE(CreateTopic("lp", 1).ok());
  v1::FetchRequest request = FetchRequest("lp", 0, 0);
  request.set_max_wait_ms(20000);
  v1::FetchResponse response;
  std::future<grpc::Status> fetch =
      std::async(std::launch::async, [&] { return Fetch(request, &response); });
  // Give the fetch time to park; the result is the same if it has not.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ProduceValues("lp", 0, {"wake up"});
  ASSERT_TRUE(fetch.get().ok());
  ASSERT_EQ(response.records_size(), 1);
  EXPECT_EQ(response.records(0).value(), "wake up");
}

TEST_F(ProduceFetchTest, LongPollEndsWithNotFoundWhenTopicIsDeleted) {
  ASSERT_TRUE(CreateTopic("gone", 1).ok());
  v1::FetchRequest request = FetchRequest("gone", 0, 0);
  request.set_max_wait_ms(20000);
  v1::FetchResponse response;
  std::future<grpc::Status> fetch =
      std::async(std::launch::async, [&] { return Fetch(request, &response); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  v1::DeleteTopicRequest del;
  del.set_name("gone");
  v1::DeleteTopicResponse deleted;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->DeleteTopic(&context, del, &deleted).ok());
  EXPECT_THAT(fetch.get(), HasCode(grpc::StatusCode::NOT_FOUND));
}

TEST_F(ProduceFetchTest, LongPollCanBeCancelled) {
  ASSERT_TRUE(CreateTopic("c", 1).ok());
  v1::FetchRequest request = FetchRequest("c", 0, 0);
  request.set_max_wait_ms(60000);
  v1::FetchResponse response;
  grpc::ClientContext context;
  std::future<grpc::Status> fetch =
      std::async(std::launch::async, [&] { return stub_->Fetch(&context, request, &response); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  context.TryCancel();
  EXPECT_THAT(fetch.get(), HasCode(grpc::StatusCode::CANCELLED));
  // The server is still fine.
  ProduceValues("c", 0, {"after"});
  EXPECT_EQ(FetchValues("c", 0), std::vector<std::string>{"after"});
}

TEST_F(ProduceFetchTest, ManyConcurrentLongPollsAllWake) {
  ASSERT_TRUE(CreateTopic("fan", 1).ok());
  constexpr int kPollers = 20;
  std::vector<std::future<int>> polls;
  for (int i = 0; i < kPollers; ++i) {
    polls.push_back(std::async(std::launch::async, [this] {
      v1::FetchRequest request = FetchRequest("fan", 0, 0);
      request.set_max_wait_ms(20000);
      v1::FetchResponse response;
      grpc::Status status = Fetch(request, &response);
      return status.ok() ? response.records_size() : -1;
    }));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ProduceValues("fan", 0, {"x"});
  for (auto& poll : polls) EXPECT_EQ(poll.get(), 1);
}

TEST_F(ProduceFetchTest, LongPollsRacingWithAppendsAndTimeouts) {
  ASSERT_TRUE(CreateTopic("race", 1).ok());
  std::atomic<bool> stop{false};
  std::thread producer([&] {
    while (!stop) {
      ProduceValues("race", 0, {"x"});
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  std::vector<std::thread> pollers;
  std::atomic<int> failures{0};
  for (int t = 0; t < 6; ++t) {
    pollers.emplace_back([&, t] {
      for (int i = 0; i < 30; ++i) {
        // Poll at the current end with waits of 0..5 ms, so that data and
        // deadlines race.
        v1::FetchResponse end;
        if (!Fetch(FetchRequest("race", 0, 0), &end).ok()) ++failures;
        v1::FetchRequest request = FetchRequest("race", 0, end.high_watermark());
        request.set_max_wait_ms((t + i) % 6);
        v1::FetchResponse response;
        if (!Fetch(request, &response).ok()) ++failures;
      }
    });
  }
  for (std::thread& poller : pollers) poller.join();
  stop = true;
  producer.join();
  EXPECT_EQ(failures, 0);
}

}  // namespace
}  // namespace eventlog::service::testing
