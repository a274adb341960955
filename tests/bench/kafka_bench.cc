// Kafka front door benchmark against a running eventlogd (--kafka_listen):
//   kafka_bench produce  --kafka=HOST:PORT --topic=T [--records=N] [--record_size=100] [--acks=all]
//   kafka_bench consume  --kafka=HOST:PORT --topic=T [--records=N]
//   kafka_bench requests --kafka=HOST:PORT --grpc=HOST:PORT --topic=T [--requests=N]
// produce / consume use librdkafka (Debian's librdkafka-dev 2.0.2) as a
// Kafka application would: a producer with linger.ms=5 and 1 MiB batches,
// a consumer reading partition 0 from the beginning; each prints one line
// "kafka produce: N records in S s: R records/s, M MB/s (...)".
// requests compares small requests one record at a time, on one connection
// each: Kafka Produce (raw wire client, acks=1) against gRPC Produce
// (unary, ACKS_LEADER), first sequentially, then 32 in flight (Kafka
// pipelined on its connection, gRPC on a ProduceStream).
// scripts/bench-kafka.sh runs all of it next to `eventlog perf` and prints
// medians. Figures depend on the machine and its load: compare only runs
// made side by side.
#include <grpcpp/grpcpp.h>
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "eventlog/v1/eventlog.grpc.pb.h"
#include "service/kafka/protocol/kafka_response.h"
#include "storage/format/record_batch_builder.h"
#include "tests/service/kafka/kafka_test_client.h"

ABSL_FLAG(std::string, kafka, "127.0.0.1:9092", "eventlogd's Kafka listener.");
ABSL_FLAG(std::string, grpc, "127.0.0.1:7070", "eventlogd's gRPC address (requests).");
ABSL_FLAG(std::string, topic, "kafka-bench", "An existing topic (partition 0 is used).");
ABSL_FLAG(int64_t, records, 1000000, "Records to produce or consume.");
ABSL_FLAG(int32_t, record_size, 100, "Value bytes per record (no key).");
ABSL_FLAG(std::string, acks, "all", "produce: all or leader (1).");
ABSL_FLAG(bool, idempotence, false, "produce: enable.idempotence.");
ABSL_FLAG(int32_t, requests, 20000, "requests: requests per measurement.");

namespace {

using Clock = std::chrono::steady_clock;
namespace kafka = eventlog::kafka;
namespace v1 = eventlog::v1;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "kafka_bench: %s\n", message.c_str());
  std::exit(1);
}

void Set(rd_kafka_conf_t* conf, const char* name, const std::string& value) {
  char error[512];
  if (rd_kafka_conf_set(conf, name, value.c_str(), error, sizeof(error)) != RD_KAFKA_CONF_OK) {
    Die(absl::StrCat(name, ": ", error));
  }
}

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void Report(const char* what, int64_t records, int32_t size, double seconds, const std::string& how) {
  std::printf("kafka %s: %lld records in %.3f s: %.0f records/s, %.2f MB/s (%s)\n", what,
              static_cast<long long>(records), seconds, records / seconds,
              records * static_cast<double>(size) / seconds / 1e6, how.c_str());
}

std::atomic<int64_t> delivered{0};
std::atomic<int64_t> failed{0};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  if (message->err) {
    failed.fetch_add(1);
  } else {
    delivered.fetch_add(1);
  }
}

void Produce() {
  const int64_t records = absl::GetFlag(FLAGS_records);
  const int32_t size = absl::GetFlag(FLAGS_record_size);
  const std::string acks = absl::GetFlag(FLAGS_acks) == "leader" ? "1" : "all";
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  Set(conf, "bootstrap.servers", absl::GetFlag(FLAGS_kafka));
  Set(conf, "acks", acks);
  Set(conf, "linger.ms", "5");
  Set(conf, "batch.size", "1048576");
  Set(conf, "batch.num.messages", "100000");
  Set(conf, "queue.buffering.max.messages", "2000000");
  Set(conf, "queue.buffering.max.kbytes", "2097151");
  Set(conf, "enable.idempotence", absl::GetFlag(FLAGS_idempotence) ? "true" : "false");
  rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
  char error[512];
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
  if (producer == nullptr) Die(error);
  const std::string topic = absl::GetFlag(FLAGS_topic);
  const std::string value(static_cast<size_t>(size), 'x');
  const auto start = Clock::now();
  for (int64_t i = 0; i < records;) {
    rd_kafka_resp_err_t err = rd_kafka_producev(
        producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(producer, 1);
      continue;
    }
    if (err) Die(rd_kafka_err2str(err));
    ++i;
    if ((i & 1023) == 0) rd_kafka_poll(producer, 0);
  }
  while (delivered.load() + failed.load() < records) rd_kafka_poll(producer, 10);
  const double seconds = Seconds(start);
  rd_kafka_flush(producer, 10000);
  rd_kafka_destroy(producer);
  if (failed.load() > 0) Die(absl::StrCat(failed.load(), " records failed"));
  Report("produce", records, size, seconds,
         absl::StrCat("librdkafka ", rd_kafka_version_str(), ", acks ", acks,
                      absl::GetFlag(FLAGS_idempotence) ? ", idempotent" : "",
                      ", linger.ms 5, batch.size 1 MiB, 1 partition"));
}

