// Broker core on a real Store in a temp dir: routing, request validation
// (a refused request appends nothing), append timestamps, subscriptions.
#include "service/broker/broker.h"

#include <future>
#include <map>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "service/broker/murmur2.h"
#include "storage/util/clock.h"
#include "tests/test_util.h"

namespace eventlog::broker {
namespace {

using ::eventlog::testing::IsOk;
using ::eventlog::testing::StatusIs;

using ::eventlog::testing::kNowMs;

class BrokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions options;
    options.data_dir = dir_.path();
    options.clock = &clock_;
    options.cleanup_interval_ms = 0;
    absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(options);
    ASSERT_OK(store);
    store_ = *std::move(store);
    broker_ = std::make_unique<Broker>(store_.get(), BrokerOptions());
  }

  void CreateTopic(const std::string& name, int32_t partitions) {
    CreateTopicRequest request;
    request.name = name;
    request.partitions = partitions;
    ASSERT_OK(broker_->CreateTopic(request));
  }

  absl::StatusOr<ProduceResult> Produce(const ProduceRequest& request) {
    std::promise<absl::StatusOr<ProduceResult>> promise;
    broker_->Produce(request, [&promise](absl::StatusOr<ProduceResult> result) {
      promise.set_value(std::move(result));
    });
    return promise.get_future().get();
  }

  // key -> offset of every record of a partition, with values.
  std::vector<std::pair<std::string, std::string>> ReadAll(const std::string& topic,
                                                           int32_t partition) {
    absl::StatusOr<FetchResult> fetch =
        broker_->Fetch(FetchRequest{topic, partition, 0, 10000, 1 << 24, 0});
    EXPECT_OK(fetch);
    std::vector<std::pair<std::string, std::string>> records;
    if (!fetch.ok()) return records;
    for (const storage::RecordView& record : fetch->read.records) {
      records.emplace_back(std::string(record.key), std::string(record.value));
    }
    return records;
  }

  int64_t HighWatermark(const std::string& topic, int32_t partition) {
    absl::StatusOr<TopicInfo> info = broker_->DescribeTopic(topic);
    EXPECT_OK(info);
    return info.ok() ? info->partitions[partition].high_watermark : -1;
  }

  eventlog::testing::TempDir dir_;
  util::ManualClock clock_{kNowMs};
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Broker> broker_;
};

ProduceRecord Record(absl::string_view key, absl::string_view value, int64_t timestamp_ms = 0) {
  ProduceRecord record;
  record.key = key;
  record.value = value;
  record.timestamp_ms = timestamp_ms;
  return record;
}

TEST_F(BrokerTest, KeyedRecordsLandWhereKafkaWouldPutThem) {
  CreateTopic("keyed", 8);
  std::vector<std::string> keys = {"21", "foobar", "abc"};
  for (int i = 0; i < 40; ++i) keys.push_back("user-" + std::to_string(i));
  ProduceRequest request;
  request.topic = "keyed";
  // Views: the keys must outlive Produce(); the values are the keys.
  for (const std::string& key : keys) request.records.push_back(Record(key, key));
  ASSERT_OK(Produce(request));

  std::map<std::string, int32_t> placed;
  for (int32_t p = 0; p < 8; ++p) {
    for (const auto& [key, value] : ReadAll("keyed", p)) placed[key] = p;
  }
  ASSERT_EQ(placed.size(), keys.size());
  // (murmur2 & 0x7fffffff) % 8 worked out by hand from Kafka's vectors.
  EXPECT_EQ(placed["21"], 4);
  EXPECT_EQ(placed["foobar"], 6);
  EXPECT_EQ(placed["abc"], 3);
  for (const std::string& key : keys) EXPECT_EQ(placed[key], PartitionForKey(key, 8)) << key;
}

