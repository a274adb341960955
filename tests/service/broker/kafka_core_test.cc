// What the broker core does for the Kafka front door, on a real store:
// producer-built batches appended as they came (validation, idempotent
// retries, LOG_APPEND_TIME), whole-batch fetches, producer ids, and Kafka
// groups sharing the group name space, generations and committed offsets
// with eventlog groups.
#include <future>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "service/broker/broker.h"
#include "storage/format/record_batch_builder.h"
#include "storage/format/record_batch_format.h"
#include "storage/util/clock.h"
#include "storage/util/coding.h"
#include "storage/util/error_reason.h"
#include "tests/test_util.h"

namespace eventlog::broker {
namespace {

using ::eventlog::testing::StatusIs;
using util::ErrorReason;

using ::eventlog::testing::kNowMs;

// A Kafka producer's batch (uncompressed) of `count` records.
std::string KafkaBatch(int count, int64_t timestamp_ms, int64_t pid = -1, int32_t sequence = -1) {
  storage::RecordBatchBuilder builder;
  for (int i = 0; i < count; ++i) {
    builder.Add("k", absl::StrCat("v", i), {{"h", "x"}}, timestamp_ms);
  }
  std::string bytes = builder.Seal();
  util::coding::PutBigEndian64(bytes.data() + 43, static_cast<uint64_t>(pid));
  util::coding::PutBigEndian16(bytes.data() + 51, static_cast<uint16_t>(pid < 0 ? -1 : 0));
  util::coding::PutBigEndian32(bytes.data() + 53, static_cast<uint32_t>(sequence));
  storage::format::SealBatch(bytes.data(), bytes.size());
  return bytes;
}

class KafkaCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions options;
    options.data_dir = dir_.path();
    options.clock = &clock_;
    options.cleanup_interval_ms = 0;
    absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(options);
    ASSERT_OK(store);
    store_ = *std::move(store);
    BrokerOptions broker_options;
    broker_options.kafka_group_initial_rebalance_delay_ms = 0;
    broker_ = std::make_unique<Broker>(store_.get(), broker_options);
    CreateTopicRequest create;
    create.name = "t";
    create.partitions = 2;
    ASSERT_OK(broker_->CreateTopic(create));
  }

  absl::StatusOr<BatchAppendResult> Append(std::string batch, int32_t partition = 0) {
    std::promise<absl::StatusOr<BatchAppendResult>> promise;
    broker_->AppendBatch(BatchAppendRequest{"t", partition, std::move(batch)},
                         [&](absl::StatusOr<BatchAppendResult> r) { promise.set_value(r); });
    return promise.get_future().get();
  }

  absl::StatusOr<ClassicJoinResult> Join(const std::string& group, const std::string& member) {
    ClassicJoinRequest request;
    request.group = group;
    request.member_id = member;
    request.client_id = "test";
    request.session_timeout_ms = 10000;
    request.rebalance_timeout_ms = 10000;
    request.protocol_type = "consumer";
    request.protocols = {{"range", ""}};
    request.topics = {"t"};
    std::promise<absl::StatusOr<ClassicJoinResult>> promise;
    broker_->kafka_groups().Join(
        request, [&](absl::StatusOr<ClassicJoinResult> r) { promise.set_value(r); });
    return promise.get_future().get();
  }

  absl::StatusOr<std::string> Sync(const std::string& group, const ClassicJoinResult& joined,
                                   std::vector<ClassicAssignment> assignments) {
    std::promise<absl::StatusOr<std::string>> promise;
    broker_->kafka_groups().Sync(
        ClassicSyncRequest{group, joined.generation, joined.member_id, std::move(assignments)},
        [&](absl::StatusOr<std::string> r) { promise.set_value(r); });
    return promise.get_future().get();
  }

  eventlog::testing::TempDir dir_;
  util::ManualClock clock_{kNowMs};
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Broker> broker_;
};

