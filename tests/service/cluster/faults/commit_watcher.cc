#include "tests/service/cluster/faults/commit_watcher.h"

#include "absl/time/clock.h"
#include "tests/service/cluster/faults/group_member.h"

namespace eventlog::testing::faults {

void CommitWatcher::Run() {
  while (!stopping()) {
    ReadOnce();
    absl::SleepFor(absl::Milliseconds(300));
  }
}

bool CommitWatcher::ReadOnce() {
  absl::MutexLock one(&read_mu_);
  grpc::ClientContext context;
  SetDeadline(&context, std::chrono::seconds(3));
  v1::FetchCommittedOffsetsRequest request;
  request.set_group(kGroup);
  request.set_topic(topic_);
  v1::FetchCommittedOffsetsResponse response;
  if (!AnyBroker()->FetchCommittedOffsets(&context, request, &response).ok()) return false;
  absl::MutexLock lock(&mu_);
  for (const v1::CommittedOffset& committed : response.offsets()) {
    history().Committed(committed.partition(), committed.offset());
    last_[committed.partition()] = committed.offset();
  }
  return true;
}

}  // namespace eventlog::testing::faults
