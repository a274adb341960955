// Small-request round trips: the Kafka listener against eventlogd's gRPC
// API, one client connection each, on loopback.
//   kafka_listener_bench [--requests=20000] [--eventlogd=PATH]
// Kafka: an in-process KafkaListener (2 I/O threads) with the test toy
// handler; Metadata v6 for one topic (the handler builds the answer), and
// ApiVersions v3 (answered by the listener itself), one at a time, then
// Metadata 32 in flight. gRPC: an eventlogd child process with one topic;
// ListTopics (the closest call to Metadata), one at a time, on one channel.
// Prints requests/s and the mean round trip of each. Run by hand; figures
// depend on the machine and its load (docs/KAFKA.md).
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "eventlog/v1/eventlog.grpc.pb.h"
#include "service/kafka/kafka_listener.h"
#include "tests/child_process.h"
#include "tests/service/kafka/kafka_test_client.h"
#include "tests/service/kafka/toy_kafka_handler.h"
#include "tests/temp_dir.h"

ABSL_FLAG(int, requests, 20000, "Requests per sequential measurement.");
ABSL_FLAG(std::string, eventlogd, EVENTLOGD_PATH, "The eventlogd binary.");

namespace {

namespace kafka = eventlog::kafka;
namespace v1 = eventlog::v1;
using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "kafka_listener_bench: %s\n", message.c_str());
  std::exit(1);
}

template <typename F>
void Measure(const char* name, int requests, F one) {
  for (int i = 0; i < requests / 10; ++i) one(i);  // warm-up
  const auto start = Clock::now();
  for (int i = 0; i < requests; ++i) one(i);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("%-44s %9.0f requests/s  %7.1f us mean round trip\n", name, requests / seconds,
              seconds / requests * 1e6);
}

void KafkaRoundTrips(int requests) {
  kafka::testing::ToyKafkaHandler handler;
  kafka::KafkaListenerOptions options;
  options.listen = "127.0.0.1:0";
  auto listener = kafka::KafkaListener::Start(options, &handler);
  if (!listener.ok()) Die(std::string(listener.status().message()));
  handler.set_port((*listener)->port());
  kafka::testing::KafkaTestClient client((*listener)->port());
  kafka::MetadataRequest metadata;
  metadata.topics = std::vector<std::string>{"orders"};
  int32_t correlation = 0;
  Measure("kafka Metadata v6 (handler), sequential", requests, [&](int i) {
    client.Send(metadata, 6, i);
    if (!client.Read<kafka::MetadataResponse>(6, &correlation).ok()) Die("metadata");
  });
  Measure("kafka ApiVersions v3 (listener), sequential", requests, [&](int i) {
    client.Send(kafka::ApiVersionsRequest{"bench", "1"}, 3, i);
    if (!client.Read<kafka::ApiVersionsResponse>(3, &correlation).ok()) Die("api versions");
  });
  constexpr int kDepth = 32;
  std::string burst;
  for (int i = 0; i < kDepth; ++i) burst += client.Frame(metadata, 6, i);
  Measure("kafka Metadata v6, 32 in flight (per request)", requests / kDepth * kDepth, [&](int i) {
    if (i % kDepth == 0) client.SendRaw(burst);
    if (!client.Read<kafka::MetadataResponse>(6, &correlation).ok()) Die("pipelined");
  });
  (*listener)->Shutdown();
}

void GrpcRoundTrips(int requests) {
  eventlog::testing::TempDir dir;
  eventlog::testing::ChildProcess server(
      {absl::GetFlag(FLAGS_eventlogd), "--listen=127.0.0.1:0", "--data_dir=" + dir.path()});
  const std::string line = server.ReadStdoutLine();
  const std::string marker = "listening on ";
  if (line.find(marker) == std::string::npos) Die("eventlogd did not start: " + line);
  const std::string address = line.substr(line.find(marker) + marker.size());
  auto stub =
      v1::EventLog::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  {
    grpc::ClientContext context;
    v1::CreateTopicRequest create;
    create.set_name("orders");
    create.set_partitions(3);
    v1::TopicDescription created;
    if (!stub->CreateTopic(&context, create, &created).ok()) Die("create topic");
  }
  Measure("grpc ListTopics (eventlogd), sequential", requests, [&](int) {
    grpc::ClientContext context;
    v1::ListTopicsResponse response;
    if (!stub->ListTopics(&context, v1::ListTopicsRequest(), &response).ok()) Die("list");
  });
  if (server.Terminate() != 0) Die("eventlogd did not stop cleanly");
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int requests = absl::GetFlag(FLAGS_requests);
  KafkaRoundTrips(requests);
  GrpcRoundTrips(requests);
  return 0;
}
