#include "clients/cpp/client.h"

#include <utility>

#include "absl/synchronization/notification.h"
#include "clients/cpp/health_wire.h"
#include "clients/cpp/server_list.h"
#include "clients/cpp/status_conversion.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/byte_buffer.h"

namespace eventlog::client {

namespace {

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& servers,
                                           const ClientOptions& options) {
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      options.credentials != nullptr ? options.credentials : grpc::InsecureChannelCredentials();
  grpc::ChannelArguments args;
  // gRPC core uses this as the connect timeout (default 20 s): against a port
  // that accepts connections and never answers, calls fail UNAVAILABLE
  // ("connection attempt timed out before receiving SETTINGS frame") after
  // 5 s instead of waiting for their deadline.
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 5000);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  absl::StatusOr<ChannelTarget> target = MakeChannelTarget(servers);
  // A list that cannot be used goes to gRPC as it is: its calls then fail
  // with UNAVAILABLE (MakeChannelTarget tells why, for callers that check).
  if (!target.ok()) return grpc::CreateCustomChannel(servers, credentials, args);
  if (!target->authority.empty()) args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, target->authority);
  return grpc::CreateCustomChannel(target->target, credentials, args);
}

}  // namespace

Client::Client(absl::string_view server, ClientOptions options)
    : server_(server),
      options_(options),
      channel_(MakeChannel(server_, options_)),
      stub_(v1::EventLog::NewStub(channel_)) {}

std::shared_ptr<grpc::Channel> Client::NewChannel(absl::string_view address) const {
  return MakeChannel(std::string(address), options_);
}

void Client::PrepareContext(grpc::ClientContext& context, absl::Duration extra) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.call_timeout + extra));
  PrepareStreamContext(context);
}

void Client::PrepareStreamContext(grpc::ClientContext& context) {
  context.set_wait_for_ready(options_.wait_for_ready);
  // Plain metadata rather than call credentials: gRPC sends call
  // credentials only over TLS, and tokens also serve plaintext test setups.
  if (!options_.token.empty()) context.AddMetadata("authorization", "Bearer " + options_.token);
}

