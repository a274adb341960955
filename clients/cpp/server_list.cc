#include "clients/cpp/server_list.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <algorithm>
#include <array>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace eventlog::client {
namespace {

struct AddrInfoDeleter {
  void operator()(addrinfo* info) const { freeaddrinfo(info); }
};

void AddOnce(std::vector<std::string>& list, std::string address) {
  if (std::find(list.begin(), list.end(), address) == list.end()) {
    list.push_back(std::move(address));
  }
}

}  // namespace

absl::StatusOr<std::vector<std::string>> SplitServers(absl::string_view servers) {
  std::vector<std::string> entries;
  for (absl::string_view entry : absl::StrSplit(servers, ',')) {
    entry = absl::StripAsciiWhitespace(entry);
    if (!entry.empty()) entries.emplace_back(entry);
  }
  if (entries.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no server in \"", servers, "\" (expected HOST:PORT[,HOST:PORT...])"));
  }
  return entries;
}

absl::Status ValidateServers(absl::string_view servers) {
  absl::StatusOr<std::vector<std::string>> entries = SplitServers(servers);
  if (!entries.ok()) return entries.status();
  for (const std::string& entry : *entries) {
    const size_t colon = entry.rfind(':');
    int port = 0;
    if (colon == std::string::npos || colon == 0 ||
        !absl::SimpleAtoi(absl::string_view(entry).substr(colon + 1), &port) || port < 1 ||
        port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", entry, "\" is not HOST:PORT (a port from 1 to 65535)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ChannelTarget> MakeChannelTarget(absl::string_view servers) {
  absl::StatusOr<std::vector<std::string>> entries = SplitServers(servers);
  if (!entries.ok()) return entries.status();
  if (entries->size() == 1) return ChannelTarget{entries->front(), ""};
  std::vector<std::string> v4, v6;
  for (const std::string& entry : *entries) {
    const size_t colon = entry.rfind(':');
    int port = 0;
    if (colon == std::string::npos || colon == 0 ||
        !absl::SimpleAtoi(absl::string_view(entry).substr(colon + 1), &port)) {
      return absl::InvalidArgumentError(absl::StrCat("server \"", entry, "\" is not HOST:PORT"));
    }
    std::string host = entry.substr(0, colon);
    host = std::string(absl::StripSuffix(absl::StripPrefix(host, "["), "]"));
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) continue;  // skipped for now
    std::unique_ptr<addrinfo, AddrInfoDeleter> owned(found);
    for (const addrinfo* info = found; info != nullptr; info = info->ai_next) {
      std::array<char, NI_MAXHOST> ip{};
      if (getnameinfo(info->ai_addr, info->ai_addrlen, ip.data(), ip.size(), nullptr, 0,
                      NI_NUMERICHOST) != 0) {
        continue;
      }
      if (info->ai_family == AF_INET) AddOnce(v4, absl::StrCat(ip.data(), ":", port));
      if (info->ai_family == AF_INET6) AddOnce(v6, absl::StrCat("[", ip.data(), "]:", port));
    }
  }
  if (v4.empty() && v6.empty()) {
    return absl::UnavailableError(
        absl::StrCat("none of the servers \"", servers, "\" resolves to an address"));
  }
  ChannelTarget out;
  out.target = v4.empty() ? absl::StrCat("ipv6:", absl::StrJoin(v6, ","))
                          : absl::StrCat("ipv4:", absl::StrJoin(v4, ","));
  out.authority = entries->front();
  return out;
}

}  // namespace eventlog::client
