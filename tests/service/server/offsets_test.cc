// ListOffsets, CommitOffset, FetchCommittedOffsets, ListGroups, DescribeGroup.
#include <string>

#include "tests/service/server/service_fixture.h"

namespace eventlog::service::testing {
namespace {

using ::testing::AllOf;

class OffsetsTest : public ServiceFixture {
 protected:
  grpc::Status ListOffsets(const std::string& topic, v1::OffsetSpec spec, int64_t timestamp_ms,
                           std::vector<int32_t> partitions, v1::ListOffsetsResponse* response) {
    v1::ListOffsetsRequest request;
    request.set_topic(topic);
    request.set_spec(spec);
    request.set_timestamp_ms(timestamp_ms);
    for (int32_t p : partitions) request.add_partitions(p);
    grpc::ClientContext context;
    return stub_->ListOffsets(&context, request, response);
  }

  grpc::Status Commit(const std::string& group, const std::string& topic, int32_t partition,
                      int64_t offset, const std::string& metadata = "", int64_t generation = 0) {
    v1::CommitOffsetRequest request;
    request.set_group(group);
    request.set_topic(topic);
    request.set_partition(partition);
    request.set_offset(offset);
    request.set_metadata(metadata);
    request.set_generation(generation);
    v1::CommitOffsetResponse response;
    grpc::ClientContext context;
    return stub_->CommitOffset(&context, request, &response);
  }

  grpc::Status FetchCommitted(const std::string& group, const std::string& topic,
                              std::vector<int32_t> partitions,
                              v1::FetchCommittedOffsetsResponse* response) {
    v1::FetchCommittedOffsetsRequest request;
    request.set_group(group);
    request.set_topic(topic);
    for (int32_t p : partitions) request.add_partitions(p);
    grpc::ClientContext context;
    return stub_->FetchCommittedOffsets(&context, request, response);
  }

