// The HTTP listener of an in-process server (EventLogServer with
// http_listen_address): probes, /metrics after real gRPC traffic, the
// console's JSON API and files (access control: ops_server_security_test.cc).
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/util/build_info.h"
#include "tests/service/ops/ops_server_fixture.h"
#include "tests/storage/fs/fault_injection_file_system.h"
#include "tests/storage/util/logging/captured_log.h"

namespace eventlog::service::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST_F(OpsServerTest, HealthzAnswersAndReadyzSaysReady) {
  int status = 0;
  EXPECT_EQ(Get("/healthz", &status), "ok\n");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(Get("/readyz", &status), "ready\n");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(Value(Metrics(), "eventlog_ready"), 1);
}

TEST_F(OpsServerTest, MetricsCountRecordsAndBytesProducedPerTopic) {
  ASSERT_TRUE(CreateTopic("orders", 2).ok());
  ASSERT_TRUE(CreateTopic("audit", 1).ok());
  const double fsyncs = Value(Metrics(), "eventlog_fsync_duration_seconds_count");
  ASSERT_TRUE(ProduceKeyed("orders", {"a", "bb", "ccc"}).ok());  // keys "k-a"...: 12 + 6 bytes
  const std::string page = Metrics();
  EXPECT_EQ(Value(page, "eventlog_topic_records_produced_total{topic=\"orders\"}"), 3);
  EXPECT_EQ(Value(page, "eventlog_topic_bytes_produced_total{topic=\"orders\"}"), 18);
  EXPECT_EQ(Value(page, "eventlog_topic_records_produced_total{topic=\"audit\"}"), 0);
  EXPECT_EQ(Value(page, "eventlog_topic_partitions{topic=\"orders\"}"), 2);
  EXPECT_EQ(Value(page, "eventlog_partition_high_watermark{topic=\"orders\",partition=\"0\"}") +
                Value(page, "eventlog_partition_high_watermark{topic=\"orders\",partition=\"1\"}"),
            3);
  EXPECT_GT(Value(page, "eventlog_topic_size_bytes{topic=\"orders\"}"), 18);
  EXPECT_EQ(Value(page, "eventlog_requests_total{method=\"Produce\",code=\"OK\"}"), 1);
  EXPECT_EQ(Value(page, "eventlog_request_duration_seconds_count{method=\"Produce\"}"), 1);
  // ACKS_ALL: the append was fsynced and acknowledged by a group-commit round.
  EXPECT_GT(Value(page, "eventlog_fsync_duration_seconds_count"), fsyncs);
  EXPECT_GE(Value(page, "eventlog_group_commit_batch_size_count"), 1);
  EXPECT_EQ(Value(page, "eventlog_build_info{version=\"" + std::string(util::Version()) +
                            "\",revision=\"" + std::string(util::GitRevision()) + "\"}"),
            1);
  EXPECT_GT(Value(page, "process_resident_memory_bytes"), 0);
  EXPECT_GT(Value(page, "process_open_fds"), 0);
}

TEST_F(OpsServerTest, RefusedRequestsAreCountedByTheirCode) {
  ASSERT_FALSE(ProduceKeyed("missing", {"x"}).ok());
  ASSERT_FALSE(CreateTopic("bad name!", 1).ok());
  const std::string page = Metrics();
  EXPECT_EQ(Value(page, "eventlog_requests_total{method=\"Produce\",code=\"NOT_FOUND\"}"), 1);
  EXPECT_EQ(
      Value(page, "eventlog_requests_total{method=\"CreateTopic\",code=\"INVALID_ARGUMENT\"}"), 1);
  EXPECT_EQ(Value(page, "eventlog_requests_total{method=\"Produce\",code=\"OK\"}"), 0);
}

TEST_F(OpsServerTest, EachProduceStreamRequestIsCounted) {
  ASSERT_TRUE(CreateTopic("stream", 1).ok());
  grpc::ClientContext context;
  context.set_deadline(SafetyDeadline());
  auto stream = stub_->ProduceStream(&context);
  for (int i = 0; i < 3; ++i) {
    v1::ProduceRequest request;
    request.set_topic(i == 2 ? "missing" : "stream");
    request.set_request_id(i);
    *request.add_records() = MakeRecord("", "v");
    ASSERT_TRUE(stream->Write(request));
    v1::ProduceResponse response;
    ASSERT_TRUE(stream->Read(&response));
  }
  stream->WritesDone();
  ASSERT_TRUE(stream->Finish().ok());
  const std::string page = Metrics();
  EXPECT_EQ(Value(page, "eventlog_requests_total{method=\"ProduceStream\",code=\"OK\"}"), 2);
  EXPECT_EQ(Value(page, "eventlog_requests_total{method=\"ProduceStream\",code=\"NOT_FOUND\"}"), 1);
  EXPECT_EQ(Value(page, "eventlog_request_duration_seconds_count{method=\"ProduceStream\"}"), 3);
  EXPECT_EQ(Value(page, "eventlog_topic_records_produced_total{topic=\"stream\"}"), 2);
}

