// KafkaRequest: any decoded request body this server implements, and the
// decoding of a whole request frame (header + body). Also the encoders a
// test client needs (the server never sends requests).
//
// Stateless functions over value types; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/kafka/protocol/api_key.h"
#include "service/kafka/protocol/api_versions.h"
#include "service/kafka/protocol/create_topics.h"
#include "service/kafka/protocol/delete_topics.h"
#include "service/kafka/protocol/describe_groups.h"
#include "service/kafka/protocol/fetch.h"
#include "service/kafka/protocol/find_coordinator.h"
#include "service/kafka/protocol/heartbeat.h"
#include "service/kafka/protocol/init_producer_id.h"
#include "service/kafka/protocol/join_group.h"
#include "service/kafka/protocol/leave_group.h"
#include "service/kafka/protocol/list_groups.h"
#include "service/kafka/protocol/list_offsets.h"
#include "service/kafka/protocol/metadata.h"
#include "service/kafka/protocol/offset_commit.h"
#include "service/kafka/protocol/offset_fetch.h"
#include "service/kafka/protocol/produce.h"
#include "service/kafka/protocol/request_header.h"
#include "service/kafka/protocol/sasl_authenticate.h"
#include "service/kafka/protocol/sasl_handshake.h"
#include "service/kafka/protocol/sync_group.h"

namespace eventlog::kafka {

using KafkaRequest =
    std::variant<ProduceRequest, FetchRequest, ListOffsetsRequest, MetadataRequest,
                 OffsetCommitRequest, OffsetFetchRequest, FindCoordinatorRequest, JoinGroupRequest,
                 HeartbeatRequest, LeaveGroupRequest, SyncGroupRequest, DescribeGroupsRequest,
                 ListGroupsRequest, SaslHandshakeRequest, ApiVersionsRequest, CreateTopicsRequest,
                 DeleteTopicsRequest, InitProducerIdRequest, SaslAuthenticateRequest>;

ApiKey ApiKeyOf(const KafkaRequest& request);

// Decodes a request body of (api_key, version), which must be in the API
// table (IsSupported). INVALID_ARGUMENT if the body is malformed, truncated
// or longer than its fields; UNIMPLEMENTED for an API key not in the table.
absl::StatusOr<KafkaRequest> DecodeRequest(int16_t api_key, int16_t version,
                                           absl::string_view body);

// A whole request frame (size prefix, header, body) for `header`'s API key
// and version; the request must be of that API. For tests and test clients.
std::string EncodeRequestFrame(const RequestHeader& header, const KafkaRequest& request);

}  // namespace eventlog::kafka