  grpc::Status DescribeGroup(const std::string& group, v1::DescribeGroupResponse* response) {
    v1::DescribeGroupRequest request;
    request.set_group(group);
    grpc::ClientContext context;
    return stub_->DescribeGroup(&context, request, response);
  }
};

TEST_F(OffsetsTest, CommitOffsetsStoresSeveralPartitionsAllOrNone) {
  ASSERT_TRUE(CreateTopic("t", 3).ok());
  for (int32_t p = 0; p < 3; ++p) ProduceValues("t", p, {"a", "b", "c"});
  auto commit = [&](std::vector<std::pair<int32_t, int64_t>> offsets) {
    v1::CommitOffsetsRequest request;
    request.set_group("g");
    request.set_topic("t");
    for (const auto& [partition, offset] : offsets) {
      v1::CommittedOffset* o = request.add_offsets();
      o->set_partition(partition);
      o->set_offset(offset);
      o->set_metadata("m");
    }
    v1::CommitOffsetsResponse response;
    grpc::ClientContext context;
    return stub_->CommitOffsets(&context, request, &response);
  };
  ASSERT_TRUE(commit({{0, 1}, {2, 3}}).ok());
  v1::FetchCommittedOffsetsResponse fetched;
  ASSERT_TRUE(FetchCommitted("g", "t", {}, &fetched).ok());
  ASSERT_EQ(fetched.offsets_size(), 2);
  EXPECT_EQ(fetched.offsets(0).offset(), 1);
  EXPECT_EQ(fetched.offsets(1).offset(), 3);
  EXPECT_EQ(fetched.offsets(1).metadata(), "m");
  // One bad partition and nothing is stored.
  EXPECT_THAT(commit({{0, 2}, {1, 99}}), HasCode(grpc::StatusCode::OUT_OF_RANGE));
  EXPECT_THAT(commit({{0, 2}, {7, 1}}), HasCode(grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(commit({{0, 2}, {0, 3}}), HasCode(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(commit({}), HasCode(grpc::StatusCode::INVALID_ARGUMENT));
  ASSERT_TRUE(FetchCommitted("g", "t", {}, &fetched).ok());
  ASSERT_EQ(fetched.offsets_size(), 2);
  EXPECT_EQ(fetched.offsets(0).offset(), 1);
}

TEST_F(OffsetsTest, ListOffsetsEarliestLatestTimestamp) {
  ASSERT_TRUE(CreateTopic("t", 2).ok());
  v1::ProduceRequest produce;
  produce.set_topic("t");
  produce.set_partition(0);
  for (int64_t ts : {1000, 2000, 3000}) *produce.add_records() = MakeRecord("", "x", ts);
  v1::ProduceResponse produced;
  ASSERT_TRUE(Produce(produce, &produced).ok());

  v1::ListOffsetsResponse response;
  ASSERT_TRUE(ListOffsets("t", v1::OFFSET_SPEC_LATEST, 0, {}, &response).ok());
  ASSERT_EQ(response.offsets_size(), 2);
  EXPECT_EQ(response.offsets(0).partition(), 0);
  EXPECT_EQ(response.offsets(0).offset(), 3);
  EXPECT_EQ(response.offsets(1).offset(), 0);

  response.Clear();
  ASSERT_TRUE(ListOffsets("t", v1::OFFSET_SPEC_UNSPECIFIED, 0, {0}, &response).ok());
  ASSERT_EQ(response.offsets_size(), 1);
  EXPECT_EQ(response.offsets(0).offset(), 3);

  response.Clear();
  ASSERT_TRUE(ListOffsets("t", v1::OFFSET_SPEC_EARLIEST, 0, {0}, &response).ok());
  EXPECT_EQ(response.offsets(0).offset(), 0);

  for (const auto& [ts, expected] : std::vector<std::pair<int64_t, int64_t>>{
           {0, 0}, {1000, 0}, {1001, 1}, {3000, 2}, {3001, 3}}) {
    response.Clear();
    ASSERT_TRUE(ListOffsets("t", v1::OFFSET_SPEC_TIMESTAMP, ts, {0}, &response).ok());
    EXPECT_EQ(response.offsets(0).offset(), expected) << ts;
  }

  EXPECT_THAT(ListOffsets("t", v1::OFFSET_SPEC_LATEST, 0, {2}, &response),
              HasCode(grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(ListOffsets("t", v1::OFFSET_SPEC_LATEST, 0, {-1}, &response),
              HasCode(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(ListOffsets("t", v1::OFFSET_SPEC_TIMESTAMP, -1, {0}, &response),
              HasCode(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(ListOffsets("t", static_cast<v1::OffsetSpec>(12), 0, {0}, &response),
              HasCode(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(ListOffsets("u", v1::OFFSET_SPEC_LATEST, 0, {}, &response),
              HasCode(grpc::StatusCode::NOT_FOUND));
}

TEST_F(OffsetsTest, CommitAndFetchCommittedOffsets) {
  ASSERT_TRUE(CreateTopic("t", 3).ok());
  ProduceValues("t", 0, {"a", "b", "c"});
  ProduceValues("t", 2, {"a"});
  ASSERT_TRUE(Commit("g1", "t", 0, 2, "checkpoint").ok());
  ASSERT_TRUE(Commit("g1", "t", 2, 1).ok());
  ASSERT_TRUE(Commit("g1", "t", 0, 3).ok());  // Moves forward...
  ASSERT_TRUE(Commit("g2", "t", 0, 1).ok());
  ASSERT_TRUE(Commit("g2", "t", 0, 0).ok());  // ...or back: the consumer decides.

  v1::FetchCommittedOffsetsResponse response;
  ASSERT_TRUE(FetchCommitted("g1", "t", {}, &response).ok());
  ASSERT_EQ(response.offsets_size(), 2);  // Partition 1 was never committed.
  EXPECT_EQ(response.offsets(0).partition(), 0);
  EXPECT_EQ(response.offsets(0).offset(), 3);
  EXPECT_EQ(response.offsets(0).metadata(), "");
  EXPECT_EQ(response.offsets(1).partition(), 2);
  EXPECT_EQ(response.offsets(1).offset(), 1);

  response.Clear();
  ASSERT_TRUE(FetchCommitted("g1", "t", {2, 1}, &response).ok());
  ASSERT_EQ(response.offsets_size(), 1);
  EXPECT_EQ(response.offsets(0).partition(), 2);

  response.Clear();
  ASSERT_TRUE(FetchCommitted("g2", "t", {}, &response).ok());
  ASSERT_EQ(response.offsets_size(), 1);
  EXPECT_EQ(response.offsets(0).offset(), 0);

  response.Clear();
  ASSERT_TRUE(FetchCommitted("never", "t", {}, &response).ok());
  EXPECT_EQ(response.offsets_size(), 0);

  ASSERT_TRUE(Commit("g3", "t", 0, 1, "meta-data").ok());
  response.Clear();
  ASSERT_TRUE(FetchCommitted("g3", "t", {0}, &response).ok());
  EXPECT_EQ(response.offsets(0).metadata(), "meta-data");
}

TEST_F(OffsetsTest, CommitErrorsFollowTheApiTable) {
  ASSERT_TRUE(CreateTopic("t", 1).ok());
  ProduceValues("t", 0, {"a", "b"});
  EXPECT_THAT(Commit("", "t", 0, 0), HasCode(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(Commit("g", "t", 0, -1), HasCode(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(Commit("g", "t", -1, 0), HasCode(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(Commit("g", "t", 1, 0), HasCode(grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(Commit("g", "x", 0, 0), HasCode(grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(Commit("g", "t", 0, 3),
              AllOf(HasCode(grpc::StatusCode::OUT_OF_RANGE), MessageHas("high watermark 2")));
  EXPECT_THAT(Commit("g", "t", 0, 1, std::string(5000, 'm')),
              HasCode(grpc::StatusCode::RESOURCE_EXHAUSTED));
  EXPECT_THAT(Commit("g", "t", 0, 1, "", 5),
              AllOf(HasCode(grpc::StatusCode::FAILED_PRECONDITION), MessageHas("generation 5")));
  EXPECT_THAT(Commit("g", "t", 0, 1, "", -2), HasCode(grpc::StatusCode::INVALID_ARGUMENT));
  // Nothing refused was stored.
  v1::FetchCommittedOffsetsResponse response;
  ASSERT_TRUE(FetchCommitted("g", "t", {}, &response).ok());
  EXPECT_EQ(response.offsets_size(), 0);
  EXPECT_THAT(FetchCommitted("g", "t", {4}, &response), HasCode(grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(FetchCommitted("", "t", {}, &response), HasCode(grpc::StatusCode::INVALID_ARGUMENT));
}

TEST_F(OffsetsTest, ListAndDescribeGroups) {
  ASSERT_TRUE(CreateTopic("t", 2).ok());
  ProduceValues("t", 0, {"a", "b", "c", "d"});
  ProduceValues("t", 1, {"a"});
  ASSERT_TRUE(Commit("beta", "t", 0, 1).ok());
  ASSERT_TRUE(Commit("alpha", "t", 0, 4).ok());

  v1::ListGroupsResponse groups;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->ListGroups(&context, v1::ListGroupsRequest(), &groups).ok());
  }
  ASSERT_EQ(groups.groups_size(), 2);
  EXPECT_EQ(groups.groups(0), "alpha");
  EXPECT_EQ(groups.groups(1), "beta");

  v1::DescribeGroupResponse beta;
  ASSERT_TRUE(DescribeGroup("beta", &beta).ok());
  EXPECT_EQ(beta.group(), "beta");
  EXPECT_EQ(beta.generation(), 0);
  EXPECT_EQ(beta.members_size(), 0);
  ASSERT_EQ(beta.lags_size(), 2);
  EXPECT_EQ(beta.lags(0).topic(), "t");
  EXPECT_EQ(beta.lags(0).partition(), 0);
  EXPECT_EQ(beta.lags(0).committed_offset(), 1);
  EXPECT_EQ(beta.lags(0).high_watermark(), 4);
  EXPECT_EQ(beta.lags(0).lag(), 3);
  EXPECT_EQ(beta.lags(1).partition(), 1);
  EXPECT_EQ(beta.lags(1).committed_offset(), -1);
  EXPECT_EQ(beta.lags(1).high_watermark(), 1);
  EXPECT_EQ(beta.lags(1).lag(), 1);

  v1::DescribeGroupResponse unknown;
  EXPECT_THAT(DescribeGroup("nobody", &unknown), HasCode(grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(DescribeGroup("", &unknown), HasCode(grpc::StatusCode::INVALID_ARGUMENT));
}

}  // namespace
}  // namespace eventlog::service::testing