TEST_F(OpsServerTest, SubscriptionsAndFetchesCountWhatTheyDeliver) {
  ASSERT_TRUE(CreateTopic("events", 1).ok());
  ProduceValues("events", 0, {"one", "two", "three"});
  {
    grpc::ClientContext context;
    context.set_deadline(SafetyDeadline());
    v1::SubscribeRequest request;
    request.set_topic("events");
    request.set_start_from(v1::START_FROM_EARLIEST);
    auto reader = stub_->Subscribe(&context, request);
    int received = 0;
    v1::SubscribeResponse response;
    while (received < 3 && reader->Read(&response)) received += response.records().records_size();
    ASSERT_EQ(received, 3);
    EXPECT_EQ(Value(Metrics(), "eventlog_subscriptions_open"), 1);
    context.TryCancel();
    reader->Finish().IgnoreError();
  }
  EXPECT_EQ(FetchValues("events", 0, 1).size(), 2u);
  const std::string page = Metrics();
  EXPECT_EQ(Value(page, "eventlog_topic_records_delivered_total{topic=\"events\"}"), 3);
  EXPECT_EQ(Value(page, "eventlog_topic_bytes_delivered_total{topic=\"events\"}"), 11);
  EXPECT_EQ(Value(page, "eventlog_topic_records_fetched_total{topic=\"events\"}"), 2);
  EXPECT_EQ(Value(page, "eventlog_topic_bytes_fetched_total{topic=\"events\"}"), 8);
}

TEST_F(OpsServerTest, GroupLagIsExportedPerTopicAndPartition) {
  ASSERT_TRUE(CreateTopic("billing-in", 1).ok());
  ProduceValues("billing-in", 0, {"1", "2", "3", "4", "5"});
  v1::CommitOffsetRequest commit;
  commit.set_group("billing");
  commit.set_topic("billing-in");
  commit.set_partition(0);
  commit.set_offset(2);
  v1::CommitOffsetResponse ignored;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->CommitOffset(&context, commit, &ignored).ok());
  const std::string page = Metrics();
  EXPECT_EQ(Value(page, "eventlog_group_lag{group=\"billing\",topic=\"billing-in\"}"), 3);
  EXPECT_EQ(
      Value(page,
            "eventlog_group_partition_lag{group=\"billing\",topic=\"billing-in\",partition=\"0\"}"),
      3);
  EXPECT_EQ(Value(page, "eventlog_group_members{group=\"billing\"}"), 0);
  EXPECT_EQ(Value(page, "eventlog_requests_total{method=\"CommitOffset\",code=\"OK\"}"), 1);
}

TEST_F(OpsServerTest, LiveGroupMembersAndTheGenerationAreExported) {
  ASSERT_TRUE(CreateTopic("work", 2).ok());
  grpc::ClientContext context;
  context.set_deadline(SafetyDeadline());
  v1::SubscribeRequest request;
  request.set_topic("work");
  request.set_group("workers");
  auto reader = stub_->Subscribe(&context, request);
  reader->WaitForInitialMetadata();  // the member has joined
  const std::string page = Metrics();
  EXPECT_EQ(Value(page, "eventlog_group_members{group=\"workers\"}"), 1);
  EXPECT_GE(Value(page, "eventlog_group_generation{group=\"workers\"}"), 1);
  EXPECT_EQ(Value(page, "eventlog_subscriptions_open"), 1);
  context.TryCancel();
  reader->Finish().IgnoreError();
}

