// GroupMember: what the GroupCoordinator asks of one member of a consumer
// group (a Subscribe stream; see GroupMembership). The coordinator calls
// these with its lock held, so they must only record the request and wake
// the stream's pump: never block, never call back into the coordinator.
//
// Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/status.h"

namespace eventlog::broker {

class GroupMember {
 public:
  virtual ~GroupMember() = default;

  // Stop delivering records of `partitions`, then report it with
  // GroupCoordinator::RevokeDone(member, round) once no write carrying them
  // is in flight any more.
  virtual void Revoke(uint64_t round, std::vector<int32_t> partitions) = 0;

  // The member's whole assignment from now on, at `generation`: announce it
  // to the client before delivering records of newly assigned partitions.
  virtual void Assign(int64_t generation, std::vector<int32_t> partitions) = 0;

  // The member was removed from its group (`why` says why); its stream must
  // end. The coordinator will not call it again.
  virtual void Evict(absl::Status why) = 0;

  // When the stream's current write started (absl::ToUnixMillis), or 0 if no
  // write is in flight: a write stuck longer than the session timeout means
  // the client stopped consuming.
  virtual int64_t busy_since_ms() const = 0;
};

}  // namespace eventlog::broker
