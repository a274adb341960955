// Bootstrap server lists: "HOST:PORT" or "HOST1:PORT1,HOST2:PORT2,...".
//
// One server is handed to gRPC as given (it resolves the name and re-resolves
// it on reconnect). Several are resolved once, when the channel is made, into
// one ipv4: (or ipv6:) address list; gRPC's pick_first policy connects to the
// first address that answers and, when the broker in use goes away, moves on
// to the next one that answers. Calls in flight at that moment fail with
// UNAVAILABLE, as with one broker. The first name is the channel's authority,
// which TLS verifies: every broker's certificate must be valid for it.
//
// Thread-safe (pure functions; getaddrinfo is).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace eventlog::client {

struct ChannelTarget {
  std::string target;     // for grpc::CreateCustomChannel
  std::string authority;  // "" = gRPC's default (the target)
};

// The non-blank entries of a comma-separated list; INVALID_ARGUMENT if none.
absl::StatusOr<std::vector<std::string>> SplitServers(absl::string_view servers);

// OK when every entry is HOST:PORT (a non-empty host, a port in 1-65535);
// INVALID_ARGUMENT naming the first that is not.
absl::Status ValidateServers(absl::string_view servers);

// INVALID_ARGUMENT for a malformed entry (not HOST:PORT); UNAVAILABLE when no
// name of a list resolves.
absl::StatusOr<ChannelTarget> MakeChannelTarget(absl::string_view servers);

}  // namespace eventlog::client
