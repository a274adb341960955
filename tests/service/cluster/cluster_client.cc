#include "tests/service/cluster/cluster_client.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace eventlog::testing {
namespace {

absl::Status ToStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace

std::unique_ptr<v1::EventLog::Stub> StubTo(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return v1::EventLog::NewStub(
      grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
}

void SetDeadline(grpc::ClientContext* context, std::chrono::seconds seconds) {
  context->set_deadline(std::chrono::system_clock::now() + seconds);
}

std::optional<std::string> Trailer(const grpc::ClientContext& context, const std::string& key) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find(key);
  if (it == trailers.end()) return std::nullopt;
  return std::string(it->second.data(), it->second.size());
}

absl::Status CreateTopic(const std::string& address, const std::string& name, int partitions,
                         int replication_factor) {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::CreateTopicRequest request;
  request.set_name(name);
  request.set_partitions(partitions);
  request.set_replication_factor(replication_factor);
  v1::TopicDescription description;
  return ToStatus(StubTo(address)->CreateTopic(&context, request, &description));
}

absl::StatusOr<v1::GetMetadataResponse> Metadata(const std::string& address,
                                                 const std::string& topic) {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::GetMetadataRequest request;
  if (!topic.empty()) request.add_topics(topic);
  v1::GetMetadataResponse response;
  grpc::Status status = StubTo(address)->GetMetadata(&context, request, &response);
  if (!status.ok()) return ToStatus(status);
  return response;
}

absl::StatusOr<std::map<int32_t, int32_t>> Leaders(const std::string& address,
                                                   const std::string& topic) {
  absl::StatusOr<v1::GetMetadataResponse> metadata = Metadata(address, topic);
  if (!metadata.ok()) return metadata.status();
  std::map<int32_t, int32_t> leaders;
  for (const v1::PartitionMetadata& partition : metadata->topics(0).partitions()) {
    leaders[partition.partition()] = partition.leader();
  }
  return leaders;
}

absl::StatusOr<v1::ProduceResponse> ProduceKeyed(const std::string& address,
                                                 const std::string& topic,
                                                 const std::vector<std::string>& keys) {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::ProduceRequest request;
  request.set_topic(topic);
  for (const std::string& key : keys) {
    v1::Record* record = request.add_records();
    record->set_key(key);
    record->set_value(absl::StrCat("value of ", key));
  }
  v1::ProduceResponse response;
  grpc::Status status = StubTo(address)->Produce(&context, request, &response);
  if (!status.ok()) return ToStatus(status);
  return response;
}

absl::StatusOr<v1::ProduceResponse> ProduceTo(const std::string& address, const std::string& topic,
                                              int32_t partition,
                                              const std::vector<std::string>& values) {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::ProduceRequest request;
  request.set_topic(topic);
  request.set_partition(partition);
  for (const std::string& value : values) request.add_records()->set_value(value);
  v1::ProduceResponse response;
  grpc::Status status = StubTo(address)->Produce(&context, request, &response);
  if (!status.ok()) return ToStatus(status);
  return response;
}

absl::StatusOr<std::vector<v1::Record>> FetchAll(const std::string& address,
                                                 const std::string& topic, int32_t partition,
                                                 bool forwarded) {
  std::unique_ptr<v1::EventLog::Stub> stub = StubTo(address);
  std::vector<v1::Record> records;
  int64_t offset = 0;
  for (;;) {
    grpc::ClientContext context;
    SetDeadline(&context);
    if (forwarded) context.AddMetadata("eventlog-forwarded", "0");
    v1::FetchRequest request;
    request.set_topic(topic);
    request.set_partition(partition);
    request.set_offset(offset);
    v1::FetchResponse response;
    grpc::Status status = stub->Fetch(&context, request, &response);
    if (!status.ok()) return ToStatus(status);
    for (const v1::Record& record : response.records()) records.push_back(record);
    if (response.records().empty() || records.back().offset() + 1 >= response.high_watermark()) {
      break;
    }
    offset = records.back().offset() + 1;
  }
  return records;
}

absl::StatusOr<v1::PartitionMetadata> PartitionStateAt(const std::string& address,
                                                       const std::string& topic,
                                                       int32_t partition) {
  absl::StatusOr<v1::GetMetadataResponse> metadata = Metadata(address, topic);
  if (!metadata.ok()) return metadata.status();
  if (metadata->topics_size() != 1 || metadata->topics(0).partitions_size() <= partition) {
    return absl::NotFoundError("no such partition yet");
  }
  return metadata->topics(0).partitions(partition);
}

absl::StatusOr<v1::PartitionMetadata> WaitForPartitionState(
    const std::string& address, const std::string& topic,
    const std::function<bool(const v1::PartitionMetadata&)>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::StatusOr<v1::PartitionMetadata> state = absl::UnavailableError("not asked yet");
  while (absl::Now() < deadline) {
    state = PartitionStateAt(address, topic);
    if (state.ok() && done(*state)) return state;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("\"", topic, "\" did not reach the state; last: ",
                   state.ok() ? state->DebugString() : state.status().ToString()));
}

std::map<std::string, std::string> SegmentFiles(const std::string& data_dir) {
  std::map<std::string, std::string> files;
  const std::filesystem::path root = std::filesystem::path(data_dir) / "topics";
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".log") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    files[std::filesystem::relative(entry.path(), root).string()] = bytes.str();
  }
  return files;
}

std::vector<std::map<std::string, std::string>> WaitForIdenticalSegmentFiles(
    const std::vector<std::string>& data_dirs, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::vector<std::map<std::string, std::string>> files(data_dirs.size());
  for (;;) {
    for (size_t i = 0; i < data_dirs.size(); ++i) files[i] = SegmentFiles(data_dirs[i]);
    const bool identical =
        std::all_of(files.begin(), files.end(), [&](const auto& f) { return f == files[0]; });
    if (identical || absl::Now() > deadline) return files;
    absl::SleepFor(absl::Milliseconds(100));
  }
}

}  // namespace eventlog::testing
