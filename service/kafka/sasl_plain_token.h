// SaslPlainToken: the client's message of SASL PLAIN (RFC 4616):
// [authzid] NUL authcid NUL passwd. Plain value type.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace eventlog::kafka {

struct SaslPlainToken {
  std::string authorization_id;  // empty: act as `username`
  std::string username;
  std::string password;

  // INVALID_ARGUMENT unless there are exactly two NULs and a non-empty
  // username and password; UNAUTHENTICATED if an authorization id other
  // than the username is asked for (not supported).
  static absl::StatusOr<SaslPlainToken> Parse(absl::string_view token);
};

}  // namespace eventlog::kafka
