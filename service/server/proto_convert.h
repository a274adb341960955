// Conversions between the eventlog.v1 protobuf messages and the broker's
// domain structs. Enum values a client may send that the API does not know
// are INVALID_ARGUMENT here; everything else is validated by the broker.
//
// Thread-safe (stateless functions).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "eventlog/v1/eventlog.pb.h"
#include "service/broker/fetch_types.h"
#include "service/broker/offset_types.h"
#include "service/broker/produce_types.h"
#include "service/broker/subscribe_types.h"
#include "service/broker/topic_types.h"

namespace eventlog::service {

namespace v1 = ::eventlog::v1;

absl::StatusOr<broker::CreateTopicRequest> FromProto(const v1::CreateTopicRequest& request);
void ToProto(const broker::TopicInfo& info, v1::TopicDescription* description);

// The result holds views into `request`, which must outlive its use.
absl::StatusOr<broker::ProduceRequest> FromProto(const v1::ProduceRequest& request);
void ToProto(const broker::ProduceResult& result, v1::ProduceResponse* response);

broker::FetchRequest FromProto(const v1::FetchRequest& request);
// Appends `read`'s records, tagged with topic and partition, to `records`.
void AppendRecords(const storage::ReadResult& read, absl::string_view topic, int32_t partition,
                   google::protobuf::RepeatedPtrField<v1::Record>* records);

absl::StatusOr<broker::ListOffsetsRequest> FromProto(const v1::ListOffsetsRequest& request);
absl::StatusOr<broker::SubscribeRequest> FromProto(const v1::SubscribeRequest& request);

broker::CommitOffsetRequest FromProto(const v1::CommitOffsetRequest& request);
broker::CommitOffsetsRequest FromProto(const v1::CommitOffsetsRequest& request);
broker::FetchCommittedRequest FromProto(const v1::FetchCommittedOffsetsRequest& request);
void ToProto(const broker::GroupDescription& group, v1::DescribeGroupResponse* response);

}  // namespace eventlog::service
