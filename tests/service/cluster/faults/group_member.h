// GroupMember: a member of consumer group "fault-loop" reading the topic by
// group Subscribe streams through random brokers (relayed to the group's
// coordinator), starting at the committed offsets (earliest without one).
// After each batch it commits the offset after it, with its generation and
// member id, through a random broker, and records acknowledged commits.
// Sessions last 4-8 s at random, so members leave and join and the group
// rebalances under the faults.
#pragma once

#include <string>
#include <vector>

#include "tests/service/cluster/faults/worker.h"

namespace eventlog::testing::faults {

inline constexpr char kGroup[] = "fault-loop";

class GroupMember : public Worker {
 public:
  GroupMember(std::string name, const std::vector<std::string>& brokers, std::string topic,
              uint64_t seed, History* history)
      : Worker(std::move(name), brokers, seed, history), topic_(std::move(topic)) {}
  ~GroupMember() override { Stop(); }

 private:
  void Run() override;
  // Commits `offset` of `partition`; records it when acknowledged.
  void Commit(int32_t partition, int64_t offset, const v1::Assignment& assignment);

  const std::string topic_;
};

}  // namespace eventlog::testing::faults
