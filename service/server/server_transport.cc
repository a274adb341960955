#include "service/server/server_transport.h"

#include <grpc/grpc.h>

#include <algorithm>
#include <climits>

namespace eventlog::service {

void ApplyServerTransport(grpc::ServerBuilder& builder, int64_t group_session_timeout_ms,
                          int64_t max_request_bytes) {
  // One address, one broker: gRPC sets SO_REUSEPORT by default, which lets a
  // second eventlogd bind the same port and take half the new connections.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Long-lived streams: the server pings connections so that parked
  // subscriptions of vanished clients end, and lets clients ping it every
  // 10 s (gRPC's default allows one ping per 5 minutes). A dead peer is
  // noticed about a group session timeout (plus 5 s) after it went: then its
  // group members leave and their partitions move.
  const int64_t session_ms = group_session_timeout_ms > 0 ? group_session_timeout_ms : 120 * 1000;
  const int keepalive_ms = static_cast<int>(std::clamp<int64_t>(session_ms / 2, 1000, 60 * 1000));
  const int keepalive_timeout_ms =
      static_cast<int>(std::clamp<int64_t>(session_ms / 2, 5000, 20 * 1000));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, keepalive_ms);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, keepalive_timeout_ms);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_SENT_PING_INTERVAL_WITHOUT_DATA_MS, keepalive_ms);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10 * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Sized for a small machine: the EventLog service runs on gRPC's callback
  // threads; only the (synchronous) helper services use these pollers.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::NUM_CQS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 2);
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(std::min<int64_t>(INT_MAX, max_request_bytes + kFramingSlackBytes)));
}

}  // namespace eventlog::service
