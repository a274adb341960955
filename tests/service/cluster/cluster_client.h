// Small blocking helpers for the cluster tests: raw eventlog.v1 stubs to a
// broker (as a plain gRPC client would use them), and what the tests keep
// doing with them. Every call has a deadline (a safety net).
//
// Not thread-safe per object; the functions are.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "eventlog/v1/eventlog.grpc.pb.h"

namespace eventlog::testing {

namespace v1 = ::eventlog::v1;

std::unique_ptr<v1::EventLog::Stub> StubTo(const std::string& address);
void SetDeadline(grpc::ClientContext* context,
                 std::chrono::seconds seconds = std::chrono::seconds(15));

// The trailing metadata value of `key` after a call, if any.
std::optional<std::string> Trailer(const grpc::ClientContext& context, const std::string& key);

// replication_factor 0: the brokers' default.
absl::Status CreateTopic(const std::string& address, const std::string& name, int partitions,
                         int replication_factor = 0);
absl::StatusOr<v1::GetMetadataResponse> Metadata(const std::string& address,
                                                 const std::string& topic = "");
// partition -> leader id of `topic`, as `address` sees it.
absl::StatusOr<std::map<int32_t, int32_t>> Leaders(const std::string& address,
                                                   const std::string& topic);
// Keyed records key->value through `address`; the appends.
absl::StatusOr<v1::ProduceResponse> ProduceKeyed(const std::string& address,
                                                 const std::string& topic,
                                                 const std::vector<std::string>& keys);
absl::StatusOr<v1::ProduceResponse> ProduceTo(const std::string& address, const std::string& topic,
                                              int32_t partition,
                                              const std::vector<std::string>& values);
// Every record of a partition from offset 0 (through `address`).
absl::StatusOr<std::vector<v1::Record>> FetchAll(const std::string& address,
                                                 const std::string& topic, int32_t partition,
                                                 bool forwarded = false);
// The state of a partition of `topic` as `address` reports it (NOT_FOUND
// until the topic shows with that partition).
absl::StatusOr<v1::PartitionMetadata> PartitionStateAt(const std::string& address,
                                                       const std::string& topic,
                                                       int32_t partition = 0);
// Polls `address` until partition 0 of `topic` is in a state `done`
// accepts (the timeout is a safety net, not a timed assertion).
absl::StatusOr<v1::PartitionMetadata> WaitForPartitionState(
    const std::string& address, const std::string& topic,
    const std::function<bool(const v1::PartitionMetadata&)>& done,
    absl::Duration timeout = absl::Seconds(30));
// Every segment file under `data_dir`'s topics, by its path below them, with
// its bytes (to compare replicas byte for byte).
std::map<std::string, std::string> SegmentFiles(const std::string& data_dir);
// Polls SegmentFiles of every data dir until they are all the same (or
// `timeout`, a safety net, passes); returns the last look at each.
std::vector<std::map<std::string, std::string>> WaitForIdenticalSegmentFiles(
    const std::vector<std::string>& data_dirs, absl::Duration timeout);

}  // namespace eventlog::testing