absl::StatusOr<v1::TopicDescription> Client::CreateTopic(absl::string_view name, int32_t partitions,
                                                         const v1::TopicConfig& config,
                                                         int32_t replication_factor) {
  v1::CreateTopicRequest request;
  request.set_name(std::string(name));
  request.set_partitions(partitions);
  request.set_replication_factor(replication_factor);
  *request.mutable_config() = config;
  v1::TopicDescription response;
  grpc::ClientContext context;
  PrepareContext(context);
  grpc::Status status = stub_->CreateTopic(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::Status Client::DeleteTopic(absl::string_view name) {
  v1::DeleteTopicRequest request;
  request.set_name(std::string(name));
  v1::DeleteTopicResponse response;
  grpc::ClientContext context;
  PrepareContext(context);
  return FromGrpcStatus(stub_->DeleteTopic(&context, request, &response));
}

absl::StatusOr<std::vector<v1::TopicSummary>> Client::ListTopics() {
  v1::ListTopicsResponse response;
  grpc::ClientContext context;
  PrepareContext(context);
  grpc::Status status = stub_->ListTopics(&context, v1::ListTopicsRequest(), &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return std::vector<v1::TopicSummary>(std::make_move_iterator(response.mutable_topics()->begin()),
                                       std::make_move_iterator(response.mutable_topics()->end()));
}

absl::StatusOr<v1::TopicDescription> Client::DescribeTopic(absl::string_view name) {
  v1::DescribeTopicRequest request;
  request.set_name(std::string(name));
  v1::TopicDescription response;
  grpc::ClientContext context;
  PrepareContext(context);
  grpc::Status status = stub_->DescribeTopic(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<v1::ProduceResponse> Client::Produce(const v1::ProduceRequest& request) {
  v1::ProduceResponse response;
  grpc::ClientContext context;
  PrepareContext(context);
  grpc::Status status = stub_->Produce(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<v1::FetchResponse> Client::Fetch(const v1::FetchRequest& request) {
  v1::FetchResponse response;
  grpc::ClientContext context;
  PrepareContext(context, absl::Milliseconds(request.max_wait_ms()));
  grpc::Status status = stub_->Fetch(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<std::vector<v1::PartitionOffset>> Client::ListOffsets(
    absl::string_view topic, v1::OffsetSpec spec, int64_t timestamp_ms,
    const std::vector<int32_t>& partitions) {
  v1::ListOffsetsRequest request;
  request.set_topic(std::string(topic));
  request.mutable_partitions()->Add(partitions.begin(), partitions.end());
  request.set_spec(spec);
  request.set_timestamp_ms(timestamp_ms);
  v1::ListOffsetsResponse response;
  grpc::ClientContext context;
  PrepareContext(context);
  grpc::Status status = stub_->ListOffsets(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return std::vector<v1::PartitionOffset>(response.offsets().begin(), response.offsets().end());
}

absl::Status Client::CommitOffset(absl::string_view group, absl::string_view topic,
                                  int32_t partition, int64_t offset, absl::string_view metadata,
                                  int64_t generation, absl::string_view member_id) {
  v1::CommitOffsetRequest request;
  request.set_group(std::string(group));
  request.set_topic(std::string(topic));
  request.set_partition(partition);
  request.set_offset(offset);
  request.set_metadata(std::string(metadata));
  request.set_generation(generation);
  request.set_member_id(std::string(member_id));
  return CommitOffset(request);
}

absl::Status Client::CommitOffset(const v1::CommitOffsetRequest& request) {
  v1::CommitOffsetResponse response;
  grpc::ClientContext context;
  PrepareContext(context);
  return FromGrpcStatus(stub_->CommitOffset(&context, request, &response));
}

absl::Status Client::CommitOffsets(const v1::CommitOffsetsRequest& request) {
  v1::CommitOffsetsResponse response;
  grpc::ClientContext context;
  PrepareContext(context);
  return FromGrpcStatus(stub_->CommitOffsets(&context, request, &response));
}

absl::StatusOr<std::vector<v1::CommittedOffset>> Client::FetchCommittedOffsets(
    absl::string_view group, absl::string_view topic, const std::vector<int32_t>& partitions) {
  v1::FetchCommittedOffsetsRequest request;
  request.set_group(std::string(group));
  request.set_topic(std::string(topic));
  request.mutable_partitions()->Add(partitions.begin(), partitions.end());
  v1::FetchCommittedOffsetsResponse response;
  grpc::ClientContext context;
  PrepareContext(context);
  grpc::Status status = stub_->FetchCommittedOffsets(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return std::vector<v1::CommittedOffset>(response.offsets().begin(), response.offsets().end());
}

absl::StatusOr<std::vector<std::string>> Client::ListGroups() {
  v1::ListGroupsResponse response;
  grpc::ClientContext context;
  PrepareContext(context);
  grpc::Status status = stub_->ListGroups(&context, v1::ListGroupsRequest(), &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return std::vector<std::string>(response.groups().begin(), response.groups().end());
}

absl::StatusOr<v1::DescribeGroupResponse> Client::DescribeGroup(absl::string_view group) {
  v1::DescribeGroupRequest request;
  request.set_group(std::string(group));
  v1::DescribeGroupResponse response;
  grpc::ClientContext context;
  PrepareContext(context);
  grpc::Status status = stub_->DescribeGroup(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<HealthStatus> Client::CheckHealth(absl::string_view service) {
  const std::string encoded = EncodeHealthCheckRequest(service);
  grpc::Slice slice(encoded);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext context;
  PrepareContext(context);
  grpc::GenericStub generic(channel_);
  absl::Notification done;
  grpc::Status status;
  generic.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                    &response, [&](grpc::Status s) {
                      status = std::move(s);
                      done.Notify();
                    });
  done.WaitForNotification();
  if (!status.ok()) return FromGrpcStatus(status);
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return absl::InternalError("unreadable health response");
  std::string bytes;
  for (const grpc::Slice& s : slices)
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  absl::StatusOr<int> serving = DecodeHealthCheckResponse(bytes);
  if (!serving.ok()) return serving.status();
  switch (*serving) {
    case 1:
      return HealthStatus::kServing;
    case 2:
      return HealthStatus::kNotServing;
    case 3:
      return HealthStatus::kServiceUnknown;
    default:
      return HealthStatus::kUnknown;
  }
}

}  // namespace eventlog::client