TEST_F(KafkaCoreTest, ABatchIsStoredAsItCameAndFetchedWhole) {
  const std::string batch = KafkaBatch(3, kNowMs);
  absl::StatusOr<BatchAppendResult> appended = Append(batch);
  ASSERT_OK(appended);
  EXPECT_EQ(appended->base_offset, 0);
  EXPECT_EQ(appended->last_offset, 2);
  EXPECT_EQ(appended->log_append_time_ms, -1);
  absl::StatusOr<BatchFetchResult> fetched = broker_->FetchBatches(BatchFetchRequest{"t", 0, 1});
  ASSERT_OK(fetched);
  ASSERT_EQ(fetched->read.batches.size(), 1u);
  // Byte for byte but the base offset (0 here, as sent) and leader epoch.
  EXPECT_EQ(std::string(fetched->read.batches[0]), batch);
  EXPECT_EQ(fetched->read.next_offset, 3);
  // The gRPC side reads the same records.
  absl::StatusOr<FetchResult> records = broker_->Fetch(FetchRequest{"t", 0, 0, 10, 1 << 20, 0});
  ASSERT_OK(records);
  ASSERT_EQ(records->read.records.size(), 3u);
  EXPECT_EQ(records->read.records[2].value, "v2");
  ASSERT_EQ(records->read.records[2].headers.size(), 1u);
  EXPECT_EQ(records->read.records[2].timestamp_ms, kNowMs);
  EXPECT_THAT(broker_->FetchBatches(BatchFetchRequest{"t", 0, 4}),
              StatusIs(absl::StatusCode::kOutOfRange));
}

TEST_F(KafkaCoreTest, MalformedOversizedAndMistimedBatchesAreRefusedWithTheirReasons) {
  std::string corrupt = KafkaBatch(2, kNowMs);
  corrupt[corrupt.size() - 1] ^= 1;
  absl::StatusOr<BatchAppendResult> r = Append(corrupt);
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(util::ReasonOf(r.status()), ErrorReason::kCorruptRecord);
  r = Append(KafkaBatch(1, kNowMs + 2 * 3600 * 1000));
  EXPECT_EQ(util::ReasonOf(r.status()), ErrorReason::kInvalidTimestamp);
  r = Append(KafkaBatch(1, -5));
  EXPECT_EQ(util::ReasonOf(r.status()), ErrorReason::kInvalidTimestamp);
  CreateTopicRequest small;
  small.name = "small";
  small.config.max_message_bytes = 10;
  ASSERT_OK(broker_->CreateTopic(small));
  std::promise<absl::StatusOr<BatchAppendResult>> promise;
  broker_->AppendBatch(BatchAppendRequest{"small", 0, KafkaBatch(1, kNowMs)},
                       [&](absl::StatusOr<BatchAppendResult> x) { promise.set_value(x); });
  r = promise.get_future().get();
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(util::ReasonOf(r.status()), ErrorReason::kRecordTooLarge);
  EXPECT_THAT(Append(KafkaBatch(1, kNowMs), 9), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(store_->GetTopic("t").value()->partition(0)->log_end_offset(), 0);
}

TEST_F(KafkaCoreTest, AnIdempotentRetryIsAcknowledgedWithTheOriginalOffsets) {
  absl::StatusOr<ProducerIdAndEpoch> id = broker_->InitProducerId(-1, -1);
  ASSERT_OK(id);
  EXPECT_EQ(id->producer_epoch, 0);
  absl::StatusOr<ProducerIdAndEpoch> other = broker_->InitProducerId(-1, -1);
  ASSERT_OK(other);
  EXPECT_NE(other->producer_id, id->producer_id);
  absl::StatusOr<ProducerIdAndEpoch> bumped = broker_->InitProducerId(id->producer_id, 0);
  ASSERT_OK(bumped);
  EXPECT_EQ(bumped->producer_id, id->producer_id);
  EXPECT_EQ(bumped->producer_epoch, 1);

  ASSERT_OK(Append(KafkaBatch(2, kNowMs, id->producer_id, 0)));
  absl::StatusOr<BatchAppendResult> retry = Append(KafkaBatch(2, kNowMs, id->producer_id, 0));
  ASSERT_OK(retry);
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->base_offset, 0);
  absl::StatusOr<BatchAppendResult> gap = Append(KafkaBatch(1, kNowMs, id->producer_id, 5));
  EXPECT_EQ(util::ReasonOf(gap.status()), ErrorReason::kOutOfOrderSequence);
  EXPECT_EQ(store_->GetTopic("t").value()->partition(0)->log_end_offset(), 2);
}

