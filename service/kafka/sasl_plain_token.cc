#include "service/kafka/sasl_plain_token.h"

#include <vector>

#include "absl/strings/str_split.h"

namespace eventlog::kafka {

absl::StatusOr<SaslPlainToken> SaslPlainToken::Parse(absl::string_view token) {
  const std::vector<absl::string_view> parts = absl::StrSplit(token, '\0');
  if (parts.size() != 3) {
    return absl::InvalidArgumentError("SASL/PLAIN token is not authzid NUL authcid NUL passwd");
  }
  if (parts[1].empty() || parts[2].empty()) {
    return absl::InvalidArgumentError("SASL/PLAIN token without username or password");
  }
  if (!parts[0].empty() && parts[0] != parts[1]) {
    return absl::UnauthenticatedError("SASL/PLAIN authorization id other than the username");
  }
  return SaslPlainToken{std::string(parts[0]), std::string(parts[1]), std::string(parts[2])};
}

}  // namespace eventlog::kafka
