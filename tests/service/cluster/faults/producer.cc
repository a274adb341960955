#include "tests/service/cluster/faults/producer.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace eventlog::testing::faults {

void Producer::Run() {
  constexpr int kKeys = 8;
  for (int64_t seq = 0; !stopping(); ++seq) {
    const std::string key =
        absl::StrCat("k", std::uniform_int_distribution<int>(0, kKeys - 1)(random()));
    const std::string value = absl::StrCat(name(), "-", key, "-", seq);
    grpc::ClientContext context;
    SetDeadline(&context, std::chrono::seconds(3));
    if (!Track(&context)) break;
    v1::ProduceRequest request;
    request.set_topic(topic_);
    request.set_acks(v1::ACKS_ALL);
    v1::Record* record = request.add_records();
    record->set_key(key);
    record->set_value(value);
    v1::ProduceResponse response;
    const grpc::Status status = AnyBroker()->Produce(&context, request, &response);
    Track(nullptr);
    if (status.ok() && response.appends_size() == 1) {
      const v1::PartitionAppend& append = response.appends(0);
      history().Ack(name(), key, seq, append.partition(), append.base_offset(), value);
    } else {
      history().ProduceFailed(name(), key, seq, status.error_code());
      absl::SleepFor(absl::Milliseconds(50));
    }
  }
}

}  // namespace eventlog::testing::faults
