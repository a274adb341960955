// What travels with calls between the brokers of a cluster, and how their
// outcomes map back (docs/CLUSTER.md, docs/protocol.md):
// - `eventlog-forwarded` (request metadata, the sending broker's id): the
//   call was forwarded by another broker; the receiver serves it from what
//   it leads and never forwards it again;
// - `eventlog-leader` (trailing metadata, HOST:PORT): on UNAVAILABLE, the
//   broker that leads what the call asked for (API.md);
// - `eventlog-revision` (trailing metadata): the etcd revision of a topic
//   change made by the controller, which the forwarding broker's view
//   reaches before it answers its client;
// - `eventlog-start-offsets` (response headers of a forwarded Subscribe,
//   "P:OFFSET,..."): where the leader resolved each partition's start.
//
// Thread-safe (stateless functions).
#pragma once

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/client_callback.h>
#include <grpcpp/support/server_callback.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace eventlog::service {

inline constexpr char kForwardedKey[] = "eventlog-forwarded";
inline constexpr char kLeaderKey[] = "eventlog-leader";
inline constexpr char kRevisionKey[] = "eventlog-revision";
inline constexpr char kStartOffsetsKey[] = "eventlog-start-offsets";

// True if another broker sent the call.
bool IsForwarded(const grpc::CallbackServerContext& context);
// Marks an outgoing call as forwarded by `broker_id`.
void MarkForwarded(grpc::ClientContext* context, int32_t broker_id);

// The value of a metadata key of a finished client call, if present.
std::optional<std::string> TrailingValue(const grpc::ClientContext& context, absl::string_view key);

// A forwarded call's outcome as an absl::Status, keeping the leader named
// by its `eventlog-leader` trailer (see broker::LeaderAddress).
absl::Status FromForwardedCall(const grpc::Status& status, const grpc::ClientContext& context);

// Adds `eventlog-leader` to the call's trailing metadata when `status`
// names a leader. Call before finishing the call with `status`.
void AddLeaderTrailer(grpc::CallbackServerContext* context, const absl::Status& status);

// Finishes a unary call with `status` (with its leader trailer).
grpc::ServerUnaryReactor* FinishUnary(grpc::CallbackServerContext* context,
                                      const absl::Status& status);

// Prepares a Subscribe call whose request and responses stay serialized
// (raw, like the server side's); the reactor then calls StartCall. The
// request must live until the call has started.
void PrepareRawSubscribe(grpc::ChannelInterface* channel, grpc::ClientContext* context,
                         const grpc::ByteBuffer* request,
                         grpc::ClientReadReactor<grpc::ByteBuffer>* reactor);

// "P:OFFSET,..." and back.
std::string FormatStartOffsets(const std::vector<std::pair<int32_t, int64_t>>& offsets);
std::vector<std::pair<int32_t, int64_t>> ParseStartOffsets(absl::string_view text);

}  // namespace eventlog::service