TEST_F(BrokerTest, KeylessRecordsOfARequestShareOnePartitionRoundRobin) {
  CreateTopic("keyless", 3);
  for (int round = 0; round < 3; ++round) {
    ProduceRequest request;
    request.topic = "keyless";
    request.records = {Record("", "a"), Record("", "b"), Record("", "c")};
    absl::StatusOr<ProduceResult> result = Produce(request);
    ASSERT_OK(result);
    ASSERT_EQ(result->appends.size(), 1u);
    EXPECT_EQ(result->appends[0].partition, round);
    EXPECT_EQ(result->appends[0].base_offset, 0);
    EXPECT_EQ(result->appends[0].last_offset, 2);
  }
  for (int32_t p = 0; p < 3; ++p) EXPECT_EQ(HighWatermark("keyless", p), 3);
}

TEST_F(BrokerTest, RecordsOfOnePartitionKeepOrderAndGetConsecutiveOffsets) {
  CreateTopic("mixed", 4);
  // A key that does not hash to partition 0, where the keyless record goes
  // (the topic's first round-robin pick).
  std::string key = "k";
  while (PartitionForKey(key, 4) == 0) key += "k";
  const int32_t key_partition = PartitionForKey(key, 4);
  ProduceRequest request;
  request.topic = "mixed";
  request.records = {Record(key, "1"), Record("", "x"), Record(key, "2"), Record(key, "3")};
  absl::StatusOr<ProduceResult> result = Produce(request);
  ASSERT_OK(result);
  ASSERT_EQ(result->appends.size(), 2u);
  EXPECT_EQ(result->appends[0].partition, 0);
  EXPECT_EQ(result->appends[0].last_offset, result->appends[0].base_offset);
  EXPECT_EQ(result->appends[1].partition, key_partition);
  EXPECT_EQ(result->appends[1].base_offset, 0);
  EXPECT_EQ(result->appends[1].last_offset, 2);
  std::vector<std::pair<std::string, std::string>> expected = {{key, "1"}, {key, "2"}, {key, "3"}};
  EXPECT_EQ(ReadAll("mixed", key_partition), expected);
}

TEST_F(BrokerTest, TimestampZeroBecomesAppendTime) {
  CreateTopic("times", 1);
  ProduceRequest request;
  request.topic = "times";
  request.records = {Record("", "now"), Record("", "given", 12345)};
  ASSERT_OK(Produce(request));
  absl::StatusOr<FetchResult> fetch = broker_->Fetch(FetchRequest{"times", 0, 0, 10, 0, 0});
  ASSERT_OK(fetch);
  ASSERT_EQ(fetch->read.records.size(), 2u);
  EXPECT_EQ(fetch->read.records[0].timestamp_ms, kNowMs);
  EXPECT_EQ(fetch->read.records[1].timestamp_ms, 12345);
}

TEST_F(BrokerTest, RefusedRequestAppendsNothing) {
  CreateTopicRequest create;
  create.name = "strict";
  create.partitions = 4;
  create.config.max_message_bytes = 1000;
  ASSERT_OK(broker_->CreateTopic(create));
  const std::string big(2000, 'x');
  std::vector<std::string> keys;
  for (int i = 0; i < 8; ++i) keys.push_back("k" + std::to_string(i));
  ProduceRequest request;
  request.topic = "strict";
  for (const std::string& key : keys) request.records.push_back(Record(key, "small"));
  request.records.push_back(Record("last", big));
  absl::StatusOr<ProduceResult> result = Produce(request);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_NE(result.status().message().find("record 8"), absl::string_view::npos) << result.status();

  request.records.back() = Record("last", "ok", -1);
  EXPECT_THAT(Produce(request), StatusIs(absl::StatusCode::kInvalidArgument));
  for (int32_t p = 0; p < 4; ++p) EXPECT_EQ(HighWatermark("strict", p), 0) << p;
}

