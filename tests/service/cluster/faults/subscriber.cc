#include "tests/service/cluster/faults/subscriber.h"

#include "absl/time/clock.h"

namespace eventlog::testing::faults {

void Subscriber::Run() {
  while (!stopping()) {
    grpc::ClientContext context;
    SetDeadline(&context, std::chrono::seconds(4));
    if (!Track(&context)) break;
    v1::SubscribeRequest request;
    request.set_topic(topic_);
    request.add_partitions(partition_);
    request.set_start_from(v1::START_FROM_OFFSET);
    request.set_start_offset(next_.load());
    std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> stream =
        AnyBroker()->Subscribe(&context, request);
    v1::SubscribeResponse response;
    while (stream->Read(&response)) {
      if (!response.has_records()) continue;
      for (const v1::Record& record : response.records().records()) {
        history().Read(name(), response.records().partition(), record.offset(), record.key(),
                       record.value());
        // A repeat stays in the history for the checker; the position only grows.
        if (record.offset() >= next_.load()) next_.store(record.offset() + 1);
      }
    }
    const grpc::Status status = stream->Finish();
    Track(nullptr);
    if (status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
      absl::SleepFor(absl::Milliseconds(100));  // refused or broken: do not spin
    }
  }
}

}  // namespace eventlog::testing::faults