TEST_F(OpsServerTest, RetentionAndCompactionRunsAndWhatTheyFreedAreCounted) {
  v1::TopicConfig retained;
  retained.set_segment_bytes(200);
  retained.set_retention_bytes(400);
  ASSERT_TRUE(CreateTopic("retained", 1, nullptr, retained).ok());
  v1::TopicConfig compacted;
  compacted.set_segment_bytes(200);
  compacted.set_cleanup_policy(v1::CLEANUP_POLICY_COMPACT);
  ASSERT_TRUE(CreateTopic("compacted", 1, nullptr, compacted).ok());
  for (int round = 0; round < 20; ++round) {
    ProduceValues("retained", 0, {absl::StrCat("value-", round)});
    ASSERT_TRUE(ProduceKeyed("compacted", {"same"}).ok());  // one key, rewritten 20 times
  }
  const std::string before = Metrics();
  EXPECT_EQ(Value(before, "eventlog_retention_runs_total{topic=\"retained\"}"), 0);
  EXPECT_EQ(Value(before, "eventlog_compaction_runs_total{topic=\"compacted\"}"), 0);
  ASSERT_TRUE(server_->store().RunCleanup().ok());
  const std::string page = Metrics();
  EXPECT_GE(Value(page, "eventlog_retention_runs_total{topic=\"retained\"}"), 1);
  EXPECT_GE(Value(page, "eventlog_retention_segments_deleted_total{topic=\"retained\"}"), 1);
  EXPECT_GT(Value(page, "eventlog_retention_bytes_deleted_total{topic=\"retained\"}"), 0);
  EXPECT_GE(Value(page, "eventlog_compaction_runs_total{topic=\"compacted\"}"), 1);
  EXPECT_GE(Value(page, "eventlog_compaction_segments_rewritten_total{topic=\"compacted\"}"), 1);
  EXPECT_GT(Value(page, "eventlog_compaction_bytes_reclaimed_total{topic=\"compacted\"}"), 0);
  EXPECT_EQ(Value(page, "eventlog_damaged_batches_total{topic=\"compacted\"}"), 0);
  EXPECT_GT(Value(page, "eventlog_partition_log_start_offset{topic=\"retained\",partition=\"0\"}"),
            0);
}

TEST_F(OpsServerTest, RecordBrowserApiReturnsKeysValuesHeadersAndTimestamps) {
  ASSERT_TRUE(CreateTopic("browse", 1).ok());
  v1::ProduceRequest request;
  request.set_topic("browse");
  v1::Record record = MakeRecord("user-7", "{\"amount\": 12}", 1'700'000'000'999);
  v1::Header* header = record.add_headers();
  header->set_key("trace");
  header->set_value("abc");
  *request.add_records() = record;
  v1::ProduceResponse response;
  ASSERT_TRUE(Produce(request, &response).ok());
  int status = 0;
  const std::string body = Get("/api/v1/records?topic=browse&partition=0&offset=0", &status);
  EXPECT_EQ(status, 200) << body;
  EXPECT_THAT(body, HasSubstr("\"key\":\"" + absl::Base64Escape("user-7") + "\""));
  EXPECT_THAT(body, HasSubstr("\"value\":\"" + absl::Base64Escape("{\"amount\": 12}") + "\""));
  EXPECT_THAT(body, HasSubstr("\"key\":\"trace\",\"value\":\"" + absl::Base64Escape("abc")));
  EXPECT_THAT(body, HasSubstr("\"timestamp_ms\":1700000000999"));
  EXPECT_THAT(body, HasSubstr("\"high_watermark\":1"));
  // Errors are JSON with the status code's name.
  EXPECT_THAT(Get("/api/v1/records?topic=browse&partition=0&offset=5", &status),
              HasSubstr("\"code\":\"OUT_OF_RANGE\""));
  EXPECT_EQ(status, 400);
  EXPECT_THAT(Get("/api/v1/topic?name=missing", &status), HasSubstr("NOT_FOUND"));
  EXPECT_EQ(status, 404);
  EXPECT_THAT(Get("/api/v1/records?partition=0", &status), HasSubstr("\\\"topic\\\" is required"));
  EXPECT_EQ(status, 400);
}

TEST_F(OpsServerTest, ConsoleApiDescribesTopicsAndGroups) {
  ASSERT_TRUE(CreateTopic("payments", 3).ok());
  ProduceValues("payments", 1, {"x", "y"});
  int status = 0;
  const std::string topics = Get("/api/v1/topics", &status);
  EXPECT_EQ(status, 200);
  EXPECT_THAT(topics, HasSubstr("\"name\":\"payments\",\"partitions\":3,\"records\":2"));
  const std::string topic = Get("/api/v1/topic?name=payments", &status);
  EXPECT_EQ(status, 200);
  EXPECT_THAT(topic, HasSubstr("\"high_watermark\":2,\"log_end_offset\":2"));
  EXPECT_THAT(topic, HasSubstr("\"cleanup_policy\":\"delete\""));
  const std::string overview = Get("/api/v1/overview", &status);
  EXPECT_THAT(overview, HasSubstr("\"revision\":\"" + std::string(util::GitRevision()) + "\""));
  EXPECT_THAT(overview, HasSubstr("\"principal\":\"anonymous\""));
  Get("/api/v1/nothing", &status);
  EXPECT_EQ(status, 404);
}