void Consume() {
  const int64_t records = absl::GetFlag(FLAGS_records);
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  Set(conf, "bootstrap.servers", absl::GetFlag(FLAGS_kafka));
  Set(conf, "group.id", "kafka-bench");
  Set(conf, "enable.auto.commit", "false");
  Set(conf, "fetch.max.bytes", "52428800");
  Set(conf, "max.partition.fetch.bytes", "4194304");
  char error[512];
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error));
  if (consumer == nullptr) Die(error);
  rd_kafka_topic_partition_list_t* partitions = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(partitions, absl::GetFlag(FLAGS_topic).c_str(), 0)->offset =
      RD_KAFKA_OFFSET_BEGINNING;
  if (rd_kafka_assign(consumer, partitions)) Die("assign failed");
  rd_kafka_topic_partition_list_destroy(partitions);
  int64_t seen = 0;
  int64_t bytes = 0;
  const auto start = Clock::now();
  while (seen < records) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer, 1000);
    if (message == nullptr) continue;
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++seen;
      bytes += static_cast<int64_t>(message->len);
    } else if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      Die(rd_kafka_message_errstr(message));
    }
    rd_kafka_message_destroy(message);
  }
  const double seconds = Seconds(start);
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  Report("consume", seen, seen > 0 ? static_cast<int32_t>(bytes / seen) : 0, seconds,
         absl::StrCat("librdkafka ", rd_kafka_version_str(), ", partition 0 from the beginning"));
}

// One 100-byte record as a Kafka producer batch.
std::string OneRecordBatch() {
  eventlog::storage::RecordBatchBuilder builder;
  builder.Add("", std::string(100, 'x'), {}, 0);
  return builder.Seal();
}

void PrintRate(const char* what, int requests, double seconds) {
  std::printf("%-52s %9.0f requests/s  %7.1f us per request\n", what, requests / seconds,
              seconds / requests * 1e6);
}

void Requests() {
  const int requests = absl::GetFlag(FLAGS_requests);
  const std::string topic = absl::GetFlag(FLAGS_topic);
  const std::string address = absl::GetFlag(FLAGS_kafka);
  kafka::testing::KafkaTestClient client(std::stoi(address.substr(address.rfind(':') + 1)));
  kafka::ProduceRequest produce;
  produce.acks = 1;
  produce.timeout_ms = 30000;
  produce.topic_data.push_back({topic, {{0, OneRecordBatch()}}});
  int32_t correlation = 0;
  auto kafka_one = [&](int i) {
    client.Send(produce, 7, i);
    absl::StatusOr<kafka::ProduceResponse> r = client.Read<kafka::ProduceResponse>(7, &correlation);
    if (!r.ok() || r->responses[0].partition_responses[0].error_code != 0) Die("kafka produce");
  };
  for (int i = 0; i < requests / 10; ++i) kafka_one(i);
  auto start = Clock::now();
  for (int i = 0; i < requests; ++i) kafka_one(i);
  PrintRate("Kafka Produce, 1 record, acks=1, sequential", requests, Seconds(start));

  const std::string frame = client.Frame(produce, 7, 0);
  start = Clock::now();
  int in_flight = 0;
  for (int sent = 0, answered = 0; answered < requests;) {
    while (in_flight < 32 && sent < requests) {
      client.SendRaw(frame);
      ++sent;
      ++in_flight;
    }
    if (!client.ReadFrame().has_value()) Die("kafka connection closed");
    ++answered;
    --in_flight;
  }
  PrintRate("Kafka Produce, 1 record, acks=1, 32 in flight", requests, Seconds(start));

  auto channel = grpc::CreateChannel(absl::GetFlag(FLAGS_grpc), grpc::InsecureChannelCredentials());
  auto stub = v1::EventLog::NewStub(channel);
  v1::ProduceRequest request;
  request.set_topic(topic);
  request.set_partition(0);
  request.set_acks(v1::ACKS_LEADER);
  request.add_records()->set_value(std::string(100, 'x'));
  auto grpc_one = [&] {
    grpc::ClientContext context;
    v1::ProduceResponse response;
    if (!stub->Produce(&context, request, &response).ok()) Die("grpc produce");
  };
  for (int i = 0; i < requests / 10; ++i) grpc_one();
  start = Clock::now();
  for (int i = 0; i < requests; ++i) grpc_one();
  PrintRate("gRPC Produce (unary), 1 record, ACKS_LEADER, sequential", requests, Seconds(start));

  grpc::ClientContext context;
  auto stream = stub->ProduceStream(&context);
  start = Clock::now();
  in_flight = 0;
  v1::ProduceResponse response;
  for (int sent = 0, answered = 0; answered < requests;) {
    while (in_flight < 32 && sent < requests) {
      request.set_request_id(static_cast<uint64_t>(sent));
      if (!stream->Write(request)) Die("grpc stream write");
      ++sent;
      ++in_flight;
    }
    if (!stream->Read(&response) || response.error_code() != 0) Die("grpc stream read");
    ++answered;
    --in_flight;
  }
  PrintRate("gRPC ProduceStream, 1 record per request, 32 in flight", requests, Seconds(start));
  stream->WritesDone();
  (void)stream->Finish();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  const std::string mode = args.size() > 1 ? args[1] : "";
  if (mode == "produce") {
    Produce();
  } else if (mode == "consume") {
    Consume();
  } else if (mode == "requests") {
    Requests();
  } else {
    Die("usage: kafka_bench produce|consume|requests [flags] (see the file's header)");
  }
  return 0;
}
