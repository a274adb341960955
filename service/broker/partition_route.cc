#include "service/broker/partition_route.h"

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace eventlog::broker {

PartitionRoute PartitionRoute::Local(int32_t broker_id, int32_t leader_epoch) {
  PartitionRoute route;
  route.kind = Kind::kLocal;
  route.leader = broker_id;
  route.leader_epoch = leader_epoch;
  return route;
}

PartitionRoute PartitionRoute::Remote(int32_t leader, int32_t leader_epoch, std::string address) {
  PartitionRoute route;
  route.kind = Kind::kRemote;
  route.leader = leader;
  route.leader_epoch = leader_epoch;
  route.address = std::move(address);
  return route;
}

PartitionRoute PartitionRoute::Unavailable(std::string reason) {
  PartitionRoute route;
  route.kind = Kind::kUnavailable;
  route.reason = std::move(reason);
  return route;
}

absl::Status NotLeaderError(absl::string_view topic, int32_t partition,
                            const PartitionRoute& route) {
  if (route.kind != PartitionRoute::Kind::kRemote) {
    return absl::UnavailableError(absl::StrCat("partition ", partition, " of topic \"", topic,
                                               "\" has no leader now: ", route.reason,
                                               "; retry later"));
  }
  absl::Status status = absl::UnavailableError(
      absl::StrCat("partition ", partition, " of topic \"", topic, "\" is led by broker ",
                   route.leader, " at ", route.address, "; send it there"));
  status.SetPayload(kLeaderPayload, absl::Cord(route.address));
  return status;
}

std::optional<std::string> LeaderAddress(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kLeaderPayload);
  if (!payload.has_value()) return std::nullopt;
  return std::string(*payload);
}

}  // namespace eventlog::broker
