// Fuzz target: the Kafka front door's request handling on a real broker,
// as the listener hands requests over. The input is a sequence of request
// frames (each u16-length prefixed: request header, then body); those that
// decode (a frame that does not never reaches the handler, as in the
// listener) go to a KafkaBrokerHandler over a Broker on a fresh store in a
// temp dir with topic "t" (2 partitions). Long polls are shortened (a
// Fetch's max_wait_ms to at most 20 ms); JoinGroup and SyncGroup may park
// and are answered at the latest when the broker shuts down at the end.
// Checks, besides "no crash, no sanitizer report": every request is
// answered exactly once, with a response of its own API that encodes.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "service/broker/broker.h"
#include "service/kafka/handler/kafka_broker_handler.h"
#include "service/kafka/handler/single_broker_view.h"
#include "service/kafka/protocol/api_versions_table.h"
#include "service/kafka/protocol/kafka_request.h"
#include "service/kafka/protocol/kafka_response.h"
#include "storage/store.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/temp_dir.h"

namespace eventlog::fuzz {
namespace {

constexpr int kMaxRequests = 24;

struct Answers {
  absl::Mutex mu;
  int expected = 0;
  int answered ABSL_GUARDED_BY(mu) = 0;
};

void Run(const uint8_t* data, size_t size) {
  eventlog::testing::TempDir dir;
  storage::StoreOptions store_options;
  store_options.data_dir = dir.path();
  store_options.cleanup_interval_ms = 0;
  store_options.max_partitions = 8;
  absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(store_options);
  FUZZ_CHECK(store.ok());
  broker::BrokerOptions broker_options;
  broker_options.kafka_group_initial_rebalance_delay_ms = 0;
  auto answers = std::make_shared<Answers>();
  {
    broker::Broker broker(store->get(), broker_options);
    broker::CreateTopicRequest create;
    create.name = "t";
    create.partitions = 2;
    FUZZ_CHECK(broker.CreateTopic(create).ok());
    kafka::SingleBrokerView view(0, "127.0.0.1", 9092);
    kafka::KafkaBrokerHandler handler(&broker, nullptr, &view);
    kafka::KafkaConnectionContext context;
    context.connection_id = 1;
    context.peer_address = "127.0.0.1:1";
    FuzzInput input(data, size);
    for (int i = 0; i < kMaxRequests && !input.empty(); ++i) {
      const absl::string_view frame = input.Chunk();
      absl::string_view body;
      absl::StatusOr<kafka::RequestHeader> header = kafka::RequestHeader::Decode(frame, &body);
      if (!header.ok() || !kafka::IsSupported(header->api_key, header->api_version)) continue;
      absl::StatusOr<kafka::KafkaRequest> request =
          kafka::DecodeRequest(header->api_key, header->api_version, body);
      if (!request.ok()) continue;
      if (auto* fetch = std::get_if<kafka::FetchRequest>(&*request)) {
        fetch->max_wait_ms = std::min(fetch->max_wait_ms, 20);
      }
      const kafka::ApiKey key = kafka::ApiKeyOf(*request);
      const int16_t version = header->api_version;
      answers->expected++;
      handler.Handle(context, *header, *std::move(request),
                     [answers, key, version](kafka::KafkaResponse response) {
                       FUZZ_CHECK(kafka::ApiKeyOf(response) == key);
                       FUZZ_CHECK(!kafka::EncodeResponseFrame(1, version, response).empty());
                       absl::MutexLock lock(&answers->mu);
                       answers->answered++;
                     });
    }
    broker.Shutdown();  // parked joins and syncs are answered now
    // Fetches may still be waiting for their (short) deadline.
    absl::MutexLock lock(&answers->mu);
    auto all = [&]() ABSL_SHARED_LOCKS_REQUIRED(answers->mu) {
      return answers->answered == answers->expected;
    };
    answers->mu.AwaitWithTimeout(absl::Condition(&all), absl::Seconds(10));
    FUZZ_CHECK(answers->answered == answers->expected);
  }
  FUZZ_CHECK((*store)->Close().ok());
}

}  // namespace
}  // namespace eventlog::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  eventlog::fuzz::Run(data, size);
  return 0;
}