TEST_F(BrokerTest, ProduceValidation) {
  CreateTopic("v", 2);
  ProduceRequest request;
  request.topic = "v";
  EXPECT_THAT(Produce(request), StatusIs(absl::StatusCode::kInvalidArgument));  // No records.
  request.records = {Record("", "x")};
  request.partition = -1;
  EXPECT_THAT(Produce(request), StatusIs(absl::StatusCode::kInvalidArgument));
  request.partition = 2;
  EXPECT_THAT(Produce(request), StatusIs(absl::StatusCode::kNotFound));
  request.partition = 1;
  EXPECT_OK(Produce(request));
  request.topic = "missing";
  EXPECT_THAT(Produce(request), StatusIs(absl::StatusCode::kNotFound));
  request.topic = "bad/name";
  EXPECT_THAT(Produce(request), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(BrokerTest, ConfigDefaultsResolveAgainstStoreDefaults) {
  CreateTopicRequest create;
  create.name = "cfg";
  create.config.retention_ms = -1;
  create.config.cleanup_policy = TopicConfigRequest::Cleanup::kCompact;
  absl::StatusOr<TopicInfo> info = broker_->CreateTopic(create);
  ASSERT_OK(info);
  const storage::LogConfig defaults = store_->options().default_config;
  EXPECT_EQ(info->config.retention_ms, storage::LogConfig::kUnlimited);
  EXPECT_EQ(info->config.cleanup_policy, storage::CleanupPolicy::kCompact);
  EXPECT_EQ(info->config.segment_bytes, defaults.segment_bytes);
  EXPECT_EQ(info->config.max_message_bytes, defaults.max_message_bytes);
  EXPECT_EQ(info->partitions.size(), 1u);

  create.name = "cfg2";
  create.config.retention_ms = -2;
  EXPECT_THAT(broker_->CreateTopic(create), StatusIs(absl::StatusCode::kInvalidArgument));
  create.config.retention_ms = 0;
  create.config.segment_bytes = -7;
  EXPECT_THAT(broker_->CreateTopic(create), StatusIs(absl::StatusCode::kInvalidArgument));
  create.config.segment_bytes = 0;
  create.partitions = 100000;
  EXPECT_THAT(broker_->CreateTopic(create), StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST_F(BrokerTest, SubscriptionRoundRobinsAcrossPartitions) {
  CreateTopic("rr", 2);
  for (int32_t p = 0; p < 2; ++p) {
    ProduceRequest request;
    request.topic = "rr";
    request.partition = p;
    for (int i = 0; i < 6; ++i) request.records.push_back(Record("", "x"));
    ASSERT_OK(Produce(request));
  }
  SubscribeRequest subscribe;
  subscribe.topic = "rr";
  subscribe.start = StartPosition::Of(StartPosition::Kind::kEarliest);
  subscribe.max_batch_records = 2;
  absl::StatusOr<std::unique_ptr<Subscription>> subscription = broker_->Subscribe(subscribe);
  ASSERT_OK(subscription);
  std::vector<int32_t> order;
  for (;;) {
    absl::StatusOr<std::optional<SubscriptionEvent>> event = (*subscription)->Next();
    ASSERT_OK(event);
    if (!event->has_value()) break;
    ASSERT_NE((*event)->batch, nullptr);
    EXPECT_LE((*event)->batch->read().records.size(), 2u);
    order.push_back((*event)->batch->partition());
  }
  EXPECT_EQ(order, (std::vector<int32_t>{0, 1, 0, 1, 0, 1}));
}

TEST_F(BrokerTest, SubscriptionParksUntilDataAndEndsWhenTopicIsDeleted) {
  CreateTopic("live", 1);
  SubscribeRequest subscribe;
  subscribe.topic = "live";
  absl::StatusOr<std::unique_ptr<Subscription>> subscription = broker_->Subscribe(subscribe);
  ASSERT_OK(subscription);
  ASSERT_OK((*subscription)->Next());
  std::promise<void> woke;
  (*subscription)->Park([&woke] { woke.set_value(); });

  ProduceRequest request;
  request.topic = "live";
  request.records = {Record("", "hello")};
  ASSERT_OK(Produce(request));
  woke.get_future().wait();
  absl::StatusOr<std::optional<SubscriptionEvent>> event = (*subscription)->Next();
  ASSERT_OK(event);
  ASSERT_TRUE(event->has_value());
  EXPECT_EQ((*event)->batch->read().records[0].value, "hello");

  std::promise<void> woke_again;
  (*subscription)->Park([&woke_again] { woke_again.set_value(); });
  ASSERT_OK(broker_->DeleteTopic("live"));
  woke_again.get_future().wait();
  EXPECT_THAT((*subscription)->Next(), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(BrokerTest, SubscriptionCancelWakesAndShutdownRefuses) {
  CreateTopic("c", 1);
  SubscribeRequest subscribe;
  subscribe.topic = "c";
  absl::StatusOr<std::unique_ptr<Subscription>> subscription = broker_->Subscribe(subscribe);
  ASSERT_OK(subscription);
  std::promise<void> woke;
  (*subscription)->Park([&woke] { woke.set_value(); });
  (*subscription)->Cancel();
  woke.get_future().wait();  // on the broker's executor

  broker_->Shutdown();
  EXPECT_THAT((*subscription)->Next(), StatusIs(absl::StatusCode::kUnavailable));
  // Listing stays possible (a Kafka Metadata answer while stopping).
  absl::StatusOr<std::vector<TopicSummary>> listed = broker_->ListTopics();
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].name, "c");
  EXPECT_THAT(broker_->Subscribe(subscribe), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(Produce(ProduceRequest{"c", std::nullopt, {Record("", "x")}}),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(BrokerTest, SubscribeValidation) {
  CreateTopic("s", 2);
  SubscribeRequest subscribe;
  subscribe.topic = "s";
  subscribe.partitions = {0, 0};
  EXPECT_THAT(broker_->Subscribe(subscribe), StatusIs(absl::StatusCode::kInvalidArgument));
  subscribe.partitions = {5};
  EXPECT_THAT(broker_->Subscribe(subscribe), StatusIs(absl::StatusCode::kNotFound));
  subscribe.partitions = {-1};
  EXPECT_THAT(broker_->Subscribe(subscribe), StatusIs(absl::StatusCode::kInvalidArgument));
  subscribe.partitions = {};
  subscribe.start = StartPosition::Of(StartPosition::Kind::kCommitted);
  EXPECT_THAT(broker_->Subscribe(subscribe), StatusIs(absl::StatusCode::kInvalidArgument));
  subscribe.start = StartPosition::AtOffset(1);
  EXPECT_THAT(broker_->Subscribe(subscribe), StatusIs(absl::StatusCode::kOutOfRange));
  subscribe.start->offset = 0;
  EXPECT_THAT(broker_->Subscribe(subscribe), IsOk());
  subscribe.reset_to = StartPosition::Kind::kTimestamp;
  EXPECT_THAT(broker_->Subscribe(subscribe), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(BrokerTest, SubscribersOfOneTailShareTheirReads) {
  CreateTopic("fan", 1);
  SubscribeRequest subscribe;
  subscribe.topic = "fan";
  std::vector<std::unique_ptr<Subscription>> subscriptions;
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<std::unique_ptr<Subscription>> subscription = broker_->Subscribe(subscribe);
    ASSERT_OK(subscription);
    subscriptions.push_back(*std::move(subscription));
  }
  ASSERT_OK(Produce(ProduceRequest{"fan", 0, {Record("", "x"), Record("", "y")}}));
  const SharedBatch* first = nullptr;
  for (auto& subscription : subscriptions) {
    absl::StatusOr<std::optional<SubscriptionEvent>> event = subscription->Next();
    ASSERT_OK(event);
    ASSERT_TRUE(event->has_value());
    ASSERT_EQ((*event)->batch->read().records.size(), 2u);
    EXPECT_EQ((*event)->batch->read().records[1].value, "y");
    // One read of the log, one object for everybody.
    if (first == nullptr) first = (*event)->batch.get();
    EXPECT_EQ((*event)->batch.get(), first);
  }
}

}  // namespace
}  // namespace eventlog::broker
