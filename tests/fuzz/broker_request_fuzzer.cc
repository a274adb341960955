// Fuzz target: every request message through the broker core, as the gRPC
// layer hands them over: the bytes are parsed as the RPC's request proto
// (a message that does not parse never reaches the broker, as in gRPC),
// converted (service/server/proto_convert.h), run on a Broker over a fresh
// store in a temp dir, and the result converted back to its response proto.
//
// Input: up to kMaxOps requests, each
//   u8 rpc (% kRpcCount, order of RequestKind), u16-length request message.
// Subscriptions stay open until the input ends (so group members affect
// later commits and descriptions); each is pumped a few times.
// Checks, besides "no crash, no sanitizer report": a produce that succeeds
// assigns exactly one offset per record, and fetched offsets ascend within
// [requested offset, high watermark).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "eventlog/v1/eventlog.pb.h"
#include "google/protobuf/stubs/logging.h"
#include "service/broker/broker.h"
#include "service/server/proto_convert.h"
#include "storage/store.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/temp_dir.h"

namespace eventlog::fuzz {
namespace {

namespace v1 = ::eventlog::v1;
using service::FromProto;
using service::ToProto;

enum RequestKind : uint8_t {
  kCreateTopic,
  kDeleteTopic,
  kListTopics,
  kDescribeTopic,
  kProduce,
  kFetch,
  kListOffsets,
  kCommitOffset,
  kFetchCommittedOffsets,
  kListGroups,
  kDescribeGroup,
  kSubscribe,
  kRpcCount,
};

constexpr int kMaxOps = 32;
constexpr size_t kMaxSubscriptions = 4;

storage::StoreOptions StoreOptions(const std::string& data_dir) {
  storage::StoreOptions o;
  o.data_dir = data_dir;
  o.cleanup_interval_ms = 0;
  o.max_partitions = 8;  // keeps a fuzzed partition count cheap
  return o;
}

broker::BrokerOptions BrokerOptions() {
  broker::BrokerOptions o;
  o.max_request_bytes = 1 << 20;
  o.wakeup_threads = 1;
  o.max_subscriptions = kMaxSubscriptions;
  return o;
}

template <typename Message>
bool Parse(absl::string_view bytes, Message* message) {
  return message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

class Session {
 public:
  explicit Session(storage::Store* store) : broker_(store, BrokerOptions()) {}
  ~Session() {
    for (auto& s : subscriptions_) s->Cancel();
    subscriptions_.clear();
    broker_.Shutdown();
  }

  void Run(uint8_t rpc, absl::string_view bytes) {
    switch (static_cast<RequestKind>(rpc % kRpcCount)) {
      case kCreateTopic: {
        v1::CreateTopicRequest request;
        if (!Parse(bytes, &request)) return;
        absl::StatusOr<broker::CreateTopicRequest> create = FromProto(request);
        if (!create.ok()) return;
        absl::StatusOr<broker::TopicInfo> info = broker_.CreateTopic(*create);
        v1::TopicDescription response;
        if (info.ok()) ToProto(*info, &response);
        return;
      }
      case kDeleteTopic: {
        v1::DeleteTopicRequest request;
        if (Parse(bytes, &request)) (void)broker_.DeleteTopic(request.name());
        return;
      }
      case kListTopics:
        (void)broker_.ListTopics();
        return;
      case kDescribeTopic: {
        v1::DescribeTopicRequest request;
        if (!Parse(bytes, &request)) return;
        absl::StatusOr<broker::TopicInfo> info = broker_.DescribeTopic(request.name());
        v1::TopicDescription response;
        if (info.ok()) ToProto(*info, &response);
        return;
      }
      case kProduce:
        return Produce(bytes);
      case kFetch:
        return Fetch(bytes);
      case kListOffsets: {
        v1::ListOffsetsRequest request;
        if (!Parse(bytes, &request)) return;
        absl::StatusOr<broker::ListOffsetsRequest> list = FromProto(request);
        if (list.ok()) (void)broker_.ListOffsets(*list);
        return;
      }
      case kCommitOffset: {
        v1::CommitOffsetRequest request;
        if (Parse(bytes, &request)) (void)broker_.CommitOffset(FromProto(request));
        return;
      }
      case kFetchCommittedOffsets: {
        v1::FetchCommittedOffsetsRequest request;
        if (Parse(bytes, &request)) (void)broker_.FetchCommittedOffsets(FromProto(request));
        return;
      }
      case kListGroups:
        (void)broker_.ListGroups();
        return;
      case kDescribeGroup: {
        v1::DescribeGroupRequest request;
        if (!Parse(bytes, &request)) return;
        absl::StatusOr<broker::GroupDescription> group = broker_.DescribeGroup(request.group());
        v1::DescribeGroupResponse response;
        if (group.ok()) ToProto(*group, &response);
        return;
      }
      case kSubscribe:
        return Subscribe(bytes);
      case kRpcCount:
        return;
    }
  }

  // Lets every open subscription send what it has (as streams do).
  void PumpAll() {
    for (auto it = subscriptions_.begin(); it != subscriptions_.end();) {
      if (Pump(**it)) {
        ++it;
      } else {
        it = subscriptions_.erase(it);  // the stream ended
      }
    }
  }

 private:
  void Produce(absl::string_view bytes) {
    v1::ProduceRequest request;
    if (!Parse(bytes, &request)) return;
    absl::StatusOr<broker::ProduceRequest> produce = FromProto(request);
    if (!produce.ok()) return;
    if (!broker_.ChargeProduceQuota("fuzz", static_cast<int64_t>(request.ByteSizeLong())).ok()) {
      return;
    }
    absl::Notification done;
    absl::StatusOr<broker::ProduceResult> result;
    broker_.Produce(*produce, [&](absl::StatusOr<broker::ProduceResult> r) {
      result = std::move(r);
      done.Notify();
    });
    done.WaitForNotification();
    if (!result.ok()) return;
    int64_t assigned = 0;
    for (const broker::PartitionAppend& append : result->appends) {
      FUZZ_CHECK(append.base_offset >= 0 && append.last_offset >= append.base_offset);
      assigned += append.last_offset - append.base_offset + 1;
    }
    FUZZ_CHECK(assigned == request.records_size());
    v1::ProduceResponse response;
    ToProto(*result, &response);
  }

  void Fetch(absl::string_view bytes) {
    v1::FetchRequest request;
    if (!Parse(bytes, &request)) return;
    const broker::FetchRequest fetch = FromProto(request);
    absl::StatusOr<broker::FetchResult> result = broker_.Fetch(fetch);
    if (!result.ok()) return;
    int64_t previous = fetch.offset - 1;
    for (const storage::RecordView& r : result->read.records) {
      FUZZ_CHECK(r.offset > previous && r.offset < result->read.high_watermark);
      previous = r.offset;
    }
    v1::FetchResponse response;
    service::AppendRecords(result->read, fetch.topic, fetch.partition, response.mutable_records());
  }

  void Subscribe(absl::string_view bytes) {
    v1::SubscribeRequest request;
    if (!Parse(bytes, &request)) return;
    absl::StatusOr<broker::SubscribeRequest> subscribe = FromProto(request);
    if (!subscribe.ok()) return;
    subscribe->client = "fuzz";
    absl::StatusOr<std::unique_ptr<broker::Subscription>> subscription =
        broker_.Subscribe(*subscribe);
    if (!subscription.ok()) return;
    if (Pump(**subscription)) subscriptions_.push_back(*std::move(subscription));
  }

  // A few messages of one subscription; false once it has ended.
  static bool Pump(broker::Subscription& subscription) {
    for (int i = 0; i < 4; ++i) {
      absl::StatusOr<std::optional<broker::SubscriptionEvent>> event = subscription.Next();
      if (!event.ok()) return false;
      if (!event->has_value()) return true;
    }
    return true;
  }

  broker::Broker broker_;
  std::vector<std::unique_ptr<broker::Subscription>> subscriptions_;
};

}  // namespace
}  // namespace eventlog::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace eventlog::fuzz;
  static const eventlog::testing::TempDir dir;
  // Messages that do not parse are expected; protobuf need not log each.
  static const bool quiet = (google::protobuf::SetLogHandler(nullptr), true);
  (void)quiet;
  const std::string data_dir = dir.path() + "/data";
  {
    absl::StatusOr<std::unique_ptr<eventlog::storage::Store>> store =
        eventlog::storage::Store::Open(StoreOptions(data_dir));
    FUZZ_CHECK(store.ok());
    {
      Session session(store->get());
      FuzzInput in(data, size);
      for (int op = 0; op < kMaxOps && !in.empty(); ++op) {
        const uint8_t rpc = in.Byte();
        session.Run(rpc, in.Chunk());
        session.PumpAll();
      }
    }
    FUZZ_CHECK((*store)->Close().ok());
  }
  std::error_code ignored;
  std::filesystem::remove_all(data_dir, ignored);
  return 0;
}
