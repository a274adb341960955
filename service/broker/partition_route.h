// PartitionRoute: where a partition is served in a cluster (docs/CLUSTER.md)
// — on this broker, on another broker, or nowhere right now — and the
// UNAVAILABLE a broker answers for a partition it does not lead. That error
// names the leader in its message and carries the leader's address as the
// status payload kLeaderPayload, which the gRPC layer turns into the
// trailing metadata key `eventlog-leader` (API.md).
//
// Value types and stateless functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace eventlog::broker {

struct PartitionRoute {
  enum class Kind {
    kLocal,        // this broker leads it (and always on a single broker)
    kRemote,       // another broker leads it: `leader` at `address`
    kUnavailable,  // no broker leads it now (`reason` says why)
  };

  Kind kind = Kind::kLocal;
  int32_t leader = -1;  // broker id; -1 when unavailable
  int32_t leader_epoch = 0;
  std::string address;  // kRemote: HOST:PORT
  std::string reason;   // kUnavailable

  static PartitionRoute Local(int32_t broker_id, int32_t leader_epoch = 0);
  static PartitionRoute Remote(int32_t leader, int32_t leader_epoch, std::string address);
  static PartitionRoute Unavailable(std::string reason);
};

// The status payload type URL under which a leader's HOST:PORT travels.
inline constexpr absl::string_view kLeaderPayload = "eventlog-leader";

// UNAVAILABLE for a partition `route` says this broker does not serve:
// "partition P of topic "T" is led by broker N at HOST:PORT", with the
// address as payload; or, with no leader, "... has no leader now: REASON".
absl::Status NotLeaderError(absl::string_view topic, int32_t partition,
                            const PartitionRoute& route);

// The leader's HOST:PORT carried by a NotLeaderError, if any.
std::optional<std::string> LeaderAddress(const absl::Status& status);

}  // namespace eventlog::broker
