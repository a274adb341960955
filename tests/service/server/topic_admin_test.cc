// CreateTopic, DeleteTopic, ListTopics, DescribeTopic over gRPC.
#include <string>

#include "tests/service/server/service_fixture.h"

namespace eventlog::service::testing {
namespace {

using ::testing::AllOf;

class TopicAdminTest : public ServiceFixture {};

TEST_F(TopicAdminTest, CreateDescribeListDelete) {
  v1::TopicDescription created;
  ASSERT_TRUE(CreateTopic("orders", 3, &created).ok());
  EXPECT_EQ(created.name(), "orders");
  ASSERT_EQ(created.partitions_size(), 3);
  for (int p = 0; p < 3; ++p) {
    EXPECT_EQ(created.partitions(p).partition(), p);
    EXPECT_EQ(created.partitions(p).log_start_offset(), 0);
    EXPECT_EQ(created.partitions(p).high_watermark(), 0);
  }
  ASSERT_TRUE(CreateTopic("audit.log_v-2", 0).ok());  // 0 partitions = default (1).

  ProduceValues("orders", 1, {"a", "b"});
  v1::DescribeTopicRequest describe;
  describe.set_name("orders");
  v1::TopicDescription description;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->DescribeTopic(&context, describe, &description).ok());
  }
  EXPECT_EQ(description.partitions(1).high_watermark(), 2);
  EXPECT_GT(description.partitions(1).size_bytes(), 0);
  EXPECT_EQ(description.partitions(0).high_watermark(), 0);

  v1::ListTopicsResponse list;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->ListTopics(&context, v1::ListTopicsRequest(), &list).ok());
  }
  ASSERT_EQ(list.topics_size(), 2);
  EXPECT_EQ(list.topics(0).name(), "audit.log_v-2");
  EXPECT_EQ(list.topics(0).partitions(), 1);
  EXPECT_EQ(list.topics(1).name(), "orders");
  EXPECT_EQ(list.topics(1).partitions(), 3);

  v1::DeleteTopicRequest del;
  del.set_name("orders");
  v1::DeleteTopicResponse deleted;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->DeleteTopic(&context, del, &deleted).ok());
  }
  {
    grpc::ClientContext context;
    EXPECT_THAT(stub_->DescribeTopic(&context, describe, &description),
                HasCode(grpc::StatusCode::NOT_FOUND));
  }
  {
    grpc::ClientContext context;
    EXPECT_THAT(stub_->DeleteTopic(&context, del, &deleted), HasCode(grpc::StatusCode::NOT_FOUND));
  }
  // The name can be used again, and the new topic starts empty.
  ASSERT_TRUE(CreateTopic("orders", 1).ok());
  EXPECT_TRUE(FetchValues("orders", 0).empty());
}

TEST_F(TopicAdminTest, EffectiveConfigFillsDefaults) {
  v1::TopicConfig config;
  config.set_retention_ms(-1);
  config.set_cleanup_policy(v1::CLEANUP_POLICY_COMPACT);
  config.set_segment_bytes(1 << 20);
  v1::TopicDescription created;
  ASSERT_TRUE(CreateTopic("cfg", 2, &created, config).ok());
  const storage::LogConfig defaults = options().store.default_config;
  EXPECT_EQ(created.config().retention_ms(), -1);
  EXPECT_EQ(created.config().cleanup_policy(), v1::CLEANUP_POLICY_COMPACT);
  EXPECT_EQ(created.config().segment_bytes(), 1 << 20);
  EXPECT_EQ(created.config().retention_bytes(), defaults.retention_bytes);
  EXPECT_EQ(created.config().max_message_bytes(), defaults.max_message_bytes);
  EXPECT_EQ(created.config().segment_ms(), defaults.segment_ms);
  EXPECT_EQ(created.config().delete_retention_ms(), defaults.delete_retention_ms);
}

TEST_F(TopicAdminTest, MalformedNamesAreInvalid) {
  for (const std::string& name :
       {std::string(), std::string("."), std::string(".."), std::string("a/b"),
        std::string("sp ace"), std::string(250, 'x'), std::string("caf\xc3\xa9")}) {
    EXPECT_THAT(CreateTopic(name, 1), HasCode(grpc::StatusCode::INVALID_ARGUMENT)) << name;
  }
  EXPECT_TRUE(CreateTopic(std::string(249, 'x'), 1).ok());
}

TEST_F(TopicAdminTest, ErrorsFollowTheApiTable) {
  ASSERT_TRUE(CreateTopic("t", 1).ok());
  EXPECT_THAT(CreateTopic("t", 1),
              AllOf(HasCode(grpc::StatusCode::ALREADY_EXISTS), MessageHas("\"t\"")));
  EXPECT_THAT(CreateTopic("neg", -1), HasCode(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(CreateTopic("many", 100000),
              AllOf(HasCode(grpc::StatusCode::RESOURCE_EXHAUSTED), MessageHas("at most")));

  v1::TopicConfig config;
  config.set_retention_ms(-5);
  EXPECT_THAT(CreateTopic("c1", 1, nullptr, config),
              AllOf(HasCode(grpc::StatusCode::INVALID_ARGUMENT), MessageHas("retention_ms")));
  config = v1::TopicConfig();
  config.set_max_message_bytes(-1);
  EXPECT_THAT(CreateTopic("c2", 1, nullptr, config),
              AllOf(HasCode(grpc::StatusCode::INVALID_ARGUMENT), MessageHas("max_message_bytes")));
  config = v1::TopicConfig();
  config.set_cleanup_policy(static_cast<v1::CleanupPolicy>(7));
  EXPECT_THAT(CreateTopic("c3", 1, nullptr, config),
              AllOf(HasCode(grpc::StatusCode::INVALID_ARGUMENT), MessageHas("cleanup_policy")));
  config = v1::TopicConfig();
  config.set_segment_bytes(-1);
  EXPECT_THAT(CreateTopic("c4", 1, nullptr, config), HasCode(grpc::StatusCode::INVALID_ARGUMENT));

  // Nothing refused was created.
  v1::ListTopicsResponse list;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->ListTopics(&context, v1::ListTopicsRequest(), &list).ok());
  ASSERT_EQ(list.topics_size(), 1);

  v1::DescribeTopicRequest describe;
  describe.set_name("bad name");
  v1::TopicDescription description;
  grpc::ClientContext describe_context;
  EXPECT_THAT(stub_->DescribeTopic(&describe_context, describe, &description),
              HasCode(grpc::StatusCode::INVALID_ARGUMENT));
}

TEST_F(TopicAdminTest, ASingleBrokerKeepsOneCopyAndSaysSo) {
  v1::CreateTopicRequest request;
  request.set_name("copies");
  request.set_replication_factor(2);
  v1::TopicDescription description;
  {
    grpc::ClientContext context;
    EXPECT_THAT(stub_->CreateTopic(&context, request, &description),
                AllOf(HasCode(grpc::StatusCode::INVALID_ARGUMENT),
                      MessageHas("a single broker keeps one copy")));
  }
  request.set_replication_factor(1);
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->CreateTopic(&context, request, &description).ok());
  }
  ASSERT_EQ(description.partitions_size(), 1);
  EXPECT_EQ(description.partitions(0).replicas_size(), 1);
  EXPECT_EQ(description.partitions(0).replicas(0), description.partitions(0).leader());
  EXPECT_EQ(description.partitions(0).isr_size(), 1);
}

}  // namespace
}  // namespace eventlog::service::testing
