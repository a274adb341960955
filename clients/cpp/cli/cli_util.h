// Helpers shared by the eventlog CLI's subcommands: common flags, exit
// codes, error reporting and position parsing. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "clients/cpp/channel_security.h"
#include "clients/cpp/cli/arg_parser.h"
#include "clients/cpp/client.h"

namespace eventlog::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;  // the server or the data said no
inline constexpr int kExitUsage = 2;  // the command line was wrong

struct CommonFlags {
  std::string server;  // HOST:PORT or HOST:PORT,HOST:PORT,...
  int64_t timeout_ms = 30000;
  client::ChannelSecurity security;
};

// Adds --server (default $EVENTLOG_SERVER, else 127.0.0.1:7070), --timeout_ms
// and the security flags --tls, --tls_ca, --tls_cert, --tls_key and --token
// (default $EVENTLOG_TOKEN).
void AddCommonFlags(ArgParser& parser, CommonFlags* flags);
// Never null: when the TLS files or the server list cannot be used it prints
// why and exits (kExitUsage; kExitError when no server name resolves).
std::unique_ptr<client::Client> MakeClient(const CommonFlags& flags);

// Prints "eventlog: <what>: CODE: message" to stderr; returns kExitError.
int ReportError(absl::string_view what, const absl::Status& status);
// Prints "eventlog: warning: <what>: CODE: message<suffix>" to stderr, for an
// error the command survives.
void ReportWarning(absl::string_view what, const absl::Status& status, absl::string_view suffix);
// kExitOk for --help, kExitUsage for errors (call only when not kOk).
int ExitCodeFor(ArgParser::Result result);

// A start or lookup position: earliest, latest, offset:N, timestamp:MS,
// committed.
struct Position {
  enum class Kind { kEarliest, kLatest, kOffset, kTimestamp, kCommitted };
  Kind kind = Kind::kEarliest;
  int64_t value = 0;  // offset or timestamp
};
absl::StatusOr<Position> ParsePosition(absl::string_view text);

// Parses a non-negative partition number.
absl::StatusOr<int32_t> ParsePartition(absl::string_view text);

}  // namespace eventlog::cli
