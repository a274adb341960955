// Client: a connection to an eventlogd server and its administrative and
// read calls (topics, offsets, groups, Fetch, health). Producer and Consumer
// are built on top of a Client and share its channel.
//
// Thread-safe: every method may be called concurrently (gRPC stubs are).
// Results carry the server's gRPC code and message as an absl::Status.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "eventlog/v1/eventlog.grpc.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"

namespace eventlog::client {

// What grpc.health.v1.Health/Check reported.
enum class HealthStatus { kUnknown, kServing, kNotServing, kServiceUnknown };

struct ClientOptions {
  // Deadline of each unary call (Fetch adds its max_wait_ms on top).
  absl::Duration call_timeout = absl::Seconds(30);
  // Whether calls wait for the channel to connect (up to call_timeout)
  // instead of failing fast with UNAVAILABLE when the server is down.
  bool wait_for_ready = false;
  // Channel credentials (see MakeChannelCredentials in channel_security.h);
  // null = plaintext.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  // Sent as "authorization: Bearer <token>" with every call; "" = none.
  std::string token;
};

class Client {
 public:
  // Connects (lazily) to `server`, "HOST:PORT" or a bootstrap list
  // "HOST1:PORT1,HOST2:PORT2" to fail over between (see server_list.h), with
  // options.credentials.
  explicit Client(absl::string_view server, ClientOptions options = {});
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const std::string& server() const { return server_; }
  const ClientOptions& options() const { return options_; }

  // partitions 0: the broker's --default_partitions. replication_factor:
  // copies of each partition on distinct brokers (above 1 only in a cluster);
  // 0 = the broker's --default_replication_factor.
  absl::StatusOr<v1::TopicDescription> CreateTopic(absl::string_view name, int32_t partitions,
                                                   const v1::TopicConfig& config = {},
                                                   int32_t replication_factor = 0);
  absl::Status DeleteTopic(absl::string_view name);
  absl::StatusOr<std::vector<v1::TopicSummary>> ListTopics();
  absl::StatusOr<v1::TopicDescription> DescribeTopic(absl::string_view name);

  // One unary Produce call (the Producer pipelines instead; this is for
  // single requests and tests).
  absl::StatusOr<v1::ProduceResponse> Produce(const v1::ProduceRequest& request);
  absl::StatusOr<v1::FetchResponse> Fetch(const v1::FetchRequest& request);

  // Offsets of `partitions` (empty = all) at `spec`; `timestamp_ms` is used
  // with OFFSET_SPEC_TIMESTAMP only.
  absl::StatusOr<std::vector<v1::PartitionOffset>> ListOffsets(
      absl::string_view topic, v1::OffsetSpec spec, int64_t timestamp_ms = 0,
      const std::vector<int32_t>& partitions = {});

  // Stores `offset` (the next one to consume) for the group. generation 0 and
  // member_id "" are a standalone consumer's (refused while the group has
  // live members); a group member sends both from its latest assignment, and
  // is refused (FAILED_PRECONDITION) unless it owns the partition in that
  // generation.
  absl::Status CommitOffset(absl::string_view group, absl::string_view topic, int32_t partition,
                            int64_t offset, absl::string_view metadata = "", int64_t generation = 0,
                            absl::string_view member_id = "");
  absl::Status CommitOffset(const v1::CommitOffsetRequest& request);
  // Several partitions of one topic, all or none, in one durable write (the
  // checks of CommitOffset apply to each). UNIMPLEMENTED from a broker that
  // predates it.
  absl::Status CommitOffsets(const v1::CommitOffsetsRequest& request);
  absl::StatusOr<std::vector<v1::CommittedOffset>> FetchCommittedOffsets(
      absl::string_view group, absl::string_view topic,
      const std::vector<int32_t>& partitions = {});

  absl::StatusOr<std::vector<std::string>> ListGroups();
  absl::StatusOr<v1::DescribeGroupResponse> DescribeGroup(absl::string_view group);

  // grpc.health.v1.Health/Check for `service` ("" = the whole server).
  absl::StatusOr<HealthStatus> CheckHealth(absl::string_view service = "");

  // For Producer and Consumer: the stub and a context set up like every call.
  v1::EventLog::Stub& stub() { return *stub_; }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  // A new channel to one broker, "HOST:PORT" (e.g. a leader GetMetadata
  // names), with this client's options.
  std::shared_ptr<grpc::Channel> NewChannel(absl::string_view address) const;
  void PrepareContext(grpc::ClientContext& context, absl::Duration extra = absl::ZeroDuration());
  // Like PrepareContext, without a deadline (for long-lived streams).
  void PrepareStreamContext(grpc::ClientContext& context);

 private:
  std::string server_;
  ClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::EventLog::Stub> stub_;
};

}  // namespace eventlog::client