TEST_F(OpsServerTest, ConsoleFilesAreEmbedded) {
  httplib::Client client = Http();
  httplib::Result page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_THAT(page->body, HasSubstr("<title>eventlog console</title>"));
  EXPECT_THAT(page->get_header_value("Content-Security-Policy"), HasSubstr("default-src 'self'"));
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html");
  httplib::Result chart = client.Get("/static/chart.min.js");
  ASSERT_TRUE(chart);
  EXPECT_EQ(chart->status, 200);
  // The very file Debian ships, byte for byte.
  std::ifstream debian("/usr/share/javascript/chart.js/chart.min.js", std::ios::binary);
  const std::string expected((std::istreambuf_iterator<char>(debian)),
                             std::istreambuf_iterator<char>());
  EXPECT_EQ(chart->body, expected);
  EXPECT_EQ(chart->get_header_value("Content-Type"), "text/javascript");
  httplib::Result missing = client.Get("/static/nothing.js");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

class OpsServerStorageFailureTest : public OpsServerTest {
 protected:
  void SetUp() override {
    options().store.file_system = &file_system_;
    OpsServerTest::SetUp();
  }

  storage::testing::FaultInjectionFileSystem file_system_{dir_.path()};
};

TEST_F(OpsServerStorageFailureTest, AFailedFsyncMakesTheBrokerNotReady) {
  ASSERT_TRUE(CreateTopic("doomed", 1).ok());
  ASSERT_TRUE(ProduceKeyed("doomed", {"before"}).ok());
  EXPECT_EQ(Value(Metrics(), "eventlog_storage_failed"), 0);
  file_system_.FailSyncs("");                            // every sync from now on: EIO
  EXPECT_FALSE(ProduceKeyed("doomed", {"after"}).ok());  // ACKS_ALL: the fsync fails
  int status = 0;
  EXPECT_THAT(Get("/readyz", &status), HasSubstr("storage failed"));
  EXPECT_EQ(status, 503);
  Get("/healthz", &status);
  EXPECT_EQ(status, 200);  // alive: the supervisor decides, readiness keeps traffic away
  const std::string page = Metrics();
  EXPECT_EQ(Value(page, "eventlog_storage_failed"), 1);
  EXPECT_EQ(Value(page, "eventlog_ready"), 0);
  // Closing reports the latched failure; the fixture expects a clean close.
  EXPECT_FALSE(server_->Shutdown().ok());
  stub_.reset();
  channel_.reset();
  server_.reset();
}

TEST_F(OpsServerTest, ReadingDamagedDataIsLoggedAtErrorAndCountedAsDataLoss) {
  ASSERT_TRUE(CreateTopic("damaged", 1).ok());
  for (const char* value : {"first-batch-value", "second-batch-value", "third-batch-value"}) {
    ProduceValues("damaged", 0, {value});
  }
  StopServer();
  // Flip a byte inside the first batch's records (not the torn tail that
  // recovery would truncate).
  std::string segment;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path() + "/data")) {
    const std::string path = entry.path().string();
    if (entry.path().extension() == ".log" && path.find("/topics/") != std::string::npos) {
      segment = path;  // not LevelDB's own .log files
    }
  }
  ASSERT_FALSE(segment.empty());
  {
    std::fstream file(segment, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(0, std::ios::end);
    const std::streamoff size = file.tellg();
    ASSERT_GT(size, 60);
    file.seekp(size / 3 - 8);
    file.put('\xff');
  }
  StartServer();
  std::vector<std::string> lines;
  grpc::Status fetched;
  {
    ::eventlog::testing::CapturedLog captured;
    v1::FetchResponse response;
    fetched = Fetch(FetchRequest("damaged", 0, 0), &response);
    lines = captured.Lines();
  }
  EXPECT_EQ(fetched.error_code(), grpc::StatusCode::DATA_LOSS) << fetched.error_message();
  EXPECT_EQ(Value(Metrics(), "eventlog_requests_total{method=\"Fetch\",code=\"DATA_LOSS\"}"), 1);
  ASSERT_FALSE(lines.empty());
  EXPECT_THAT(lines[0], HasSubstr("ERROR broker: a fetch read damaged data topic=damaged "
                                  "partition=0 offset=0"));
}

class OpsServerPerTopicTest : public OpsServerTest {
 protected:
  void SetUp() override {
    options().metrics.per_partition = false;
    OpsServerTest::SetUp();
  }
};

TEST_F(OpsServerPerTopicTest, PerPartitionSeriesCanBeTurnedOff) {
  ASSERT_TRUE(CreateTopic("wide", 8).ok());
  const std::string page = Metrics();
  EXPECT_EQ(Value(page, "eventlog_topic_partitions{topic=\"wide\"}"), 8);
  EXPECT_THAT(page, Not(HasSubstr("eventlog_partition_")));
  EXPECT_THAT(page, Not(HasSubstr("partition=\"")));
}

}  // namespace
}  // namespace eventlog::service::testing
