#include "service/cluster/etcd/channel_target.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "storage/util/status_macros.h"

namespace eventlog::etcd {
namespace {

struct HostPort {
  std::string host;  // without IPv6 brackets
  std::string port;
};

absl::StatusOr<HostPort> ParseEndpoint(const absl::string_view original) {
  if (absl::StartsWithIgnoreCase(original, "https://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("etcd endpoint '", original, "': TLS is not supported"));
  }
  absl::string_view endpoint = original;
  absl::ConsumePrefix(&endpoint, "http://");
  absl::ConsumeSuffix(&endpoint, "/");
  HostPort parsed;
  absl::string_view port;
  if (absl::ConsumePrefix(&endpoint, "[")) {  // [IPv6]:PORT
    const size_t close = endpoint.find("]:");
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("etcd endpoint '", original, "': expected [ADDRESS]:PORT"));
    }
    parsed.host = std::string(endpoint.substr(0, close));
    port = endpoint.substr(close + 2);
  } else {
    const size_t colon = endpoint.rfind(':');
    if (colon == absl::string_view::npos || endpoint.find(':') != colon) {
      return absl::InvalidArgumentError(
          absl::StrCat("etcd endpoint '", original, "': expected HOST:PORT"));
    }
    parsed.host = std::string(endpoint.substr(0, colon));
    port = endpoint.substr(colon + 1);
  }
  int port_number = 0;
  if (parsed.host.empty() || !absl::SimpleAtoi(port, &port_number) || port_number < 1 ||
      port_number > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("etcd endpoint '", original, "': expected HOST:PORT with a port 1-65535"));
  }
  parsed.port = std::string(port);
  return parsed;
}

// The addresses `endpoint.host` stands for, as "A:P" (IPv4) or "[A]:P"
// (IPv6): the IPv4 ones if it has any, else the IPv6 ones.
absl::StatusOr<std::vector<std::string>> Resolve(const HostPort& endpoint, bool* ipv6) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const int error = getaddrinfo(endpoint.host.c_str(), endpoint.port.c_str(), &hints, &found);
  if (error != 0) {
    return absl::UnavailableError(absl::StrCat("etcd endpoint '", endpoint.host, ":", endpoint.port,
                                               "': ", gai_strerror(error)));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(found, freeaddrinfo);
  std::vector<std::string> v4, v6;
  char text[INET6_ADDRSTRLEN];
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (a->ai_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(a->ai_addr);
      inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
      v4.push_back(absl::StrCat(text, ":", endpoint.port));
    } else if (a->ai_family == AF_INET6) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(a->ai_addr);
      inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
      v6.push_back(absl::StrCat("[", text, "]:", endpoint.port));
    }
  }
  *ipv6 = v4.empty();
  return v4.empty() ? v6 : v4;
}

}  // namespace

absl::StatusOr<std::string> ChannelTarget(absl::string_view endpoints) {
  std::vector<HostPort> parsed;
  for (absl::string_view endpoint : absl::StrSplit(endpoints, ',', absl::SkipWhitespace())) {
    ASSIGN_OR_RETURN(HostPort host_port, ParseEndpoint(absl::StripAsciiWhitespace(endpoint)));
    parsed.push_back(std::move(host_port));
  }
  if (parsed.empty()) return absl::InvalidArgumentError("no etcd endpoints given");
  if (parsed.size() == 1) {
    const HostPort& only = parsed.front();
    const bool ipv6_literal = only.host.find(':') != std::string::npos;
    return ipv6_literal ? absl::StrCat("dns:///[", only.host, "]:", only.port)
                        : absl::StrCat("dns:///", only.host, ":", only.port);
  }
  std::vector<std::string> addresses;
  int ipv6_count = 0;
  for (const HostPort& endpoint : parsed) {
    bool ipv6 = false;
    ASSIGN_OR_RETURN(std::vector<std::string> resolved, Resolve(endpoint, &ipv6));
    ipv6_count += ipv6 ? 1 : 0;
    for (std::string& address : resolved) {
      if (std::find(addresses.begin(), addresses.end(), address) == addresses.end()) {
        addresses.push_back(std::move(address));
      }
    }
  }
  if (ipv6_count != 0 && ipv6_count != static_cast<int>(parsed.size())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "etcd endpoints '", endpoints, "' mix IPv4 and IPv6 addresses; use one family"));
  }
  return absl::StrCat(ipv6_count == 0 ? "ipv4:" : "ipv6:", absl::StrJoin(addresses, ","));
}

}  // namespace eventlog::etcd