TEST_F(KafkaCoreTest, LogAppendTimeTopicsStampTheBatch) {
  CreateTopicRequest create;
  create.name = "stamped";
  create.config.timestamp_type = TopicConfigRequest::Timestamps::kLogAppendTime;
  ASSERT_OK(broker_->CreateTopic(create));
  std::promise<absl::StatusOr<BatchAppendResult>> promise;
  broker_->AppendBatch(BatchAppendRequest{"stamped", 0, KafkaBatch(2, 12345)},
                       [&](absl::StatusOr<BatchAppendResult> x) { promise.set_value(x); });
  absl::StatusOr<BatchAppendResult> r = promise.get_future().get();
  ASSERT_OK(r);
  EXPECT_EQ(r->log_append_time_ms, kNowMs);
  absl::StatusOr<FetchResult> records =
      broker_->Fetch(FetchRequest{"stamped", 0, 0, 10, 1 << 20, 0});
  ASSERT_OK(records);
  EXPECT_EQ(records->read.records[1].timestamp_ms, kNowMs);
}

TEST_F(KafkaCoreTest, AKafkaGroupIsAGroupOfTheBrokerWithSharedOffsetsAndFencing) {
  absl::StatusOr<ClassicJoinResult> joined = Join("g", "");
  ASSERT_OK(joined);
  ASSERT_OK(Sync("g", *joined, {{joined->member_id, "bytes", {{"t", {0, 1}}}}}));
  // Seen by DescribeGroup and ListGroups.
  absl::StatusOr<GroupDescription> described = broker_->DescribeGroup("g");
  ASSERT_OK(described);
  EXPECT_EQ(described->generation, joined->generation);
  ASSERT_EQ(described->members.size(), 1u);
  EXPECT_EQ(described->members[0].member_id, joined->member_id);
  EXPECT_EQ(described->members[0].topic, "t");
  EXPECT_EQ(described->members[0].partitions, (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(broker_->ListGroups().value(), std::vector<std::string>{"g"});
  // The member commits; a consumer outside the group and a stale generation
  // cannot.
  ASSERT_OK(Append(KafkaBatch(3, kNowMs)));
  CommitOffsetsRequest commit{"g", "t", joined->generation, joined->member_id, {{0, 2, "m"}}};
  ASSERT_OK(broker_->CommitOffsets(commit));
  commit.generation = 0;
  commit.member_id = "";
  absl::Status outside = broker_->CommitOffsets(commit);
  EXPECT_EQ(util::ReasonOf(outside), ErrorReason::kUnknownMember);
  commit.generation = joined->generation + 1;
  commit.member_id = joined->member_id;
  EXPECT_EQ(util::ReasonOf(broker_->CommitOffsets(commit)), ErrorReason::kIllegalGeneration);
  absl::StatusOr<std::vector<PartitionCommit>> committed =
      broker_->FetchCommittedOffsets(FetchCommittedRequest{"g", "t", {}});
  ASSERT_OK(committed);
  ASSERT_EQ(committed->size(), 1u);
  EXPECT_EQ((*committed)[0].offset, 2);
  // An eventlog member cannot join while Kafka members are there.
  SubscribeRequest subscribe;
  subscribe.topic = "t";
  subscribe.group = "g";
  absl::StatusOr<std::unique_ptr<Subscription>> sub = broker_->Subscribe(subscribe);
  EXPECT_THAT(sub, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(util::ReasonOf(sub.status()), ErrorReason::kInconsistentGroupProtocol);
  // Once the Kafka member left, the group's next generation is above every
  // one it had.
  ASSERT_OK(broker_->kafka_groups().Leave("g", joined->member_id));
  sub = broker_->Subscribe(subscribe);
  ASSERT_OK(sub);
  EXPECT_GT(broker_->coordinator().Generation("g"), joined->generation);
  // And a Kafka member cannot join while the eventlog member is there.
  absl::StatusOr<ClassicJoinResult> refused = Join("g", "");
  EXPECT_EQ(util::ReasonOf(refused.status()), ErrorReason::kInconsistentGroupProtocol);
}

}  // namespace
}  // namespace eventlog::broker
