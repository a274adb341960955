// The C++ client library (Client, Producer, Consumer) against a real
// eventlogd process.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/cpp/client.h"
#include "clients/cpp/consumer.h"
#include "clients/cpp/murmur2.h"
#include "clients/cpp/produce_request_wire.h"
#include "clients/cpp/producer.h"
#include "clients/cpp/server_list.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/eventlogd_process.h"
#include "tests/test_util.h"

namespace eventlog::client {
namespace {

using ::eventlog::testing::EventlogdProcess;
using ::eventlog::testing::IsOk;
using ::eventlog::testing::StatusIs;
using ::eventlog::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr absl::Duration kPatience = absl::Seconds(30);  // bounds every wait; never asserted on

TEST(Murmur2Test, MatchesKafkaReferenceValues) {
  // From Kafka's UtilsTest.testMurmur2.
  EXPECT_EQ(Murmur2("21"), -973932308);
  EXPECT_EQ(Murmur2("foobar"), -790332482);
  EXPECT_EQ(Murmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(Murmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(Murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(Murmur2("abc"), 479470107);
}

TEST(ProduceRequestWireTest, ParsesBackAsTheRequestProtobufWouldWrite) {
  v1::Record plain;
  plain.set_value("v");
  v1::Record full;
  full.set_key("k");
  full.set_value(std::string(300, 'x'));
  full.set_timestamp_ms(-5);
  full.add_headers()->set_key("h");
  v1::Header* second = full.add_headers();
  second->set_key("");
  second->set_value(std::string(1, '\0'));
  std::string records;
  ProduceRequestWire::AppendRecord(records, plain.key(), plain.value());
  ProduceRequestWire::AppendRecord(records, full.key(), full.value(), full.headers(),
                                   full.timestamp_ms());
  ProduceRequestWire::AppendRecord(records, "", "");
  grpc::ByteBuffer buffer =
      ProduceRequestWire::Finish("topic", 3, v1::ACKS_LEADER, 1ull << 40, std::move(records));
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(buffer.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  v1::ProduceRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  v1::ProduceRequest expected;
  expected.set_topic("topic");
  expected.set_partition(3);
  *expected.add_records() = plain;
  *expected.add_records() = full;
  expected.add_records();
  expected.set_acks(v1::ACKS_LEADER);
  expected.set_request_id(1ull << 40);
  EXPECT_EQ(parsed.SerializeAsString(), expected.SerializeAsString());
}

TEST(ServerListTest, SplitsAndResolvesLists) {
  absl::StatusOr<std::vector<std::string>> split = SplitServers(" a:1, ,b:2 ");
  ASSERT_OK(split);
  EXPECT_THAT(*split, ElementsAre("a:1", "b:2"));
  EXPECT_THAT(SplitServers(" , "), StatusIs(absl::StatusCode::kInvalidArgument));
  absl::StatusOr<ChannelTarget> one = MakeChannelTarget("localhost:7070");
  ASSERT_OK(one);
  EXPECT_EQ(one->target, "localhost:7070");
  EXPECT_EQ(one->authority, "");
  absl::StatusOr<ChannelTarget> two = MakeChannelTarget("127.0.0.1:1,localhost:2");
  ASSERT_OK(two);
  EXPECT_THAT(two->target, ::testing::StartsWith("ipv4:127.0.0.1:1,127.0.0.1:2"));
  EXPECT_EQ(two->authority, "127.0.0.1:1");
  EXPECT_THAT(MakeChannelTarget("a:1,no-port"), StatusIs(absl::StatusCode::kInvalidArgument));
}

class ClientE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = EventlogdProcess::Start(dir_.path() + "/data");
    ASSERT_OK(server);
    server_ = *std::move(server);
    client_ = std::make_unique<Client>(server_->address());
  }

  void CreateTopic(const std::string& name, int partitions, v1::TopicConfig config = {}) {
    ASSERT_OK(client_->CreateTopic(name, partitions, config));
  }

  // Polls until `count` records arrived (or kPatience passed).
  std::vector<v1::Record> PollRecords(Consumer& consumer, size_t count) {
    std::vector<v1::Record> records;
    const absl::Time deadline = absl::Now() + kPatience;
    while (records.size() < count && absl::Now() < deadline) {
      absl::StatusOr<const v1::Record*> record = consumer.Poll(absl::Milliseconds(100));
      if (!record.ok()) {
        ADD_FAILURE() << record.status();
        break;
      }
      if (*record != nullptr) records.push_back(**record);
    }
    return records;
  }

  TempDir dir_;
  std::unique_ptr<EventlogdProcess> server_;
  std::unique_ptr<Client> client_;
};

TEST_F(ClientE2eTest, HealthIsServing) {
  absl::StatusOr<HealthStatus> health = client_->CheckHealth();
  ASSERT_OK(health);
  EXPECT_EQ(*health, HealthStatus::kServing);
}

TEST_F(ClientE2eTest, AdminErrorsCarryTheServerCode) {
  CreateTopic("admin", 2);
  EXPECT_THAT(client_->CreateTopic("admin", 2), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(client_->DescribeTopic("nope"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(client_->CreateTopic("bad name!", 1), StatusIs(absl::StatusCode::kInvalidArgument));
  absl::StatusOr<std::vector<v1::TopicSummary>> topics = client_->ListTopics();
  ASSERT_OK(topics);
  ASSERT_EQ(topics->size(), 1u);
  EXPECT_EQ((*topics)[0].partitions(), 2);
  EXPECT_OK(client_->DeleteTopic("admin"));
  EXPECT_THAT(client_->DeleteTopic("admin"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ClientE2eTest, CreateTopicPassesTheReplicationFactor) {
  v1::TopicConfig config;
  config.set_min_insync_replicas(1);
  ASSERT_OK_AND_ASSIGN(v1::TopicDescription created,
                       client_->CreateTopic("replicated", 2, config, /*replication_factor=*/1));
  EXPECT_EQ(created.config().min_insync_replicas(), 1);
  ASSERT_OK_AND_ASSIGN(v1::TopicDescription described, client_->DescribeTopic("replicated"));
  EXPECT_EQ(described.config().min_insync_replicas(), 1);
  for (const v1::PartitionInfo& partition : described.partitions()) {
    // The single broker (--broker_id 0) leads every partition, its only copy.
    EXPECT_EQ(partition.leader(), 0);
    EXPECT_THAT(partition.replicas(), ElementsAre(0));
    EXPECT_THAT(partition.isr(), ElementsAre(0));
  }
  absl::StatusOr<v1::TopicDescription> three = client_->CreateTopic("three", 1, {}, 3);
  EXPECT_THAT(three, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(three.status().message(), HasSubstr("replication_factor is 3; a single broker"));
}

TEST_F(ClientE2eTest, ProducerAssignsContiguousOffsetsInSendOrder) {
  CreateTopic("orders", 1);
  ProducerOptions options;
  options.batch_max_records = 64;  // many requests in flight
  auto producer = Producer::Create(*client_, "orders", options);
  ASSERT_OK(producer);
  std::vector<RecordFuture> futures;
  for (int i = 0; i < 5000; ++i) futures.push_back((*producer)->Send("", absl::StrCat("v", i)));
  EXPECT_OK((*producer)->Flush());
  for (int i = 0; i < 5000; ++i) {
    absl::StatusOr<RecordMetadata> ack = futures[i].Get();
    ASSERT_OK(ack);
    EXPECT_EQ(ack->partition, 0);
    EXPECT_EQ(ack->offset, i);
  }
  EXPECT_OK((*producer)->Close());
  EXPECT_THAT((*producer)->Send("", "late").Get(), StatusIs(absl::StatusCode::kFailedPrecondition));

  // The log holds the records in send order.
  int64_t next = 0;
  while (next < 5000) {
    v1::FetchRequest fetch;
    fetch.set_topic("orders");
    fetch.set_offset(next);
    absl::StatusOr<v1::FetchResponse> fetched = client_->Fetch(fetch);
    ASSERT_OK(fetched);
    EXPECT_EQ(fetched->high_watermark(), 5000);
    ASSERT_GT(fetched->records_size(), 0);
    for (const v1::Record& r : fetched->records()) {
      ASSERT_EQ(r.offset(), next);
      ASSERT_EQ(r.value(), absl::StrCat("v", next)) << "at offset " << next;
      ++next;
    }
  }
}

TEST_F(ClientE2eTest, KeyedRoutingAgreesWithTheServer) {
  CreateTopic("keys", 5);
  auto producer = Producer::Create(*client_, "keys");
  ASSERT_OK(producer);
  for (int i = 0; i < 100; ++i) {
    const std::string key = absl::StrCat("customer-", i);
    // The server routes a request that names no partition...
    v1::ProduceRequest request;
    request.set_topic("keys");
    request.add_records()->set_key(key);
    absl::StatusOr<v1::ProduceResponse> response = client_->Produce(request);
    ASSERT_OK(response);
    ASSERT_EQ(response->appends_size(), 1);
    // ...and the client routes the same key to the same partition.
    absl::StatusOr<RecordMetadata> ack = (*producer)->Send(key, "v").Get();
    ASSERT_OK(ack);
    EXPECT_EQ(ack->partition, response->appends(0).partition()) << key;
    EXPECT_EQ(ack->partition, PartitionForKey(key, 5)) << key;
  }
}

TEST_F(ClientE2eTest, ProducerRejectsUnknownTopicAndBadPartition) {
  EXPECT_THAT(Producer::Create(*client_, "missing"), StatusIs(absl::StatusCode::kNotFound));
  CreateTopic("two", 2);
  auto producer = Producer::Create(*client_, "two");
  ASSERT_OK(producer);
  EXPECT_THAT((*producer)->Send("", "x", 2).Get(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ClientE2eTest, OversizedRecordFailsAloneAndTheStreamGoesOn) {
  v1::TopicConfig config;
  config.set_max_message_bytes(1024);
  CreateTopic("small", 1, config);
  ProducerOptions options;
  options.linger = absl::ZeroDuration();  // one record per request
  auto producer = Producer::Create(*client_, "small", options);
  ASSERT_OK(producer);
  RecordFuture big = (*producer)->Send("", std::string(4096, 'x'));
  RecordFuture small = (*producer)->Send("", "fits");
  EXPECT_THAT(big.Get(), StatusIs(absl::StatusCode::kResourceExhausted));
  absl::StatusOr<RecordMetadata> ack = small.Get();
  ASSERT_OK(ack);
  EXPECT_EQ(ack->offset, 0);
}

TEST_F(ClientE2eTest, ProducerFailsWhenTheServerDies) {
  CreateTopic("doomed", 1);
  auto producer = Producer::Create(*client_, "doomed");
  ASSERT_OK(producer);
  ASSERT_OK((*producer)->Send("", "before").Get());
  server_->Kill();
  RecordFuture after = (*producer)->Send("", "after");
  EXPECT_THAT(after.Get(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT((*producer)->Send("", "later").Get(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT((*producer)->Close(), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ClientE2eTest, ConsumerReadsExistingThenLiveRecords) {
  CreateTopic("events", 2);
  auto producer = Producer::Create(*client_, "events");
  ASSERT_OK(producer);
  for (int i = 0; i < 10; ++i) (*producer)->Send("", absl::StrCat("old", i), i % 2);
  ASSERT_OK((*producer)->Flush());

  ConsumerOptions options;
  options.start_from = v1::START_FROM_EARLIEST;
  auto consumer = Consumer::Create(*client_, "events", options);
  ASSERT_OK(consumer);
  std::vector<v1::Record> records = PollRecords(**consumer, 10);
  ASSERT_EQ(records.size(), 10u);
  for (const v1::Record& r : records) {
    EXPECT_EQ(r.value(), absl::StrCat("old", r.offset() * 2 + r.partition()));
  }
  EXPECT_EQ((*consumer)->positions().at(0), 5);
  EXPECT_EQ((*consumer)->positions().at(1), 5);

  v1::Record live;
  live.set_key("k");
  live.set_value("new");
  live.add_headers()->set_key("h");
  ASSERT_OK((*producer)->Send(std::move(live), 1).Get());
  records = PollRecords(**consumer, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].value(), "new");
  EXPECT_EQ(records[0].key(), "k");
  EXPECT_EQ(records[0].partition(), 1);
  EXPECT_EQ(records[0].offset(), 5);
  ASSERT_EQ(records[0].headers_size(), 1);
  EXPECT_EQ(records[0].headers(0).key(), "h");
  EXPECT_EQ((*consumer)->high_watermark(1), 6);
}

TEST_F(ClientE2eTest, GroupConsumerGetsAssignmentAndCommits) {
  CreateTopic("jobs", 3);
  auto producer = Producer::Create(*client_, "jobs");
  ASSERT_OK(producer);
  for (int i = 0; i < 30; ++i) (*producer)->Send("", "job", i % 3);
  ASSERT_OK((*producer)->Flush());

  ConsumerOptions options;
  options.group = "workers";
  options.reset_to = v1::START_FROM_EARLIEST;
  auto consumer = Consumer::Create(*client_, "jobs", options);
  ASSERT_OK(consumer);
  absl::StatusOr<const v1::Record*> first = (*consumer)->Poll(kPatience);
  ASSERT_OK(first);
  ASSERT_NE(*first, nullptr);
  EXPECT_EQ(PollRecords(**consumer, 29).size(), 29u);
  ASSERT_TRUE((*consumer)->assignment().has_value());
  std::vector<int32_t> assigned((*consumer)->assignment()->partitions().begin(),
                                (*consumer)->assignment()->partitions().end());
  std::sort(assigned.begin(), assigned.end());
  EXPECT_THAT(assigned, ElementsAre(0, 1, 2));
  EXPECT_GT((*consumer)->assignment()->generation(), 0);
  ASSERT_OK((*consumer)->Commit());

  auto committed = client_->FetchCommittedOffsets("workers", "jobs");
  ASSERT_OK(committed);
  ASSERT_EQ(committed->size(), 3u);
  for (const v1::CommittedOffset& c : *committed) EXPECT_EQ(c.offset(), 10);
  // A stale generation is refused.
  EXPECT_THAT(client_->CommitOffset("workers", "jobs", 0, 1, "", 999999),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(ClientE2eTest, GroupCommitNamesTheMemberAndGenerationOfTheAssignment) {
  // The broker refuses a commit from a member that does not own the partition
  // in that generation, so a member must say who it is.
  CreateTopic("owned", 1);
  ConsumerOptions options;
  options.group = "owners";
  auto consumer = Consumer::Create(*client_, "owned", options);
  ASSERT_OK(consumer);
  const absl::Time deadline = absl::Now() + kPatience;
  while (!(*consumer)->assignment().has_value() && absl::Now() < deadline) {
    ASSERT_OK((*consumer)->Poll(absl::Milliseconds(100)));
  }
  ASSERT_TRUE((*consumer)->assignment().has_value());
  const v1::CommitOffsetsRequest request = (*consumer)->TEST_CommitRequest(0, 0, "m");
  EXPECT_EQ(request.group(), "owners");
  EXPECT_EQ(request.member_id(), (*consumer)->assignment()->member_id());
  EXPECT_FALSE(request.member_id().empty());
  EXPECT_EQ(request.generation(), (*consumer)->assignment()->generation());
  ASSERT_EQ(request.offsets_size(), 1);
  EXPECT_EQ(request.offsets(0).metadata(), "m");
  ASSERT_OK((*consumer)->Commit(0, 0));
}

TEST_F(ClientE2eTest, AServerListFailsOverToTheNextServer) {
  auto second = EventlogdProcess::Start(dir_.path() + "/second");
  ASSERT_OK(second);
  Client client(absl::StrCat(server_->address(), ",", (*second)->address()));
  ASSERT_OK(client.CreateTopic("on-first", 1));  // the first one answers
  Client direct((*second)->address());
  ASSERT_OK(direct.CreateTopic("on-second", 1));
  ASSERT_OK(server_->Terminate(kPatience));

  // The same client now reaches the second broker (calls in flight when the
  // first went away may fail with UNAVAILABLE once).
  absl::StatusOr<std::vector<v1::TopicSummary>> topics = absl::UnavailableError("not yet");
  const absl::Time deadline = absl::Now() + kPatience;
  while (absl::IsUnavailable(topics.status()) && absl::Now() < deadline) {
    topics = client.ListTopics();
    if (!topics.ok()) absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_OK(topics);
  ASSERT_EQ(topics->size(), 1u);
  EXPECT_EQ((*topics)[0].name(), "on-second");
}

TEST_F(ClientE2eTest, SubscriptionEndsWithNotFoundWhenTheTopicIsDeleted) {
  CreateTopic("brief", 1);
  auto consumer = Consumer::Create(*client_, "brief");
  ASSERT_OK(consumer);
  ASSERT_OK((*consumer)->Poll(absl::Milliseconds(200)));  // subscribed, nothing yet
  ASSERT_OK(client_->DeleteTopic("brief"));
  absl::StatusOr<const v1::Record*> record = nullptr;
  const absl::Time deadline = absl::Now() + kPatience;
  while (record.ok() && absl::Now() < deadline) record = (*consumer)->Poll(absl::Milliseconds(100));
  EXPECT_THAT(record, StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ClientE2eTest, FetchOutOfRangeStatesTheBounds) {
  CreateTopic("range", 1);
  v1::FetchRequest fetch;
  fetch.set_topic("range");
  fetch.set_offset(7);
  absl::StatusOr<v1::FetchResponse> fetched = client_->Fetch(fetch);
  EXPECT_THAT(fetched, StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(fetched.status().message(), HasSubstr("0"));
  auto offsets = client_->ListOffsets("range", v1::OFFSET_SPEC_LATEST);
  ASSERT_OK(offsets);
  ASSERT_EQ(offsets->size(), 1u);
  EXPECT_EQ((*offsets)[0].offset(), 0);
}

}  // namespace
}  // namespace eventlog::client
