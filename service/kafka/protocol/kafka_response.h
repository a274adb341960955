// KafkaResponse: any response body this server sends, and the encoding of a
// whole response frame (size prefix, the header version the API table
// gives, body). Also the decoder a test client needs.
//
// Stateless functions over value types; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/kafka/protocol/kafka_request.h"

namespace eventlog::kafka {

using KafkaResponse =
    std::variant<ProduceResponse, FetchResponse, ListOffsetsResponse, MetadataResponse,
                 OffsetCommitResponse, OffsetFetchResponse, FindCoordinatorResponse,
                 JoinGroupResponse, HeartbeatResponse, LeaveGroupResponse, SyncGroupResponse,
                 DescribeGroupsResponse, ListGroupsResponse, SaslHandshakeResponse,
                 ApiVersionsResponse, CreateTopicsResponse, DeleteTopicsResponse,
                 InitProducerIdResponse, SaslAuthenticateResponse>;

ApiKey ApiKeyOf(const KafkaResponse& response);

// A default-constructed response of `key`'s API (every field at its
// default, error code 0); `key` must be in the API table.
KafkaResponse EmptyResponseFor(ApiKey key);

// The frame answering request `correlation_id` with `response` encoded at
// `version` (the request's version).
std::string EncodeResponseFrame(int32_t correlation_id, int16_t version,
                                const KafkaResponse& response);

// Decodes a response frame's content (after the size prefix) for
// (api_key, version): checks the header, returns the correlation id in
// `*correlation_id`. For tests and test clients.
absl::StatusOr<KafkaResponse> DecodeResponseFrame(int16_t api_key, int16_t version,
                                                  absl::string_view frame, int32_t* correlation_id);

}  // namespace eventlog::kafka
