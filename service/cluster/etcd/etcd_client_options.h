// EtcdClientOptions: where etcd is and how long calls may take. Plain data.
#pragma once

#include <string>

#include "absl/time/time.h"

namespace eventlog::etcd {

struct EtcdClientOptions {
  // The members' client addresses, comma-separated: "HOST:PORT,HOST:PORT"
  // ("http://" prefixes are accepted and ignored; TLS is not supported yet).
  // Calls are spread over the members that are up and move to the others
  // when one fails.
  std::string endpoints;
  // The deadline of every unary call, retries included; DEADLINE_EXCEEDED
  // once it passes. Calls wait (up to it) for a member to be reachable.
  absl::Duration call_timeout = absl::Seconds(5);
  // The longest wait between attempts to reconnect to a member that is down
  // (gRPC's default, 120 s, would leave a restarted member unused for long).
  absl::Duration max_reconnect_backoff = absl::Seconds(2);
  // HTTP/2 pings on connections with calls or streams open, so that a member
  // that vanished without closing its connections (a network partition) is
  // noticed and its streams move to another member. etcd refuses pings more
  // frequent than its --grpc-keepalive-min-time (5 s by default).
  absl::Duration keepalive_time = absl::Seconds(10);
  absl::Duration keepalive_timeout = absl::Seconds(5);
};

}  // namespace eventlog::etcd
