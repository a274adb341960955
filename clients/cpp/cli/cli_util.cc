#include "clients/cpp/cli/cli_util.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "clients/cpp/server_list.h"
#include "clients/cpp/status_conversion.h"

namespace eventlog::cli {

void AddCommonFlags(ArgParser& parser, CommonFlags* flags) {
  const char* env = std::getenv("EVENTLOG_SERVER");
  flags->server = env != nullptr && env[0] != '\0' ? env : "127.0.0.1:7070";
  parser.AddString("server", &flags->server,
                   "eventlogd address HOST:PORT, or a list HOST:PORT,HOST:PORT,... to fail "
                   "over between ($EVENTLOG_SERVER)");
  parser.AddInt("timeout_ms", &flags->timeout_ms, "deadline of each request");
  const char* token = std::getenv("EVENTLOG_TOKEN");
  flags->security.token = token != nullptr ? token : "";
  parser.AddBool("tls", &flags->security.tls,
                 "connect with TLS, trusting the system roots (implied by --tls_ca/--tls_cert)");
  parser.AddString("tls_ca", &flags->security.ca_file,
                   "PEM CA file that signed the server's certificate (turns TLS on)");
  parser.AddString("tls_cert", &flags->security.cert_file,
                   "PEM client certificate for servers that require mTLS");
  parser.AddString("tls_key", &flags->security.key_file, "PEM key of --tls_cert");
  parser.AddString("token", &flags->security.token,
                   "bearer token sent with every call ($EVENTLOG_TOKEN)");
}

std::unique_ptr<client::Client> MakeClient(const CommonFlags& flags) {
  client::ClientOptions options;
  options.call_timeout = absl::Milliseconds(flags.timeout_ms);
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      client::MakeChannelCredentials(flags.security);
  if (!credentials.ok()) {
    std::fputs(absl::StrCat("eventlog: ", credentials.status().message(), "\n").c_str(), stderr);
    std::exit(kExitUsage);
  }
  // Null for plaintext (ClientOptions' default), which lets producers route
  // to partition leaders (ProducerOptions::route_to_leaders).
  if (flags.security.UsesTls()) options.credentials = *std::move(credentials);
  if (absl::Status valid = client::ValidateServers(flags.server); !valid.ok()) {
    std::fputs(absl::StrCat("eventlog: --server: ", valid.message(), "\n").c_str(), stderr);
    std::exit(kExitUsage);
  }
  if (absl::StatusOr<client::ChannelTarget> target = client::MakeChannelTarget(flags.server);
      !target.ok()) {
    std::fputs(absl::StrCat("eventlog: --server: ", target.status().message(), "\n").c_str(),
               stderr);
    std::exit(target.status().code() == absl::StatusCode::kInvalidArgument ? kExitUsage
                                                                           : kExitError);
  }
  options.token = flags.security.token;
  return std::make_unique<client::Client>(flags.server, options);
}

int ReportError(absl::string_view what, const absl::Status& status) {
  std::string text = absl::StrCat("eventlog: ", what, ": ", client::DescribeStatus(status), "\n");
  std::fflush(stdout);
  std::fputs(text.c_str(), stderr);
  return kExitError;
}

void ReportWarning(absl::string_view what, const absl::Status& status, absl::string_view suffix) {
  std::string text =
      absl::StrCat("eventlog: warning: ", what, ": ", client::DescribeStatus(status), suffix, "\n");
  std::fflush(stdout);
  std::fputs(text.c_str(), stderr);
}

int ExitCodeFor(ArgParser::Result result) {
  return result == ArgParser::Result::kHelpShown ? kExitOk : kExitUsage;
}

absl::StatusOr<Position> ParsePosition(absl::string_view text) {
  Position position;
  if (text == "earliest") {
    position.kind = Position::Kind::kEarliest;
  } else if (text == "latest") {
    position.kind = Position::Kind::kLatest;
  } else if (text == "committed") {
    position.kind = Position::Kind::kCommitted;
  } else if (absl::StartsWith(text, "offset:")) {
    position.kind = Position::Kind::kOffset;
    if (!absl::SimpleAtoi(text.substr(7), &position.value) || position.value < 0) {
      return absl::InvalidArgumentError(absl::StrCat("bad offset in '", text, "'"));
    }
  } else if (absl::StartsWith(text, "timestamp:")) {
    position.kind = Position::Kind::kTimestamp;
    if (!absl::SimpleAtoi(text.substr(10), &position.value) || position.value < 0) {
      return absl::InvalidArgumentError(absl::StrCat("bad timestamp in '", text, "'"));
    }
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown position '", text,
                     "' (want earliest, latest, committed, offset:N or timestamp:MS)"));
  }
  return position;
}

absl::StatusOr<int32_t> ParsePartition(absl::string_view text) {
  int32_t partition = 0;
  if (!absl::SimpleAtoi(text, &partition) || partition < 0) {
    return absl::InvalidArgumentError(absl::StrCat("bad partition '", text, "'"));
  }
  return partition;
}

}  // namespace eventlog::cli
