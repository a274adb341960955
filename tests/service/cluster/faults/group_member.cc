#include "tests/service/cluster/faults/group_member.h"

#include "absl/time/clock.h"

namespace eventlog::testing::faults {

void GroupMember::Run() {
  while (!stopping()) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(
                             std::uniform_int_distribution<int>(4000, 8000)(random())));
    if (!Track(&context)) break;
    v1::SubscribeRequest request;
    request.set_topic(topic_);
    request.set_group(kGroup);
    request.set_start_from(v1::START_FROM_COMMITTED);
    request.set_reset_to(v1::START_FROM_EARLIEST);
    std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> stream =
        AnyBroker()->Subscribe(&context, request);
    v1::SubscribeResponse response;
    v1::Assignment assignment;
    while (stream->Read(&response)) {
      if (response.has_assignment()) {
        assignment = response.assignment();
        continue;
      }
      const v1::RecordBatch& batch = response.records();
      for (const v1::Record& record : batch.records()) {
        history().Read(name(), batch.partition(), record.offset(), record.key(), record.value());
      }
      if (batch.records_size() > 0 && !stopping()) {
        Commit(batch.partition(), batch.records(batch.records_size() - 1).offset() + 1,
               assignment);
      }
    }
    (void)stream->Finish();
    Track(nullptr);
    absl::SleepFor(absl::Milliseconds(100));
  }
}

void GroupMember::Commit(int32_t partition, int64_t offset, const v1::Assignment& assignment) {
  grpc::ClientContext context;
  SetDeadline(&context, std::chrono::seconds(3));
  v1::CommitOffsetRequest request;
  request.set_group(kGroup);
  request.set_topic(topic_);
  request.set_partition(partition);
  request.set_offset(offset);
  request.set_generation(assignment.generation());
  request.set_member_id(assignment.member_id());
  v1::CommitOffsetResponse response;
  if (AnyBroker()->CommitOffset(&context, request, &response).ok()) {
    history().Commit(name(), partition, offset, assignment.generation());
  }
}

}  // namespace eventlog::testing::faults
