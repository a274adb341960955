// ChannelTarget(): turns an etcd endpoint list ("HOST:PORT,HOST:PORT") into one
// gRPC channel target whose round_robin load balancing spreads calls over the
// members and fails over between them.
//
// Stateless; thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace eventlog::etcd {

// One endpoint: "dns:///HOST:PORT", so that gRPC resolves (and re-resolves)
// the name. Several: "ipv4:A:P,B:P" (or "ipv6:[A]:P,...") with each host
// name resolved here, once; a name that resolves to several addresses
// contributes them all. INVALID_ARGUMENT for an empty list, an endpoint
// without a port, or a mix of IPv4 and IPv6 addresses; UNAVAILABLE for a
// name that does not resolve.
absl::StatusOr<std::string> ChannelTarget(absl::string_view endpoints);

}  // namespace eventlog::etcd
